"""A customer's people over time, in words: who may record them, the timeline's notes for what changed about a
person, and the successor who takes over the roles of one who left. The contact services (services.py) call these."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from tenure.accounts.models import Account, CommunityRole, Contact, RelationshipRole


def may_edit_people(user, account: Account) -> bool:
    """Who records a customer's people and their roles: the account's CSM, leaders, CS operations."""
    return bool(user and user.can_write and (user.is_leader or user.manages_setup or account.owner_id == user.pk))


def _role_words(roles: Iterable[str]) -> str:
    labels = dict(RelationshipRole.choices) | dict(CommunityRole.choices)
    return ", ".join(labels[r].lower() for r in roles) or "no role"


def people_notes(before: Contact | None, after: Contact, *, by=None, source: str = "app") -> list[str]:
    """The timeline's words for what changed about a person: added, roles, left (and who took over)."""
    who = f" (by {by})" if by else ("" if source == "app" else f" (by {source})")
    name = str(after)
    if before is None:
        title = f", {after.title}" if after.title else ""
        return [f"Added {name}{title}: {_role_words(after.roles + after.community_roles)}{who}."]
    notes = []
    old_roles, new_roles = before.roles + before.community_roles, after.roles + after.community_roles
    if old_roles != new_roles:
        notes.append(f"{name}'s roles: {_role_words(old_roles)} → {_role_words(new_roles)}{who}.")
    if before.left_on is None and after.left_on is not None:
        took = f"; {after.successor} takes over as {_role_words(after.roles)}" if after.successor_id else \
            "; no successor named yet"
        notes.append(f"{name} left on {after.left_on:%-d %b %Y}{took}{who}.")
    elif before.left_on is not None and after.left_on is None:
        notes.append(f"{name} is back at the company (no longer marked as left){who}.")
    if before.title != after.title and after.title:
        notes.append(f"{name} is now {after.title} (was {before.title or 'no title'}){who}.")
    return notes


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
