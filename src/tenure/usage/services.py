"""Product usage: write keys, ingestion (identity, raw events, rollups) and the usage facts pages read."""

import datetime as dt
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, Contact
from tenure.usage import store
from tenure.usage.models import (
    Backfill,
    DailyAccountActivity,
    DailyFeatureUsage,
    DailyUserActivity,
    DailyUserFeature,
    Event,
    Feature,
    ProductUser,
    RejectedMessage,
    SeenMessage,
    WriteKey,
)
from tenure.usage.protocol import InvalidMessage, Message, parse_message
from tenure.usage.rollups import roll_up_all, rollups_run_inline

USAGE_TYPES = ("track", "page", "screen")


# ---- write keys ---------------------------------------------------------------------------------------------

def create_write_key(name: str, created_by=None) -> tuple[WriteKey, str]:
    """Create a write key and return it with its raw value, which is shown once and never stored."""
    if not name.strip():
        raise ValidationError({"name": "a write key needs a name"})
    return WriteKey.issue(name=name.strip(), created_by=created_by)


KEY_MEMORY_SECONDS = 10  # a revoked key is refused by every process within this long
_known_keys: dict[str, tuple[WriteKey, float]] = {}  # hash -> (active key, until): valid keys only, a few


def revoke_write_key(key: WriteKey) -> None:
    key.revoke()
    _known_keys.clear()


def authenticate_write_key(raw: str) -> WriteKey | None:
    """The active write key with this raw value, or None. A valid key is remembered for a few seconds: the event
    API is called many times a second with the same key, and a lookup was a query per request."""
    digest, now = WriteKey.hash(raw), time.monotonic()
    known = _known_keys.get(digest)
    if known is not None and known[1] > now:
        return known[0]
    key = WriteKey.find_active(raw)
    if key is not None:
        _known_keys[digest] = (key, now + KEY_MEMORY_SECONDS)
    return key


# ---- ingestion ----------------------------------------------------------------------------------------------

@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    unattributed: int = 0  # stored, but no account could be found for them yet
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "success": True,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "unattributed": self.unattributed,
            "rejected": [{"index": i, "message": reason} for i, reason in self.rejected],
        }


class _Identities:
    """The product users a request touches, resolved in message order.

    Usage messages need only each user's account id, read in one light query; full ProductUser rows are
    loaded only for the identify, group and alias messages that change them.
    """

    def __init__(self, messages: list[Message]):
        first_seen: dict[str, tuple[str, dt.datetime]] = {}
        for m in messages:
            for key in (m.user_key, m.previous_id):
                if key:
                    lower = key.lower()
                    seen = first_seen.get(lower)
                    if seen is None or m.timestamp < seen[1]:
                        first_seen[lower] = (key, m.timestamp)
        self.pks: dict[str, int] = {}
        self.account_ids: dict[str, int | None] = {}
        self.has_traits: set[str] = set()
        self.moved: dict[int, list[int]] = defaultdict(list)  # account id -> users grouped into it, saved in bulk
        for key, pk, account_id, has_traits in store.product_users(first_seen):
            self.pks[key] = pk
            self.account_ids[key] = account_id
            if has_traits:
                self.has_traits.add(key)
        # New users in one statement, not one round trip each; insert-or-ignore in key order, then read back: a
        # request bringing the same new users at the same moment waits for this one instead of failing, and the
        # fixed order leaves no two requests waiting on each other.
        new = sorted((lower, key, at) for lower, (key, at) in first_seen.items() if lower not in self.pks)
        if new:
            store.add_product_users([(key, at) for _, key, at in new])
            for key, pk, account_id, has_traits in store.product_users([lower for lower, _, _ in new]):
                self.pks[key] = pk
                self.account_ids[key] = account_id
                if has_traits:
                    self.has_traits.add(key)
        # Users whose rows identify, alias or group-with-traits messages change, and the contacts behind them:
        # two queries for the request rather than a few per message.
        changing = {m.user_key.lower() for m in messages if m.type in ("identify", "alias")}
        changing |= {m.previous_id.lower() for m in messages if m.previous_id}
        changing |= {m.user_key.lower() for m in messages if m.type == "group" and m.traits}
        changing |= {m.user_key.lower() for m in messages if m.type == "group"} & self.has_traits
        self.loaded: dict[str, ProductUser] = {}
        self.changed: dict[int, ProductUser] = {}  # loaded users whose rows change, written once at the end
        self.contacts: dict[str, Contact] = {}
        if changing:  # a batch of usage alone changes no one: no query
            self.loaded = {
                u._key: u for u in ProductUser.objects.annotate(_key=Lower("user_id")).filter(_key__in=list(changing))
                .select_related("account", "contact", "merged_into__account")
            }
            self.contacts = {
                c._key: c
                for c in Contact.objects.annotate(_key=Lower("product_user_id")).filter(_key__in=list(changing))
            }
        self.accounts = _accounts_for_groups(messages)

    def user(self, key: str) -> ProductUser:
        key = key.lower()
        if key not in self.loaded:
            self.save_moves()
            self.loaded[key] = ProductUser.objects.select_related("account", "contact").get(pk=self.pks[key])
        return self.loaded[key]

    def move(self, key: str, account: Account) -> None:
        """Put a user with no traits into an account: no contact to sync, so one UPDATE per account later."""
        if self.account_ids.get(key) != account.pk:
            self.account_ids[key] = account.pk
            self.moved[account.pk].append(self.pks[key])

    def save_moves(self) -> None:
        for account_id, pks in self.moved.items():
            ProductUser.objects.filter(pk__in=pks).update(account_id=account_id)
        self.moved.clear()

    def changes(self, *users: ProductUser) -> None:
        for user in users:
            self.changed[user.pk] = user

    def save_changes(self) -> None:
        """The changed users' rows, in one statement per few hundred: a user's group and identify calls in one
        request (the usual pair) change its row twice. Loaded users are read from ``loaded`` from then on, never
        from the database, so the write can wait for the end of the request."""
        store.update_product_users(list(self.changed.values()))
        self.changed.clear()

    def account_for_group(self, group_id: str) -> Account:
        return self.accounts[group_id.lower()]


