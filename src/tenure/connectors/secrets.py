"""Connection credentials, encrypted at rest.

The key comes from the environment: ``TENURE_CONNECTOR_KEY``, one or more comma-separated passphrases or Fernet
keys (the first encrypts, every one decrypts, so a key can be rotated: put the new one first, then re-save). Unset,
the key is derived from ``TENURE_SECRET_KEY``, which production must set anyway. A stored value cannot be read
back through any page: the pages show only which fields are set."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnreadable(Exception):
    """The stored credentials were encrypted with a key this process does not have."""


def _fernet_key(text: str) -> bytes:
    raw = text.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw  # already a Fernet key (Fernet.generate_key())
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(b"tenure-connectors:" + raw).digest())


def _keys() -> MultiFernet:
    configured = [k for k in (settings.TENURE_CONNECTOR_KEY or "").split(",") if k.strip()]
    return MultiFernet([Fernet(_fernet_key(k)) for k in configured or [settings.SECRET_KEY]])


def seal(credentials: dict) -> str:
    return _keys().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode() if credentials else ""


def unseal(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_keys().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsUnreadable(
            "the stored credentials cannot be decrypted with TENURE_CONNECTOR_KEY: was the key changed? "
            "Put the old key after the new one, or enter the credentials again") from None
