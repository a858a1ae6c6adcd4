import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    LEADER = "leader", "CS leader"
    CSM = "csm", "CSM"
    READ_ONLY = "read_only", "Read-only"


WRITER_ROLES = {Role.ADMIN, Role.LEADER, Role.CSM}


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

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored; the raw key is shown once."""

    PREFIX = "tnr_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(max_length=12, editable=False, help_text="First characters, to tell keys apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def new_raw_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
