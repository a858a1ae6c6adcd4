from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower, Upper


class LifecycleStage(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    ADOPTING = "adopting", "Adopting"
    MATURE = "mature", "Mature"
    RENEWING = "renewing", "Renewing"
    CHURNED = "churned", "Churned"


# The ids other systems know an account by. Matching on them ignores case.
EXTERNAL_ID_FIELDS = ("crm_id", "billing_id", "product_group_id")


class Account(models.Model):
    """A customer company."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, default="", help_text="Stored in lower case.")
    crm_id = models.CharField("CRM id", max_length=100, null=True, blank=True)
    billing_id = models.CharField(max_length=100, null=True, blank=True)
    product_group_id = models.CharField(
        max_length=100, null=True, blank=True, help_text="The groupId the product sends in analytics events."
    )
    industry = models.CharField(max_length=100, blank=True, default="")
    segment = models.CharField(max_length=50, blank=True, default="", help_text="Segment or tier.")
    stage = models.CharField(
        "lifecycle stage", max_length=16, choices=LifecycleStage.choices, default=LifecycleStage.ONBOARDING
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="owner CSM",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_accounts",
    )
    custom = models.JSONField("custom attributes", default=dict, blank=True)
    portal_domain_sign_up = models.BooleanField(
        "portal sign-up by domain", default=False,
        help_text="Anyone with an email at this account's domain may sign in to the customer portal; a contact is "
                  "created for them on their first sign-in.",
    )
    coverage = models.CharField(
        max_length=10, choices=[("named", "Named CSM"), ("pooled", "Pooled (tech touch)")], default="named",
        help_text="Named accounts have their own CSM; pooled ones are served by the tech-touch team.",
    )
    assigned_by_rule = models.ForeignKey(
        "AssignmentRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The rule behind the current owner; empty when a person chose the owner.",
    )
    # The live totals the accounts list sorts by (seats and MRR of the live subscriptions, the first end date among
    # them; empty without one), kept by tenure.billing.services on every subscription change and each day for the
    # day's date: a copy for ordering a page out of 100,000 accounts from an index. The page shows the figures read
    # live for its rows; the definition of live is billing.models.live_q, as everywhere.
    sort_seats = models.PositiveIntegerField(null=True, editable=False)
    sort_mrr = models.DecimalField(max_digits=14, decimal_places=2, null=True, editable=False)
    sort_renewal = models.DateField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # indexed: the per-minute refresh (tenure/changes) looks for rows changed since its last run
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("crm_id"), name="account_crm_id_unique_ci",
                violation_error_message="another account already has this CRM id",
            ),
            models.UniqueConstraint(
                Lower("billing_id"), name="account_billing_id_unique_ci",
                violation_error_message="another account already has this billing id",
            ),
            models.UniqueConstraint(
                Lower("product_group_id"), name="account_product_group_id_unique_ci",
                violation_error_message="another account already has this product group id",
            ),
            models.UniqueConstraint(
                fields=["domain"], condition=~models.Q(domain=""), name="account_domain_unique",
                violation_error_message="another account already has this domain",
            ),
        ]
        # name, id: the accounts list's and the API's default order, read a page at a time from the index
        # sort_*: the list's sorts both ways, empty values last (as the list orders them); PostgreSQL only (migration
        # 0006: SQLite has no NULLS LAST in an index).
        indexes = [models.Index(fields=["segment"]), models.Index(fields=["stage"]),
                   models.Index(fields=["name", "id"]),
                   # the list's and the API's segment filter (segment__iexact), with the stage filter beside it
                   models.Index(Upper("segment"), F("stage"), name="account_segment_ci_stage"),
                   *(models.Index(getattr(F(column), way)(nulls_last=True), F("name"), F("id"),
                                  name=f"account_{column}_{way}")
                     for column in ("sort_seats", "sort_mrr", "sort_renewal") for way in ("asc", "desc"))]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.portal_domain_sign_up and not self.domain:
            raise ValidationError({"portal_domain_sign_up": "the account has no domain to match emails against"})


class RelationshipRole(models.TextChoices):
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    CHAMPION = "champion", "Champion"
    ADMIN = "admin", "Admin"
    USER = "user", "User"
    BILLING = "billing", "Billing"


class CommunityRole(models.TextChoices):
    MAVEN = "maven", "Maven"
    PROMOTER = "promoter", "Promoter"
    DETRACTOR = "detractor", "Detractor"


class Contact(models.Model):
    """A person at a customer. Roles are flags so "the sponsors of this account" is one indexed query."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200, blank=True, default="")
    email = models.CharField(max_length=254, blank=True, default="", help_text="Stored in lower case.")
    title = models.CharField(max_length=200, blank=True, default="")
    is_executive_sponsor = models.BooleanField("executive sponsor", default=False)
    is_champion = models.BooleanField("champion", default=False)
    is_admin = models.BooleanField("admin", default=False)
    is_user = models.BooleanField("user", default=False)
    is_billing = models.BooleanField("billing", default=False)
    is_maven = models.BooleanField("maven", default=False)
    is_promoter = models.BooleanField("promoter", default=False)
    is_detractor = models.BooleanField("detractor", default=False)
    product_user_id = models.CharField(
        max_length=200, null=True, blank=True, help_text="The userId the product sends in analytics events."
    )
    left_on = models.DateField(null=True, blank=True, help_text="When the person left the customer.")
    successor = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  help_text="Who took over this person's roles when they left.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~models.Q(email=""), name="contact_email_unique",
                violation_error_message="another contact already has this email",
            ),
            models.UniqueConstraint(
                Lower("product_user_id"), name="contact_product_user_id_unique_ci",
                violation_error_message="another contact already has this product user id",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or f"contact {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    @property
    def roles(self) -> list[str]:
        return [r for r in RelationshipRole.values if getattr(self, f"is_{r}")]

    @property
    def community_roles(self) -> list[str]:
        return [r for r in CommunityRole.values if getattr(self, f"is_{r}")]


class AssignmentRule(models.Model):
    """Routes accounts to CSMs: the first active rule (by position) whose conditions all hold decides.

    Example: "Named CSM above 50 seats": min_seats 51, coverage named, team = the mid-market CSMs.
    """

    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=100, help_text="Rules are tried in this order.")
    active = models.BooleanField(default=True)
    min_seats = models.PositiveIntegerField(null=True, blank=True)
    max_seats = models.PositiveIntegerField(null=True, blank=True)
    min_arr = models.DecimalField("min ARR", max_digits=14, decimal_places=2, null=True, blank=True)
    max_arr = models.DecimalField("max ARR", max_digits=14, decimal_places=2, null=True, blank=True)
    segment = models.CharField(max_length=50, blank=True, default="", help_text="Empty: any segment.")
    region = models.CharField(
        max_length=50, blank=True, default="", help_text="Matched against the account's 'region' attribute."
    )
    coverage = models.CharField(max_length=10, choices=[("named", "Named CSM"), ("pooled", "Pooled (tech touch)")],
                                default="named")
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assignment_rules",
        help_text="CSMs who take these accounts; the least loaded against capacity gets the next one.",
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name



class SavedView(models.Model):
    """A way of looking at the accounts list a person named: its filters, columns and order. Private to its owner
    unless shared (leaders and CS operations share views with the team); changed only by its owner, through
    ``tenure.accounts.saved_views``."""

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    filters = models.JSONField(default=dict, blank=True, help_text='The list\'s filters: {"q", "owner", "segment", '
                                                                  '"stage"}.')
    columns = models.JSONField(default=list, blank=True, help_text="Column keys (tenure.accounts.columns).")
    sort = models.CharField(max_length=24, blank=True, default="")
    shared = models.BooleanField(default=False, help_text="Everyone may open it; only its owner changes it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(F("owner"), Lower("name"), name="saved_view_name_unique_per_owner",
                                    violation_error_message="you already have a view of this name"),
        ]
        indexes = [models.Index(fields=["shared"], condition=models.Q(shared=True), name="saved_view_shared")]

    def __str__(self) -> str:
        return self.name