_ACCOUNT_TRAITS = {"name": "name", "industry": "industry", "website": "domain", "domain": "domain"}


def _fields_from_traits(traits: dict) -> tuple[dict, dict]:
    """Group traits to account fields (the known ones) and custom attributes (the rest)."""
    fields, custom = {}, {}
    for key, value in traits.items():
        target = _ACCOUNT_TRAITS.get(key)
        if target and isinstance(value, str) and value.strip():
            fields[target] = value.strip()[:200] if target == "name" else value.strip()
        elif key not in _ACCOUNT_TRAITS and isinstance(value, (str, int, float, bool)):
            custom[key] = value
    if "domain" in fields:
        fields["domain"] = accounts.normalize_domain(fields["domain"])
        if not fields["domain"]:
            fields.pop("domain")
    return fields, custom


def _accounts_for_groups(messages: list[Message]) -> dict[str, Account]:
    """The accounts a request's messages name by group id (lower-cased), created or brought up to date with the
    group traits through the accounts room's bulk services: a fixed number of queries for the request."""
    wanted: dict[str, tuple[str, dict, dict]] = {}  # lower-cased group id -> (as first sent, fields, custom)
    for m in messages:
        for group_id, traits in ((m.group_id, m.traits if m.type == "group" else {}),
                                 (m.context.get("groupId"), {})):
            if not group_id:
                continue
            group_id = str(group_id)
            _, fields, custom = wanted.setdefault(group_id.lower(), (group_id, {}, {}))
            more_fields, more_custom = _fields_from_traits(traits or {})
            fields.update(more_fields)  # later messages win, as if applied one by one
            custom.update(more_custom)
    if not wanted:
        return {}
    found = accounts.find_accounts_by("product_group_id", wanted)
    # A domain another account has stays with that account (the first group of the request to claim it wins).
    domains = {f["domain"] for _, f, _ in wanted.values() if "domain" in f}
    taken = dict(Account.objects.filter(domain__in=domains).values_list("domain", "pk")) if domains else {}
    new, changes = [], []
    for key, (group_id, fields, custom) in wanted.items():
        account = found.get(key)
        domain = fields.get("domain")
        if domain and taken.setdefault(domain, account.pk if account else key) != (account.pk if account else key):
            fields.pop("domain")
        if account is None:
            new.append(Account(product_group_id=group_id, custom=custom, **{"name": group_id, **fields}))
        elif fields or custom:
            merged = {**(account.custom or {}), **custom}
            changes.append((account, {**fields, **({"custom": merged} if merged != account.custom else {})}))
    if new:
        found.update(_create_group_accounts(new))
    if changes:
        accounts.update_accounts(changes, source="api")
    return found


