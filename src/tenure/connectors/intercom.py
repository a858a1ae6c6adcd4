"""Intercom (helpdesk and messaging): companies matched to accounts (by the vendor's own company id, which is the
product's group id, then website, then name; never created), users and leads as contacts, conversations as
tickets with state, priority and the customer's rating. Contacts and conversations are searched by ``updated_at``
(the cursor), companies listed with the scroll API; webhooks (X-Hub-Signature, HMAC-SHA1 of the body with the
app's client secret) bring a conversation or contact at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import json
import re
from collections.abc import Iterator

from tenure.accounts import services as accounts
from tenure.accounts.models import Account, Contact
from tenure.connectors.http import JsonApi
from tenure.connectors.records import (
    Item,
    company_domain,
    linked_records,
    store_accounts,
    store_contacts,
    store_tickets,
)
from tenure.connectors.sync import (
    Page,
    Source,
    SourceError,
    Tally,
    WebhookRefused,
    all_or_nothing,
    each_or_page,
    register,
)
from tenure.support.models import TicketPriority, TicketStatus

PAGE = 150
STATUS = {"open": TicketStatus.OPEN, "snoozed": TicketStatus.PENDING, "closed": TicketStatus.CLOSED}
_TAGS = re.compile(r"<[^>]+>")


def text_of(markup: str | None) -> str:
    """Intercom's message bodies are HTML: the words, for the competition detector and the page."""
    text = html.unescape(_TAGS.sub(" ", (markup or "").replace("</p>", "\n")))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _moment(seconds) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC) if seconds else None


