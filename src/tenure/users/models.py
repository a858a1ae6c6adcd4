import hashlib
import secrets
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEADER = "leader", "CS leader"
    CSM = "csm", "CSM"
    CS_OPS = "cs_ops", "CS operations"
    READ_ONLY = "read_only", "Read-only"


WRITER_ROLES = {Role.ADMIN, Role.LEADER, Role.CSM, Role.CS_OPS}
SETUP_ROLES = {Role.ADMIN, Role.LEADER, Role.CS_OPS}


class User(AbstractUser):
    """A person working in Tenure. The role decides what they may change."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.READ_ONLY)
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many accounts this CSM can carry (book of business)."
    )

    @property
    def effective_role(self) -> str:
        return Role.ADMIN if self.is_superuser else self.role

    @property
    def can_write(self) -> bool:
        return self.is_active and self.effective_role in WRITER_ROLES

    @property
    def is_leader(self) -> bool:
        return self.effective_role in {Role.ADMIN, Role.LEADER}

    @property
    def manages_setup(self) -> bool:
        """Set-up shapes everyone's numbers (scorecards, rules, imports, keys, webhooks, surveys): admins, leaders
        and CS operations. CS operations manage no people: the team's queue and reassignment stay with leaders."""
        return self.can_write and self.effective_role in SETUP_ROLES

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class SecretKey(models.Model):
    """A credential that is shown once and stored only as its SHA-256 hash: API tokens, event write keys."""

    PREFIX: ClassVar[str] = ""
    SHOWN = 10  # leading characters kept in clear, to tell keys apart and revoke one by its start

    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to tell keys apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, **fields) -> tuple["SecretKey", str]:
        """Create a key; return it with the raw value, which is never stored and cannot be shown again."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(key_hash=cls.hash(raw), key_prefix=raw[: cls.SHOWN], **fields), raw

    @classmethod
    def find_active(cls, raw: str, queryset=None):
        """The unrevoked key with this raw value, noting its use (at most one write a minute), or None."""
        queryset = cls.objects.all() if queryset is None else queryset
        key = queryset.filter(key_hash=cls.hash(raw), revoked_at__isnull=True).first()
        if key is not None:
            now = timezone.now()
            if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
                type(key).objects.filter(pk=key.pk).update(last_used_at=now)
        return key

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class ApiToken(SecretKey):
    """A bearer token for the JSON API, acting as its user."""

    PREFIX = "tnr_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")

    class Meta(SecretKey.Meta):
        pass


class SignInThrottle(models.Model):
    """Failed sign-ins (or API token guesses) under one key — a username or an address — in the current window,
    and until when the key is locked. Kept in the database so every web process sees the same count."""

    key = models.CharField(max_length=300, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)


class AuditEntry(models.Model):
    """One change to a record, field by field: who (a person, an import, an API token, a rule), when, old → new.
    Append-only; it names its record by model and id, not by a foreign key, so it outlives the record."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        DELETE = "delete", "Deleted"

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200, help_text="Who, in words: a person, 'import accounts.csv', "
                                                            "'API token crm-sync (carol)', 'system'.")
    action = models.CharField(max_length=6, choices=Action.choices)
    model = models.CharField(max_length=60, help_text="app_label.model of the record")
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200)
    account_id = models.BigIntegerField(null=True, blank=True, help_text="The account it concerns, if one.")
    field = models.CharField(max_length=60, blank=True, default="")
    old = models.TextField(blank=True, default="")
    new = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["account_id", "-at"]), models.Index(fields=["model", "object_id"]),
                   models.Index(fields=["-at"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.model} {self.object_id}"
