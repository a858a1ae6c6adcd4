"""Accounts and contacts from CSV."""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tenure.accounts import services as accounts
from tenure.accounts.models import EXTERNAL_ID_FIELDS, Account, CommunityRole, Contact, RelationshipRole
from tenure.integrations.csv_import import (
    SOURCE,
    Field,
    Importer,
    Row,
    register,
)
from tenure.integrations.importers.common import (
    ACCOUNT_REF_FIELDS,
    BelongsToAccount,
    _by_lower,
    _by_stored_lower,
    find_accounts,
)
from tenure.users.models import User

# -- accounts ---------------------------------------------------------------------------------------------


@register
class AccountImporter(Importer):
    kind = "accounts"
    noun = "account"
    model = Account
    description = "customer companies, matched by crm_id, billing_id, product_group_id, then domain"
    fields = (
        Field("crm_id", "key: the CRM's account id", accounts.clean_external_id),
        Field("billing_id", "key: the billing system's customer id", accounts.clean_external_id),
        Field("product_group_id", "key: the groupId the product sends in events", accounts.clean_external_id),
        Field("domain", "key: web domain (https://www.acme.com/ is stored as acme.com)", accounts.normalize_domain),
        Field("name", "company name (required for a new account)"),
        Field("industry", "industry"),
        Field("segment", "segment or tier"),
        Field("stage", "lifecycle stage: onboarding, adopting, mature, renewing or churned"),
        Field("owner", "the owner CSM's username or email"),
    )
    key_fields = ("crm_id", "billing_id", "product_group_id", "domain")
    fixed_keys = EXTERNAL_ID_FIELDS
    required_columns = (key_fields,)
    required_to_create = ("name",)
    keeps_custom = True

    def prepare(self) -> None:
        self.users_by_name: dict[str, User] = {}
        self.users_by_email: dict[str, list[User]] = defaultdict(list)
        if "owner" in self.layout.fields:  # users are few: one query for the whole file
            for user in User.objects.only("id", "username", "email", "is_active", "first_name", "last_name"):
                self.users_by_name[user.username.lower()] = user
                if user.email:
                    self.users_by_email[user.email.lower()].append(user)

    def parse_owner(self, text: str) -> User:
        key = text.lower()
        user = self.users_by_name.get(key)
        if user is None:
            matches = self.users_by_email.get(key, [])
            if len(matches) > 1:
                raise ValueError(f"{text!r} is the email of {len(matches)} users; give the username")
            user = matches[0] if matches else None
        if user is None:
            raise ValueError(f"no user has the username or email {text!r}")
        if not user.is_active:
            raise ValueError(f"{user.username} is not an active user")
        return user

    def load(self, rows: list[Row]) -> None:
        self.found = {
            key: find_accounts(key, self.values_of(rows, key))
            for key in self.key_fields
            if key in self.layout.fields
        }

    def build(self, row: Row) -> None:
        matched = self.match(row, self.found)
        if row.errors:
            return
        # Changes are made on a copy: the accounts service compares them with the stored account.
        account = copy.copy(matched) if matched else Account()
        row.extra["stored"] = matched
        new: dict[str, Any] = {}
        self.set_keys(row, account, new)
        for name in ("name", "industry", "segment", "stage"):
            if name in self.layout.fields:
                new[name] = row.values[name]
        if "owner" in self.layout.fields:
            owner = row.values["owner"]
            new["owner"] = owner.pk if owner else None
        if row.custom:
            custom = dict(account.custom or {})
            for key, value in row.custom.items():
                if value:
                    custom[key] = value
                else:
                    custom.pop(key, None)
            new["custom"] = custom
        if not row.errors:
            self.apply(row, account, new)

    def write(self, created: list[Row], updated: list[Row]) -> None:
        # Through the accounts room: a new owner clears assigned_by_rule and is written on the timeline.
        accounts.create_accounts([r.obj for r in created], clean=False)
        accounts.update_accounts([(r.extra["stored"], self.changes(r)) for r in updated], source=SOURCE,
                                 clean=False)


# -- contacts ---------------------------------------------------------------------------------------------


@register
class ContactImporter(BelongsToAccount):
    kind = "contacts"
    noun = "contact"
    model = Contact
    description = "people at customers, matched by email, then product_user_id"
    fields = (
        Field("email", "key: email address"),
        Field("product_user_id", "key: the userId the product sends in events", accounts.clean_external_id),
        *ACCOUNT_REF_FIELDS,
        Field("name", "full name"),
        Field("title", "job title"),
        Field("roles", "relationship roles separated by ';': " + ", ".join(RelationshipRole.values)),
        Field("community_roles", "community roles separated by ';': " + ", ".join(CommunityRole.values)),
        Field("left_on", "the date the person left the customer (YYYY-MM-DD)"),
    )
    key_fields = ("email", "product_user_id")
    fixed_keys = ("product_user_id",)
    required_columns = (key_fields,)

    def parse_email(self, text: str) -> str:
        email = accounts.normalize_email(text)
        try:
            validate_email(email)
        except ValidationError:
            raise ValueError(f"{text!r} is not an email address") from None
        return email

    def parse_roles(self, text: str) -> list[str]:
        roles = accounts.parse_roles(text)
        community = [r for r in roles if r in CommunityRole.values]
        if community:
            raise ValueError(f"{', '.join(community)}: a community role; put it in the community_roles column")
        return roles

    def parse_community_roles(self, text: str) -> list[str]:
        roles = accounts.parse_roles(text)
        other = [r for r in roles if r not in CommunityRole.values]
        if other:
            raise ValueError(
                f"{', '.join(other)}: not a community role ({', '.join(CommunityRole.values)}); "
                f"relationship roles go in the roles column"
            )
        return roles

    def load(self, rows: list[Row]) -> None:
        self.found = {
            "email": _by_stored_lower(Contact, "email", self.values_of(rows, "email")),
            "product_user_id": _by_lower(Contact, "product_user_id", self.values_of(rows, "product_user_id")),
        }
        self.load_accounts(rows)

    def build(self, row: Row) -> None:
        matched = self.match(row, self.found)
        if row.errors:
            return
        contact = copy.copy(matched) if matched else Contact()
        row.extra["stored"] = matched
        new: dict[str, Any] = {}
        self.set_keys(row, contact, new)
        new["account"] = self.account_id(row, contact)
        for name in ("name", "title", "left_on"):
            if name in self.layout.fields:
                new[name] = row.values[name]
        for column, choices in (("roles", RelationshipRole.values), ("community_roles", CommunityRole.values)):
            if column in self.layout.fields:
                chosen = row.values[column] or []
                new.update({f"is_{r}": r in chosen for r in choices})
        if not row.errors:
            self.apply(row, contact, new)

    def write(self, created: list[Row], updated: list[Row]) -> None:
        accounts.create_contacts([r.obj for r in created], clean=False)
        accounts.update_contacts([(r.extra["stored"], self.changes(r)) for r in updated], clean=False)