@register
class Intercom(Source):
    kind = "intercom"
    label = "Intercom"
    object_types = ("companies", "contacts", "conversations")
    credential_fields = (("access_token", "Access token"), ("client_secret", "App client secret (webhooks)"))
    required = ("access_token",)
    default_rules = {"contacts.name": "tenure", "companies.domain": "tenure"}

    @property
    def api(self) -> JsonApi:
        token = self.credentials.get("access_token")
        if not token:
            raise SourceError("no access token: enter it on the connection's page")
        return JsonApi("Intercom", self.options.get("api_base") or "https://api.intercom.io",
                       headers={"Authorization": f"Bearer {token}", "Intercom-Version": "2.11"},
                       pause=self.options.get("retry_pause", 1.0))

    def check(self) -> str:
        me = self.api.get("/me")
        return f"Connected to Intercom as {me.get('email') or me.get('name') or 'the app'}"

    # -- reading ----------------------------------------------------------------------------------------------
    def pages(self, object_type: str, cursor: dict) -> Iterator[Page]:
        if object_type == "companies":  # few, listed whole each time; unchanged ones cost a fingerprint
            scroll = None
            while True:
                page = self.api.get("/companies/scroll", **({"scroll_param": scroll} if scroll else {}))
                records = list(page.get("data") or [])
                yield Page(records, {})
                scroll = page.get("scroll_param")
                if not records or not scroll:
                    return
        since, after = int(cursor.get("since", 0)), cursor.get("after")
        key = "data" if object_type == "contacts" else "conversations"
        while True:
            body = {"query": {"field": "updated_at", "operator": ">", "value": since},
                    "sort": {"field": "updated_at", "order": "ascending"},
                    "pagination": {"per_page": PAGE, **({"starting_after": after} if after else {})}}
            page = self.api.post(f"/{object_type}/search", body)
            records = list(page.get(key) or [])
            newest = max([since, *(int(r.get("updated_at") or 0) for r in records)])
            after = ((page.get("pages") or {}).get("next") or {}).get("starting_after")
            if not after:
                # equal times may straddle the end: the next sync starts a second before (unchanged again)
                yield Page(records, {"since": max(newest - 1, 0)})
                return
            yield Page(records, {"since": since, "after": after})

    # -- storing ----------------------------------------------------------------------------------------------
    def store(self, tally: Tally, object_type: str, records: list) -> None:
        each_or_page(tally, object_type, records, lambda rows, t: getattr(self, f"_store_{object_type}")(t, rows))

    def _store_companies(self, tally: Tally, records: list) -> None:
        items = []
        for company in records:
            domain = company_domain((company.get("website") or "").split("//")[-1].split("/")[0])
            items.append(Item(str(company["id"]), {"domain": domain} if domain else {}, company,
                              int(company.get("updated_at") or 0),
                              extra={"key": str(company.get("company_id") or ""), "name": company.get("name") or ""}))
        store_accounts(self, tally, "companies", items, id_field="product_group_id", by_name=True, create=False)

    def _store_contacts(self, tally: Tally, records: list) -> None:
        def first_company(contact):
            data = ((contact.get("companies") or {}).get("data")) or []
            return str(data[0]["id"]) if data else ""

        companies = linked_records(self, "companies", Account, {first_company(c) for c in records})
        by_domain = accounts.find_accounts_by("domain", {company_domain(c.get("email")) for c in records} - {""})
        items = [Item(str(c["id"]), {"email": c.get("email") or "", "name": (c.get("name") or "")[:200]},
                      c, int(c.get("updated_at") or 0),
                      account=companies.get(first_company(c)) or by_domain.get(company_domain(c.get("email"))))
                 for c in records]
        store_contacts(self, tally, "contacts", items)

    def _store_conversations(self, tally: Tally, records: list) -> None:
        people = linked_records(self, "contacts", Contact, {
            str(c["id"]) for r in records for c in ((r.get("contacts") or {}).get("contacts") or [])[:1]})
        rows = []
        for conversation in records:
            first = ((conversation.get("contacts") or {}).get("contacts") or [{}])[0]
            contact = people.get(str(first.get("id") or ""))
            if contact is None:
                tally.note(f"conversations {conversation['id']}: its contact is not matched to an account")
                continue
            source = conversation.get("source") or {}
            body = text_of(source.get("body"))
            status = STATUS.get(conversation.get("state") or "", TicketStatus.OPEN)
            fields = {
                "account": contact.account_id, "contact": contact.pk,
                "external_id": f"intercom:{conversation['id']}",
                "subject": (conversation.get("title") or source.get("subject") or body[:80] or "(no subject)")[:300],
                "body": body, "status": status, "opened_at": _moment(conversation.get("created_at")),
                "priority": TicketPriority.HIGH if conversation.get("priority") == "priority" else
                TicketPriority.NORMAL,
                "csat": (conversation.get("conversation_rating") or {}).get("rating") or None,
                "category": ", ".join(t.get("name", "") for t in (conversation.get("tags") or {}).get("tags") or [])
                [:100],
            }
            if status == TicketStatus.CLOSED:
                fields["resolved_at"] = _moment(conversation.get("updated_at"))
            rows.append((str(conversation["id"]), fields, conversation, int(conversation.get("updated_at") or 0)))
        store_tickets(self, tally, "conversations", rows)

    # -- webhooks ---------------------------------------------------------------------------------------------
    def verify(self, body: bytes, headers, url: str = "", method: str = "POST") -> list[dict]:
        secret = self.credentials.get("client_secret")
        if not secret:
            raise WebhookRefused("this connection has no client secret to check Intercom's signatures with")
        expected = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
        if not hmac.compare_digest(expected, headers.get("X-Hub-Signature", "")):
            raise WebhookRefused("the X-Hub-Signature does not match")
        try:
            event = json.loads(body)
        except ValueError:
            raise WebhookRefused("not JSON") from None
        item = ((event.get("data") or {}).get("item") if isinstance(event, dict) else None) or {}
        if not isinstance(event, dict) or not event.get("id") or not event.get("topic") or not item.get("id"):
            raise WebhookRefused("not an Intercom notification: it needs an id, a topic and data.item")
        return [event]

    def event_key(self, event: dict) -> tuple[str, str, str, int]:
        item = event["data"]["item"]
        return (str(event["id"])[:200], str(event["topic"])[:100], f"{item.get('type')}:{item.get('id')}"[:200],
                int(event.get("created_at") or 0))

    def process(self, tally: Tally, event: dict) -> None:
        topic, item = str(event["topic"]), event["data"]["item"]
        if topic.startswith("conversation"):
            conversation = self.api.get(f"/conversations/{item['id']}")
            for person in ((conversation.get("contacts") or {}).get("contacts") or [])[:1]:
                if not linked_records(self, "contacts", Contact, [str(person["id"])]):
                    self._store_contacts(Tally(), [self.api.get(f"/contacts/{person['id']}")])
            all_or_nothing(tally, lambda t, rows: self._store_conversations(t, rows), [conversation])
        elif topic.startswith(("contact", "user")):
            all_or_nothing(tally, lambda t, rows: self._store_contacts(t, rows),
                           [self.api.get(f"/contacts/{item['id']}")])
        else:
            tally.add("events", "unchanged")