def _create_group_accounts(new: list[Account]) -> dict[str, Account]:
    """Create the accounts of new group ids, in group-id order. Another request creating the same group a moment
    earlier makes this insert wait, then fail on the unique group id: read what it created, create the rest."""
    new = sorted(new, key=lambda a: a.product_group_id.lower())
    try:
        with transaction.atomic():
            return {a.product_group_id.lower(): a for a in accounts.create_accounts(new)}
    except IntegrityError:
        taken = accounts.find_accounts_by("product_group_id", [a.product_group_id for a in new])
        rest = [a for a in new if a.product_group_id.lower() not in taken]
        for account in rest:
            account.pk = None
        with transaction.atomic():
            created = accounts.create_accounts(rest) if rest else []
        return {**taken, **{a.product_group_id.lower(): a for a in created}}


def _contact_fields_from_traits(traits: dict) -> dict:
    fields = {}
    name = traits.get("name") or " ".join(
        str(traits[k]) for k in ("firstName", "lastName") if isinstance(traits.get(k), str) and traits[k]
    )
    if isinstance(name, str) and name.strip():
        fields["name"] = name.strip()[:200]
    if isinstance(traits.get("email"), str) and "@" in traits["email"]:
        fields["email"] = accounts.normalize_email(traits["email"])
    if isinstance(traits.get("title"), str):
        fields["title"] = traits["title"].strip()[:200]
    return fields


def _sync_contact(user: ProductUser, account: Account, ids: _Identities) -> None:
    """Create or update the contact behind a product user once we know both the person and their account."""
    fields = _contact_fields_from_traits(user.traits)
    contact = user.contact or ids.contacts.get(user.user_id.lower())
    if contact is None and fields.get("email"):
        contact = Contact.objects.filter(email=fields["email"]).first()
    if contact is None:
        if not fields:
            return
        contact = accounts.create_contact(account=account, product_user_id=user.user_id, roles=["user"], **fields)
        ids.contacts[user.user_id.lower()] = contact
    else:
        if fields.get("email") and fields["email"] != contact.email and (
                Contact.objects.filter(email=fields["email"]).exclude(pk=contact.pk).exists()):
            fields.pop("email")  # another contact's; its own email is its own (emails are unique)
        changes = {k: v for k, v in fields.items() if getattr(contact, k) != v}
        if not contact.product_user_id:
            changes["product_user_id"] = user.user_id
        if changes:
            accounts.update_contact(contact, **changes)
    user.contact = contact


def _apply_identity(m: Message, ids: _Identities) -> int | None:
    """Apply one message's effect on identity; return the account id its usage belongs to, if any."""
    if m.type == "alias":
        old, new = ids.user(m.previous_id), ids.user(m.user_id)
        if old.pk != new.pk:
            old.merged_into = new
            new.account = new.account or old.account
            new.contact = new.contact or old.contact
            new.traits = {**old.traits, **new.traits}
            ids.changes(old, new)
            ids.account_ids[m.previous_id.lower()] = new.account_id
            ids.account_ids[m.user_id.lower()] = new.account_id
        return None
    key = m.user_key.lower()
    if m.type in USAGE_TYPES:
        if m.context.get("groupId"):
            return ids.account_for_group(str(m.context["groupId"])).pk
        return ids.account_ids.get(key)
    if m.type == "group" and key not in ids.loaded and key not in ids.has_traits:
        # The common case (a user joins or re-confirms their account): nothing to sync, no row loaded.
        account = ids.account_for_group(m.group_id)
        ids.move(key, account)
        return account.pk
    user = ids.user(key)
    if m.type == "group":
        account = ids.account_for_group(m.group_id)
        user.account = account
        ids.account_ids[key] = account.pk
    else:  # identify
        context_traits = m.context.get("traits") if isinstance(m.context.get("traits"), dict) else {}
        user.traits = {**user.traits, **context_traits, **m.traits}
        if user.traits:
            ids.has_traits.add(key)
        if m.context.get("groupId"):
            account = ids.account_for_group(str(m.context["groupId"]))
        else:
            account = user.account or (user.merged_into.account if user.merged_into_id else None)
    if m.user_id and account is not None:
        _sync_contact(user, account, ids)
    ids.changes(user)
    return account.pk if account else None


