"""A customer's people over time: who may record them, and the successor who takes over the roles of one who left.
The contact services (services.py) call these; what changed about a person reaches the account's timeline through
the audit trail (engagement/timeline.py)."""


from django.core.exceptions import ValidationError

from tenure.accounts.models import Account, Contact, RelationshipRole


def may_edit_people(user, account: Account) -> bool:
    """Who records a customer's people and their roles: the account's CSM, leaders, CS operations."""
    return bool(user and user.can_write and (user.is_leader or user.manages_setup or account.owner_id == user.pk))


def hand_over(contact: Contact, successor: Contact) -> Contact:
    """The successor takes the relationship roles the person who left held (sponsor, champion, admin, billing)."""
    if successor.pk == contact.pk:
        raise ValidationError({"successor": "A person cannot succeed themselves."})
    if successor.account_id != contact.account_id:
        raise ValidationError({"successor": f"{successor} is not a person of this account."})
    if successor.left_on is not None:
        raise ValidationError({"successor": f"{successor} has left too: pick someone still there."})
    for role in contact.roles:
        if role != RelationshipRole.USER:
            setattr(successor, f"is_{role}", True)
    return successor
