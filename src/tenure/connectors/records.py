"""Accounts and contacts from any source, a page at a time in a fixed number of queries: matched once (link, the
source's id on the account, domain, or name where a source has nothing better), then followed by their links;
each field merged under its rule (connectors.sync.merge), so what a person decided in Tenure stays."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, Contact
from tenure.connectors import matching
from tenure.connectors.sync import Source, Tally, fingerprint, links, merge, save_links


@dataclass
class Item:
    """One source record to store: its id, the Tenure values it means, the raw record (its fingerprint tells an
    unchanged record), and its version (the source's modification time, seconds)."""

    source_id: str
    values: dict
    raw: object = None
    version: int = 0
    account: Account | None = None  # contacts: the account they belong to, when the source says
    extra: dict = field(default_factory=dict)


def _key(item: Item) -> str:
    return str(item.extra.get("key") or item.source_id) if "key" not in item.extra or item.extra["key"] else ""


def _name(item: Item) -> str:
    """The name a record is matched by (a source whose names must not rename accounts gives it in ``extra``)."""
    return (item.extra.get("name") or item.values.get("name") or "").strip()


def _current(record, name: str):
    return getattr(record, record._meta.get_field(name).attname)


def store_accounts(source: Source, tally: Tally, object_type: str, items: list[Item], *, id_field: str | None = None,
                   by_name: bool = False, create: bool = True) -> dict[str, Account]:
    """The accounts of a page of source records (their ids → accounts); new ones created when ``create``.
    ``values`` may hold ``owner`` as a user id. A record that matches nothing and may not create is left out."""
    known = links(source.connection, object_type, [i.source_id for i in items])
    stored = Account.objects.in_bulk([lk.record_id for lk in known.values()])
    fresh = [i for i in items if not known.get(i.source_id) or known[i.source_id].record_id not in stored]
    # the id an account holds for this source: the record's own id, or a key it carries (``extra["key"]``)
    by_id = accounts.find_accounts_by(id_field, [_key(i) for i in fresh if _key(i)]) if id_field else {}
    by_domain = accounts.find_accounts_by("domain", [i.values.get("domain") for i in fresh if i.values.get("domain")])
    names = {_name(i) for i in fresh if by_name} - {""}
    by_names = {}
    if names:
        for account in Account.objects.filter(name__in=names):
            by_names.setdefault(account.name.lower(), account)
    result, new, updates, written = {}, {}, [], []
    for item in items:
        lk = known.get(item.source_id)
        account = stored.get(lk.record_id) if lk else None
        if account is not None and lk.fingerprint and lk.fingerprint == fingerprint(item.raw):
            tally.add(object_type, "unchanged")
            result[item.source_id] = account
            continue
        domain = item.values.get("domain") or ""
        account = account or by_id.get(_key(item).lower()) or (by_domain.get(domain) if domain else None) \
            or (by_names.get(_name(item).lower()) if by_name else None) \
            or new.get(domain or item.source_id)
        if account is None:
            if not create:
                tally.note(f"{object_type} {item.source_id} ({_name(item) or '?'}): no Tenure account "
                           "matches it by id, domain or name")
                continue
            values = {k: v for k, v in item.values.items() if k != "owner"}
            account = new[domain or item.source_id] = Account(owner_id=item.values.get("owner"), **values)
            tally.add(object_type, "created")
        elif account.pk is None:
            tally.add(object_type, "unchanged")  # another record of a company new on this page
        else:
            changes = merge(source, object_type, item.source_id, account, account.name, item.values,
                            lk.written if lk else {}, current=_current)
            if changes:
                updates.append((account, changes))
            tally.add(object_type, "updated" if changes else "unchanged")
        result[item.source_id] = account
        written.append((item, account))
    accounts.create_accounts(list(new.values()))
    accounts.update_accounts(updates, source=source.kind)
    save_links(source.connection, object_type,
               [(i.source_id, a.pk, i.values, i.raw, i.version) for i, a in written])
    return result


def store_contacts(source: Source, tally: Tally, object_type: str, items: list[Item]) -> dict[str, Contact]:
    """The contacts of a page of source people (ids → contacts): by link, then by email on their account (or
    anywhere, when the source does not say which account); created on their account when new. ``values``: name,
    email, title and is_* role flags. A person with no account to go to is left out, in words."""
    known = links(source.connection, object_type, [i.source_id for i in items])
    stored = Contact.objects.in_bulk([lk.record_id for lk in known.values()])
    emails = {accounts.normalize_email(i.values.get("email")) for i in items} - {""}
    by_email: dict[tuple, Contact] = {}
    for contact in Contact.objects.filter(email__in=emails).order_by("pk"):
        by_email.setdefault((contact.account_id, contact.email), contact)
        by_email.setdefault((None, contact.email), contact)
    result, new, updates, written = {}, {}, [], []
    for item in items:
        lk = known.get(item.source_id)
        contact = stored.get(lk.record_id) if lk else None
        if contact is not None and lk.fingerprint and lk.fingerprint == fingerprint(item.raw):
            tally.add(object_type, "unchanged")
            result[item.source_id] = contact
            continue
        email = accounts.normalize_email(item.values.get("email"))
        account_id = item.account.pk if item.account else None
        contact = contact or (by_email.get((account_id, email)) if email else None) or (
            by_email.get((None, email)) if email and account_id is None else None) or new.get((account_id, email))
        if contact is None:
            if item.account is None:
                tally.note(f"{object_type} {item.source_id} ({email or 'no email'}): no account to add them to")
                continue
            contact = new[(account_id, email or item.source_id)] = Contact(account=item.account, **item.values)
            tally.add(object_type, "created")
        elif contact.pk is None:
            tally.add(object_type, "unchanged")
        else:
            changes = merge(source, object_type, item.source_id, contact, str(contact), item.values,
                            lk.written if lk else {}, current=_current)
            if changes:
                updates.append((contact, changes))
            tally.add(object_type, "updated" if changes else "unchanged")
        result[item.source_id] = contact
        written.append((item, contact))
    accounts.create_contacts(list(new.values()))
    accounts.update_contacts(updates)
    save_links(source.connection, object_type,
               [(i.source_id, c.pk, i.values, i.raw, i.version) for i, c in written])
    return result


def linked_records(source: Source, object_type: str, model, source_ids) -> dict:
    """Tenure records of source ids already stored (ids → records), in two queries."""
    known = links(source.connection, object_type, {s for s in source_ids if s})
    found = model.objects.in_bulk([lk.record_id for lk in known.values()])
    return {sid: found[lk.record_id] for sid, lk in known.items() if lk.record_id in found}


def company_domain(value) -> str:
    return matching.company_domain(value)


def store_tickets(source: Source, tally: Tally, object_type: str, rows: list[tuple[str, dict, object, int]]) -> None:
    """Tickets from a helpdesk: rows of (source id, ticket fields with ``account`` and ``contact`` as ids, the raw
    record, its version); created or updated through the support room in bulk."""
    from tenure.support import services as support
    from tenure.support.models import Ticket

    stored = linked_records(source, object_type, Ticket, {r[0] for r in rows})
    new, changes, written = [], [], []
    for source_id, fields, raw, version in rows:
        record = stored.get(source_id)
        if record is None:
            record = Ticket(**{f"{k}_id" if k in ("account", "contact") else k: v for k, v in fields.items()})
            new.append(record)
            tally.add(object_type, "created")
        else:
            changes.append((record, fields))
        written.append((source_id, record, raw, version))
    support.create_tickets(new)
    changed = {id(t) for t in support.update_tickets(changes)}
    for record, _ in changes:
        tally.add(object_type, "updated" if id(record) in changed else "unchanged")
    save_links(source.connection, object_type, [(s, r.pk, {}, raw, v) for s, r, raw, v in written])
