"""Product usage: write keys, ingestion (identity, raw events, rollups) and the usage facts pages read."""

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, Contact
from tenure.usage import store
from tenure.usage.models import Backfill, Event, ProductUser, RejectedMessage, WriteKey
from tenure.usage.protocol import InvalidMessage, Message, parse_message

USAGE_TYPES = ("track", "page", "screen")


# ---- write keys ---------------------------------------------------------------------------------------------

def create_write_key(name: str, created_by=None) -> tuple[WriteKey, str]:
    """Create a write key and return it with its raw value, which is shown once and never stored."""
    if not name.strip():
        raise ValidationError({"name": "a write key needs a name"})
    return WriteKey.issue(name=name.strip(), created_by=created_by)


def revoke_write_key(key: WriteKey) -> None:
    key.revoke()


def authenticate_write_key(raw: str) -> WriteKey | None:
    return WriteKey.find_active(raw)


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


def login_events() -> set[str]:
    return {e.strip().lower() for e in settings.TENURE_LOGIN_EVENTS if e.strip()}


def event_day(ts: dt.datetime, zone=None) -> dt.date:
    """The day an event counts for, in the configured time zone."""
    return ts.astimezone(zone or timezone.get_current_timezone()).date()


class _Identities:
    """The product users a request touches, resolved in message order.

    Usage messages need only each user's account id, read in one light query; full ProductUser rows are
    loaded only for the identify, group and alias messages that change them.
    """

    def __init__(self, messages: list[Message]):
        first_seen: dict[str, tuple[str, dt.datetime]] = {}
        for m in messages:
            for key in (m.user_key, m.previous_id):
                if key and (key.lower() not in first_seen or m.timestamp < first_seen[key.lower()][1]):
                    first_seen[key.lower()] = (key, m.timestamp)
        self.pks: dict[str, int] = {}
        self.account_ids: dict[str, int | None] = {}
        self.has_traits: set[str] = set()
        self.moved: dict[int, list[int]] = defaultdict(list)  # account id -> users grouped into it, saved in bulk
        rows = (
            ProductUser.objects.annotate(_key=Lower("user_id")).filter(_key__in=list(first_seen))
            .values_list("_key", "pk", "account_id", "merged_into__account_id", "traits")
        )
        for key, pk, account_id, merged_account_id, traits in rows:
            self.pks[key] = pk
            self.account_ids[key] = account_id or merged_account_id
            if traits:
                self.has_traits.add(key)
        # New users in one statement, not one round trip each; insert-or-ignore in key order, then read back: a
        # request bringing the same new users at the same moment waits for this one instead of failing, and the
        # fixed order leaves no two requests waiting on each other.
        new = sorted((lower, key, at) for lower, (key, at) in first_seen.items() if lower not in self.pks)
        if new:
            ProductUser.objects.bulk_create([ProductUser(user_id=key, first_seen=at) for _, key, at in new],
                                            ignore_conflicts=True)
            for key, pk, account_id, merged_account_id, traits in (
                ProductUser.objects.annotate(_key=Lower("user_id")).filter(_key__in=[lower for lower, _, _ in new])
                .values_list("_key", "pk", "account_id", "merged_into__account_id", "traits")
            ):
                self.pks[key] = pk
                self.account_ids[key] = account_id or merged_account_id
                if traits:
                    self.has_traits.add(key)
        # Users whose rows identify, alias or group-with-traits messages change, and the contacts behind them:
        # two queries for the request rather than a few per message.
        changing = {m.user_key.lower() for m in messages if m.type in ("identify", "alias")}
        changing |= {m.previous_id.lower() for m in messages if m.previous_id}
        changing |= {m.user_key.lower() for m in messages if m.type == "group" and m.traits}
        changing |= {m.user_key.lower() for m in messages if m.type == "group"} & self.has_traits
        self.loaded: dict[str, ProductUser] = {
            u._key: u for u in ProductUser.objects.annotate(_key=Lower("user_id")).filter(_key__in=list(changing))
            .select_related("account", "contact", "merged_into__account")
        }
        self.contacts: dict[str, Contact] = {
            c._key: c for c in Contact.objects.annotate(_key=Lower("product_user_id")).filter(_key__in=list(changing))
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
        if fields.get("email") and Contact.objects.filter(email=fields["email"]).exclude(pk=contact.pk).exists():
            fields.pop("email")
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
            old.save()
            new.save()
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
    user.save()
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
        RejectedMessage.objects.bulk_create(rejected)
        store_messages(parsed, write_key=write_key, result=result)
    return result


def ingest_parsed(messages: list[Message], *, write_key: WriteKey | None = None) -> IngestResult:
    """Store messages already validated, in a transaction of their own (durable, like ingest)."""
    with transaction.atomic(durable=True):
        return store_messages(messages, write_key=write_key)


def store_messages(messages: list[Message], *, write_key: WriteKey | None = None,
                   result: IngestResult | None = None) -> IngestResult:
    """Store valid messages inside the caller's transaction: identity, raw events (once per message id), rollups
    and the feature catalog: the event API and the demo. (The history backfill, ``tenure import events``,
    stores its chunks with ``stage_backfill`` and rolls them up here too, with ``complete_backfill``.)

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
    already = store.existing_message_ids(m.message_id for m in unique)
    fresh = [m for m in unique if m.message_id not in already]
    result.duplicates += len(unique) - len(fresh)
    ids = _Identities(fresh)
    rows = []
    for m in fresh:
        account_id = m.account_id if m.account_id is not None else _apply_identity(m, ids)
        rows.append({
            "message_id": m.message_id, "type": m.type, "event": m.event, "user_id": m.user_id,
            "anonymous_id": m.anonymous_id, "account_id": account_id, "timestamp": m.timestamp,
            "original_timestamp": m.original_timestamp, "sent_at": m.sent_at, "received_at": m.received_at,
            "write_key_id": getattr(write_key, "pk", None), "payload": m.payload,
        })
    ids.save_moves()
    inserted = store.insert_events(rows)
    result.accepted += len(inserted)
    result.duplicates += len(rows) - len(inserted)
    result.unattributed += _roll_up(
        (m.type, row["account_id"], m.timestamp, m.event, m.user_key)
        for m, row in zip(fresh, rows, strict=True) if m.message_id in inserted
    )
    return result


def _roll_up(stored) -> int:
    """Fold newly stored events, as (type, account_id, timestamp, event, user_key), into the rollups and the
    feature catalog; return how many usage events had no account (stored, but counted for no one yet)."""
    logins = login_events()
    zone = timezone.get_current_timezone()
    usage, features, unattributed = [], {}, 0
    for kind, account_id, timestamp, event, user_key in stored:
        if kind not in USAGE_TYPES:
            continue
        first, last = features.get(event, (timestamp, timestamp))
        features[event] = (min(first, timestamp), max(last, timestamp))
        if account_id is None:
            unattributed += 1
            continue
        day = event_day(timestamp, zone)
        usage.append((account_id, day, event, user_key, event.lower() in logins))
    store.add_to_rollups(usage)
    store.touch_features(features)
    return unattributed


# ---- history backfill: events imported in chunks, counted when the whole import is in -----------------------

BACKFILL_READ_ROWS = 50_000  # events read back per step when a backfill completes
BACKFILL_DELETE_ROWS = 50_000  # events deleted per transaction when a backfill is given up


def begin_backfill(source: str) -> Backfill:
    """The unfinished backfill of this source (a digest of the file and its options) to resume, or a new one."""
    with transaction.atomic():
        found = Backfill.objects.filter(source=source, status=Backfill.Status.RUNNING).order_by("-pk").first()
        if found is not None:
            return found
        # Every event stored from now on has a larger id (ids only grow), so the backfill's are found by range.
        after = Event.objects.aggregate(last=Max("id"))["last"] or 0
        return Backfill.objects.create(source=source, after_event_id=after)


def stage_backfill(backfill: Backfill, messages: list[Message], *, lines_done: int, unchanged: int = 0) -> int:
    """Store one chunk of a backfill's events (each message names its account) in a transaction of its own,
    not counted anywhere until ``complete_backfill``; record the progress with them so a retry resumes after
    ``lines_done``. ``unchanged`` counts rows of the chunk known to be duplicates already. Return how many
    events were new: a message id already stored (by an earlier import or the event API) is not stored again.
    """
    with transaction.atomic(durable=True):
        new = store.append_events(messages, backfill.pk)
        backfill.created += new
        backfill.unchanged += len(messages) - new + unchanged
        backfill.lines_done = lines_done
        backfill.save(update_fields=["created", "unchanged", "lines_done"])
    return new


def complete_backfill(backfill: Backfill) -> Backfill:
    """Count a backfill's events, all at once, in one transaction: their product users, rollups and features.
    Only the rollups are written here (the events are in already), so the transaction is the rollups' size."""
    with transaction.atomic(durable=True):
        backfill = Backfill.objects.select_for_update().get(pk=backfill.pk)
        if backfill.status == Backfill.Status.COMPLETE:
            return backfill
        after = backfill.after_event_id
        while events := store.backfill_events(backfill.pk, after, BACKFILL_READ_ROWS):
            after = events[-1][0]
            _add_product_users(events)
            _roll_up((kind, account_id, ts, event, user_id or f"anon:{anonymous_id}")
                     for _, kind, account_id, ts, event, user_id, anonymous_id in events)
        backfill.status = Backfill.Status.COMPLETE
        backfill.finished_at = timezone.now()
        backfill.save(update_fields=["status", "finished_at"])
    return backfill


def discard_backfill(backfill: Backfill) -> None:
    """Give up an unfinished backfill: delete its events, a short transaction at a time, then the record. Its
    events were never counted, so nothing else changes."""
    if backfill.status == Backfill.Status.COMPLETE:
        raise ValueError(f"{backfill} is complete: its events are counted and stay")
    while True:
        with transaction.atomic(durable=True):
            deleted = store.delete_backfill_events(backfill.pk, backfill.after_event_id, BACKFILL_DELETE_ROWS)
        if deleted < BACKFILL_DELETE_ROWS:
            break
    backfill.delete()


def _add_product_users(events: list[tuple]) -> None:
    """Product users for the user ids of backfilled events that have none yet (first seen at their first
    event here); the backfill names accounts directly, so it changes no existing user."""
    first_seen: dict[str, tuple[str, dt.datetime]] = {}
    for _, _, _, ts, _, user_id, _ in events:
        if user_id:
            key = user_id.lower()
            if key not in first_seen or ts < first_seen[key][1]:
                first_seen[key] = (user_id, ts)
    keys = list(first_seen)
    known: set[str] = set()
    for start in range(0, len(keys), 900):
        known.update(ProductUser.objects.annotate(_key=Lower("user_id"))
                     .filter(_key__in=keys[start : start + 900]).values_list("_key", flat=True))
    ProductUser.objects.bulk_create([ProductUser(user_id=user_id, first_seen=at)
                                     for key, (user_id, at) in sorted(first_seen.items()) if key not in known],
                                    ignore_conflicts=True)


def describe_feature(feature, *, friendly_name: str, module: str, is_key: bool):
    """Name a feature for people, group it into a module, and mark whether it is a key feature."""
    feature.friendly_name = friendly_name.strip()[:200]
    feature.module = module.strip()[:100]
    feature.is_key = is_key
    feature.save(update_fields=["friendly_name", "module", "is_key"])
    return feature
