"""Survey responses (NPS and CSAT). Campaigns that send surveys build on this table later."""

from django.db import models

from tenure.accounts.models import Account, Contact, RelationshipRole


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS"
    CSAT = "csat", "CSAT"


# The answer scale of each kind: NPS is 0-10, CSAT 1-5.
SCALES = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}


class SurveyResponse(models.Model):
    """One answer from a person at a customer."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="survey_responses")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="survey_responses"
    )
    kind = models.CharField(max_length=8, choices=SurveyKind.choices, default=SurveyKind.NPS)
    score = models.PositiveSmallIntegerField(help_text="NPS 0-10, CSAT 1-5.")
    comment = models.TextField(blank=True, default="")
    answered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-answered_at", "-pk"]
        indexes = [models.Index(fields=["account", "answered_at"]), models.Index(fields=["created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="nps", score__lte=10))
                | models.Q(kind="csat", score__gte=1, score__lte=5),
                name="survey_response_score_in_scale",
                violation_error_message="the score is outside the survey's scale",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score} from {self.account}"


class SurveyCampaign(models.Model):
    """An NPS or CSAT survey sent by email to the contacts a campaign chooses."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=SurveyKind.choices, default=SurveyKind.NPS)
    question = models.CharField(
        max_length=300, default="How likely are you to recommend us to a friend or colleague?"
    )
    segment = models.CharField(max_length=50, blank=True, default="", help_text="Empty: every segment.")
    roles = models.JSONField(default=list, blank=True, help_text="Relationship roles to ask; empty: everyone.")
    eligibility_days = models.PositiveIntegerField(
        default=90, help_text="Skip people invited to any survey within this many days."
    )
    created_by = models.ForeignKey("users.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def role_labels(self) -> list[str]:
        """The roles asked, in words ("Executive sponsor", not executive_sponsor)."""
        labels = dict(RelationshipRole.choices)
        return [str(labels.get(r, str(r).replace("_", " "))) for r in self.roles]


class SurveyInvitation(models.Model):
    """One person asked in one campaign; the emailed link is signed with this row's id."""

    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="survey_invitations")
    sent_at = models.DateTimeField(null=True, blank=True)
    send_error = models.CharField(max_length=300, blank=True, default="")
    response = models.OneToOneField(SurveyResponse, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="invitation")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "contact"], name="one_invitation_per_contact")]
        indexes = [models.Index(fields=["contact", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.contact}"
