"""What the importers share: case-insensitive lookups, and the account a row belongs to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models.functions import Lower

from tenure.accounts import services as accounts
from tenure.accounts.models import EXTERNAL_ID_FIELDS, Account
from tenure.integrations.csv_import import (
    Field,
    Importer,
    Row,
)

ONE_DAY, ZERO_DAYS = dt.timedelta(days=1), dt.timedelta(0)


def _by_lower(model, field: str, values: set[str]) -> dict[str, Any]:
    """Records whose ``field`` matches one of ``values`` ignoring case, keyed by the lower-cased value: one query
    that uses the ``Lower(field)`` unique index."""
    if not values:
        return {}
    keys = {v.lower() for v in values}
    return {obj._key: obj for obj in model.objects.annotate(_key=Lower(field)).filter(_key__in=keys)}


def _by_stored_lower(model, field: str, values: set[str]) -> dict[str, Any]:
    """Records by a value stored in lower case (domain, email), keyed by it: one query.

    The ``<> ''`` term lets SQLite and PostgreSQL use the partial unique index (``WHERE NOT field = ''``); with
    ``IN`` alone both scan the table, which made each chunk slower as the table grew.
    """
    if not values:
        return {}
    qs = model.objects.filter(**{f"{field}__in": {v.lower() for v in values}}).exclude(**{field: ""})
    return {getattr(obj, field): obj for obj in qs}


def find_accounts(key: str, values: set[str]) -> dict[str, Account]:
    """Accounts keyed by the lower-cased value of an external id or the domain (like accounts.services'
    find_accounts_by, but able to use the domain index)."""
    if key == "domain":
        return _by_stored_lower(Account, "domain", values)
    return _by_lower(Account, key, values)


# -- the account a contact, subscription or ticket belongs to -------------------------------------------------

ACCOUNT_REFS = {f"account_{key}": key for key in (*EXTERNAL_ID_FIELDS, "domain")}
ACCOUNT_REF_FIELDS = (
    Field("account_crm_id", "the account's crm_id", accounts.clean_external_id),
    Field("account_billing_id", "the account's billing_id", accounts.clean_external_id),
    Field("account_product_group_id", "the account's product_group_id", accounts.clean_external_id),
    Field("account_domain", "the account's domain", accounts.normalize_domain),
)


class BelongsToAccount(Importer):
    """For records that name their account by one of the ``account_…`` columns."""

    def load_accounts(self, rows: list[Row]) -> None:
        self.accounts = {
            ref: find_accounts(key, self.values_of(rows, ref))
            for ref, key in ACCOUNT_REFS.items()
            if ref in self.layout.fields
        }

    def account_id(self, row: Row, obj) -> int | None:
        """The account the row names; the record's own for an existing record that names none."""
        column = self.layout.column
        found, found_ref = None, None
        for ref, key in ACCOUNT_REFS.items():
            value = row.values.get(ref)
            if not value:
                continue
            account = self.accounts[ref].get(value.lower())
            if account is None:
                row.error(column(ref), f"no account has the {key} {value!r}")
                return None
            if found is not None and account.pk != found.pk:
                row.error(
                    column(ref),
                    f"{value!r} is the account '{account}', but {column(found_ref)} names the account '{found}'",
                )
                return None
            found, found_ref = account, ref
        if found is not None:
            return found.pk
        if obj.pk is None:
            present = [ref for ref in ACCOUNT_REFS if ref in self.layout.fields]
            row.error(
                column(present[0]) if present else "",
                f"a new {self.noun} needs its account: give account_crm_id, account_billing_id, "
                f"account_product_group_id or account_domain",
            )
        return obj.account_id