def ingest(raw_messages: list, *, write_key: WriteKey | None = None, received_at: dt.datetime | None = None,
           ) -> IngestResult:
    """Validate, store and roll up one request's messages in one transaction of its own (durable: when this
    returns, the request is committed).

    A message that fails validation is kept in RejectedMessage with its reason and reported back; the rest
    are stored. A message id already stored is a retry: it is counted as a duplicate and changes nothing.
    """
    received_at = received_at or timezone.now()
    result = IngestResult()
    parsed: list[Message] = []
    rejected: list[RejectedMessage] = []
    for index, raw in enumerate(raw_messages):
        try:
            parsed.append(parse_message(raw, received_at))
        except InvalidMessage as e:
            result.rejected.append((index, str(e)))
            rejected.append(RejectedMessage(
                received_at=received_at, write_key_id=getattr(write_key, "pk", None), index=index,
                reason=str(e)[:300], payload=json.dumps(raw, default=str)[:100_000],
            ))
    with transaction.atomic(durable=True):
        if rejected:
            RejectedMessage.objects.bulk_create(rejected)
        store_messages(parsed, write_key=write_key, result=result)
    if rollups_run_inline():
        roll_up_all()
    return result


def ingest_parsed(messages: list[Message], *, write_key: WriteKey | None = None) -> IngestResult:
    """Store messages already validated, in a transaction of their own (durable, like ingest)."""
    with transaction.atomic(durable=True):
        result = store_messages(messages, write_key=write_key)
    if rollups_run_inline():
        roll_up_all()
    return result


_ACCOUNT = store.EVENT_COLUMNS.index("account_id")


def store_messages(messages: list[Message], *, write_key: WriteKey | None = None,
                   result: IngestResult | None = None) -> IngestResult:
    """Store valid messages inside the caller's transaction: identity and raw events (once per message id), for the
    event API and the demo. Rollup passes count them after they commit (``roll_up_pending``). (The history
    backfill, ``tenure import events``, stores its chunks with ``stage_backfill`` and counts them all at once with
    ``complete_backfill``.)

    A message whose ``account_id`` is already set (its sender names the account directly) keeps it.
    """
    result = result or IngestResult()
    # A message id twice in one request is a retry too: keep the first.
    unique, seen_ids = [], set()
    for m in messages:
        if m.message_id in seen_ids:
            result.duplicates += 1
        else:
            seen_ids.add(m.message_id)
            unique.append(m)
    if all(m.type in USAGE_TYPES for m in unique):
        # Usage changes no one's identity, so a retry needs no check before: the insert skips ids it has.
        fresh = unique
    else:
        already = store.existing_message_ids(m.message_id for m in unique)
        fresh = [m for m in unique if m.message_id not in already]
        result.duplicates += len(unique) - len(fresh)
    ids = _Identities(fresh)
    key_id = getattr(write_key, "pk", None)
    rows = []
    for m in fresh:
        account_id = m.account_id if m.account_id is not None else _apply_identity(m, ids)
        rows.append((m.message_id, m.type, m.event, m.user_id, m.anonymous_id, account_id, m.timestamp,
                     m.original_timestamp, m.sent_at, m.received_at, key_id, m.payload_json or json.dumps(m.payload),
                     None))  # in store.EVENT_COLUMNS' order; no backfill
    ids.save_moves()
    ids.save_changes()
    inserted = store.insert_events(rows)
    result.accepted += len(inserted)
    result.duplicates += len(rows) - len(inserted)
    result.unattributed += sum(1 for m, row in zip(fresh, rows, strict=True)
                               if row[_ACCOUNT] is None and m.type in USAGE_TYPES and m.message_id in inserted)
    return result


def wipe_usage() -> None:
    """Delete all usage: raw events and the retry memory, the history imports that brought some, rollups, product
    users, the feature catalog (the demo's rebuild). The rollup cursor stays where it is: event ids only grow, so
    new events come after it."""
    for model in (DailyUserFeature, DailyUserActivity, DailyFeatureUsage, DailyAccountActivity, Event, SeenMessage,
                  Backfill, ProductUser, Feature):
        model.objects.all()._raw_delete(model.objects.db)  # no cascade to collect: nothing points at these


def describe_feature(feature, *, friendly_name: str, module: str, is_key: bool):
    """Name a feature for people, group it into a module, and mark whether it is a key feature."""
    feature.friendly_name = friendly_name.strip()[:200]
    feature.module = module.strip()[:100]
    feature.is_key = is_key
    feature.save(update_fields=["friendly_name", "module", "is_key"])
    return feature
