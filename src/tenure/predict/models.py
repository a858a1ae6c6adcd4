"""The churn model: each trained model (its back-test and where its file is) and the latest prediction per
account (so the accounts list and the renewals view sort by it in SQL)."""

from django.db import models

from tenure.accounts.models import Account

# The model kinds in words. Here, not beside the training code: a page that names a model must not import
# scikit-learn (about 0.8 s the first time in a web process: the renewals page's first answer took 1.2 s).
LABELS = {"logistic": "Logistic regression (L2)", "gradient_boosting": "Gradient-boosted trees"}


class ChurnModel(models.Model):
    """One training run. The fitted model itself is a joblib file under DATA_DIR/models/."""

    version = models.PositiveIntegerField(unique=True)
    kind = models.CharField(max_length=32, help_text="logistic or gradient_boosting: the back-test's winner.")
    trained_at = models.DateTimeField()
    as_of = models.DateField(help_text="The last day of history the model saw.")
    horizon_days = models.PositiveIntegerField(help_text="Churn within this many days after an observation.")
    grace_days = models.PositiveIntegerField()
    features = models.JSONField(default=list, help_text="The feature columns, in order.")
    metrics = models.JSONField(default=dict, help_text="Back-test of every candidate, and the training data.")
    file = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"churn model v{self.version} ({self.kind}, {self.trained_at:%Y-%m-%d})"

    @property
    def kind_label(self) -> str:
        return LABELS.get(self.kind, self.kind)

    @classmethod
    def active(cls) -> "ChurnModel | None":
        return cls.objects.filter(is_active=True).order_by("-version").first()

    @property
    def candidates(self) -> list[dict]:
        """Every candidate's back-test, the chosen one first, for pages that show the comparison."""
        found = self.metrics.get("backtest") or {}
        return [dict(scores, kind=kind, label=LABELS.get(kind, kind), chosen=kind == self.kind)
                for kind, scores in sorted(found.items(), key=lambda kv: kv[0] != self.kind)]


class ChurnPrediction(models.Model):
    """The latest churn probability of an account that pays today, with the drivers behind it."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="churn_prediction")
    model = models.ForeignKey(ChurnModel, on_delete=models.CASCADE, related_name="predictions")
    probability = models.FloatField(help_text="Calibrated probability of churning within the model's horizon.")
    drivers = models.JSONField(default=list)
    as_of = models.DateField()
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["probability"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.probability:.0%}"
