"""A canonical dump of the demo's rows: everything but database ids and automatic timestamps."""

from tenure.accounts.models import Account, Contact
from tenure.billing.models import TRACKED_FIELDS, Subscription, SubscriptionChange
from tenure.demo.models import DemoScenario
from tenure.engagement.models import Touch
from tenure.support.models import Ticket
from tenure.users.models import User

CONTACT_FLAGS = ("is_executive_sponsor", "is_champion", "is_admin", "is_user", "is_billing", "is_maven",
                 "is_promoter", "is_detractor")


def canonical_dump() -> dict[str, list]:
    touches = sorted(
        (t.account.crm_id, t.occurred_at, t.kind, t.author.username if t.author else None, t.summary, t.sentiment,
         tuple(sorted(c.email for c in t.contacts.all())))
        for t in Touch.objects.select_related("account", "author").prefetch_related("contacts")
    )
    return {
        "users": list(User.objects.order_by("username").values_list(
            "username", "first_name", "last_name", "email", "role", "capacity", "is_staff", "is_superuser")),
        "accounts": list(Account.objects.order_by("crm_id").values_list(
            "name", "domain", "crm_id", "billing_id", "product_group_id", "industry", "segment", "stage",
            "owner__username", "custom")),
        "scenarios": list(DemoScenario.objects.order_by("account__crm_id").values_list(
            "account__crm_id", "scenario", "cause", "churned_on", "warning_on", "competitor", "usage_trend",
            "usage_change_on", "active_share", "notes")),
        "contacts": list(Contact.objects.order_by("email").values_list(
            "account__crm_id", "name", "email", "title", *CONTACT_FLAGS, "product_user_id", "left_on")),
        "subscriptions": list(Subscription.objects.order_by("external_id").values_list(
            "account__crm_id", "external_id", *TRACKED_FIELDS)),
        "history": list(SubscriptionChange.objects.order_by("subscription__external_id", "effective_on").values_list(
            "subscription__external_id", "effective_on", "source", *TRACKED_FIELDS)),
        "tickets": list(Ticket.objects.order_by("external_id").values_list(
            "account__crm_id", "contact__email", "external_id", "subject", "body", "category", "priority", "status",
            "opened_at", "resolved_at", "csat")),
        "touches": touches,
    }
