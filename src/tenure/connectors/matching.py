"""Which Tenure record a source record is: written once for every connector. A source id seen before follows its
link; a new one is matched by the account's id for that source (billing_id, crm_id), then by domain (or a
contact's email); only then is a record created."""

from __future__ import annotations

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, Contact
from tenure.connectors.models import Connection, SourceLink

# Addresses at these domains say nothing about the company: never matched or stored as an account's domain.
FREEMAIL = frozenset([
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com", "hotmail.co.uk",
    "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "mac.com", "proton.me",
    "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.ru", "yandex.com",
    "zoho.com", "fastmail.com", "hey.com", "qq.com", "163.com", "126.com", "naver.com", "orange.fr", "free.fr",
    "laposte.net", "t-online.de", "libero.it",
])


def company_domain(email_or_domain: str | None) -> str:
    """The company domain an address or website names, or "" for a free-mail address or nothing."""
    text = (email_or_domain or "").strip().lower()
    domain = accounts.normalize_domain(text.rpartition("@")[2] if "@" in text else text)
    return "" if domain in FREEMAIL else domain


def linked(connection: Connection, object_type: str, source_id: str, model):
    link = SourceLink.objects.filter(connection=connection, object_type=object_type, source_id=source_id).first()
    if link is None:
        return None, None
    return link, model.objects.filter(pk=link.record_id).first()


def find_account(*, id_field: str | None = None, source_id: str | None = None, domain: str = "") -> Account | None:
    """An existing account for a new source record: by the source's id on the account, then by domain."""
    if id_field and source_id:
        found = accounts.find_account(**{id_field: source_id})
        if found:
            return found
    domain = company_domain(domain)
    return accounts.find_account(domain=domain) if domain else None


def find_contact(email: str, account: Account | None = None) -> Contact | None:
    email = accounts.normalize_email(email)
    if not email:
        return None
    contacts = Contact.objects.filter(email=email)
    if account is not None:
        contacts = contacts.filter(account=account)
    return contacts.order_by("pk").first()
