"""Zendesk (helpdesk): organizations matched to accounts (never created: the CRM or billing makes accounts), end
users become contacts, tickets become tickets (requester → contact → account), with status, priority and the
satisfaction rating; incremental through Zendesk's incremental export API (organizations by time, users and tickets
by cursor), and at once through a signed webhook that names a ticket. The competition detector and the support
measures read the tickets on the account's next refresh, as they read every ticket."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
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

SIGNATURE_AGE = 300
STATUS = {"new": TicketStatus.NEW, "open": TicketStatus.OPEN, "pending": TicketStatus.PENDING,
          "hold": TicketStatus.PENDING, "solved": TicketStatus.SOLVED, "closed": TicketStatus.CLOSED}
PRIORITY = {"urgent": TicketPriority.URGENT, "high": TicketPriority.HIGH, "normal": TicketPriority.NORMAL,
            "low": TicketPriority.LOW}
CSAT = {"good": 5, "bad": 1}  # Zendesk's two-point rating on Tenure's 1–5 scale


def _moment(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _seconds(value) -> int:
    moment = _moment(value)
    return int(moment.timestamp()) if moment else 0


@register
class Zendesk(Source):
    kind = "zendesk"
    label = "Zendesk"
    object_types = ("organizations", "users", "tickets")
    credential_fields = (("email", "Agent email"), ("api_token", "API token"),
                         ("webhook_secret", "Webhook signing secret"), ("subdomain", "Subdomain (acme for "
                                                                                     "acme.zendesk.com)"))
    required = ("email", "api_token")
    default_rules = {"organizations.domain": "tenure", "users.name": "tenure"}

    @property
    def api(self) -> JsonApi:
        email, token = self.credentials.get("email"), self.credentials.get("api_token")
        if not email or not token:
            raise SourceError("no agent email or API token: enter them on the connection's page")
        base = self.options.get("api_base") or (
            f"https://{self.credentials['subdomain']}.zendesk.com" if self.credentials.get("subdomain") else "")
        if not base:
            raise SourceError("no Zendesk subdomain: enter it on the connection's page")
        return JsonApi("Zendesk", base, auth=(f"{email}/token", token), pause=self.options.get("retry_pause", 1.0))

    def check(self) -> str:
        me = self.api.get("/api/v2/users/me.json").get("user") or {}
        return f"Connected to Zendesk as {me.get('email') or me.get('name') or 'an agent'}"

    # -- reading ----------------------------------------------------------------------------------------------
    def pages(self, object_type: str, cursor: dict) -> Iterator[Page]:
        if object_type == "organizations":  # the time-based export
            start = int(cursor.get("start_time", 0))
            path, params = "/api/v2/incremental/organizations.json", {"start_time": start}
            while True:
                page = self.api.get(path, **params) if params else self.api.get(path)
                end = int(page.get("end_time") or start)
                yield Page(list(page.get("organizations") or []), {"start_time": end})
                if page.get("end_of_stream") or not page.get("next_page"):
                    return
                path, params = page["next_page"], {}
        path = f"/api/v2/incremental/{object_type}/cursor.json"  # users and tickets: the cursor-based export
        params = {"cursor": cursor["cursor"]} if cursor.get("cursor") else {"start_time": 0}
        while True:
            page = self.api.get(path, **params)
            after = page.get("after_cursor") or params.get("cursor")
            yield Page(list(page.get(object_type) or []), {"cursor": after} if after else {})
            if page.get("end_of_stream") or not page.get("after_cursor"):
                return
            params = {"cursor": page["after_cursor"]}

    # -- storing ----------------------------------------------------------------------------------------------
    def store(self, tally: Tally, object_type: str, records: list) -> None:
        each_or_page(tally, object_type, records, lambda rows, t: getattr(self, f"_store_{object_type}")(t, rows))

    def _store_organizations(self, tally: Tally, records: list) -> None:
        items = []
        for org in records:
            domain = next((company_domain(d) for d in org.get("domain_names") or [] if company_domain(d)), "")
            items.append(Item(str(org["id"]), {"domain": domain} if domain else {}, org,
                              _seconds(org.get("updated_at")), extra={"name": (org.get("name") or "").strip()}))
        store_accounts(self, tally, "organizations", items, by_name=True, create=False)

    def _store_users(self, tally: Tally, records: list) -> None:
        people = [u for u in records if u.get("role") == "end-user" and not u.get("deleted")]
        tally.add("users", "unchanged", len(records) - len(people))  # agents and admins are the vendor's staff
        orgs = linked_records(self, "organizations", Account, {str(u.get("organization_id") or "") for u in people})
        by_domain = accounts.find_accounts_by("domain", {company_domain(u.get("email")) for u in people} - {""})
        items = []
        for user in people:
            account = orgs.get(str(user.get("organization_id") or "")) or by_domain.get(
                company_domain(user.get("email")))
            items.append(Item(str(user["id"]), {"email": user.get("email") or "",
                                                "name": (user.get("name") or "")[:200]},
                              user, _seconds(user.get("updated_at")), account=account))
        store_contacts(self, tally, "users", items)

    def _store_tickets(self, tally: Tally, records: list) -> None:
        tickets = [t for t in records if t.get("status") != "deleted"]
        tally.add("tickets", "unchanged", len(records) - len(tickets))
        orgs = linked_records(self, "organizations", Account, {str(t.get("organization_id") or "") for t in tickets})
        people = linked_records(self, "users", Contact, {str(t.get("requester_id") or "") for t in tickets})
        rows = []
        for ticket in tickets:
            contact = people.get(str(ticket.get("requester_id") or ""))
            account = orgs.get(str(ticket.get("organization_id") or "")) or (
                Account(pk=contact.account_id) if contact else None)
            if account is None:
                tally.note(f"tickets {ticket['id']}: neither its organization nor its requester is matched to an "
                           "account")
                continue
            fields = {
                "account": account.pk, "contact": contact.pk if contact and contact.account_id == account.pk else None,
                "external_id": f"zendesk:{ticket['id']}", "subject": (ticket.get("subject") or "(no subject)")[:300],
                "body": ticket.get("description") or "", "category": (ticket.get("type") or "")[:100],
                "priority": PRIORITY.get(ticket.get("priority") or "", TicketPriority.NORMAL),
                "status": STATUS.get(ticket.get("status") or "", TicketStatus.OPEN),
                "opened_at": _moment(ticket.get("created_at")),
                "csat": CSAT.get((ticket.get("satisfaction_rating") or {}).get("score") or ""),
            }
            if fields["status"] in (TicketStatus.SOLVED, TicketStatus.CLOSED):
                fields["resolved_at"] = _moment(ticket.get("updated_at"))  # the export's last change: when solved
            rows.append((str(ticket["id"]), fields, ticket, _seconds(ticket.get("updated_at"))))
        store_tickets(self, tally, "tickets", rows)

    # -- webhooks ---------------------------------------------------------------------------------------------
    def verify(self, body: bytes, headers, url: str = "", method: str = "POST") -> list[dict]:
        secret = self.credentials.get("webhook_secret")
        if not secret:
            raise WebhookRefused("this connection has no webhook signing secret: enter it on its page")
        stamp = headers.get("X-Zendesk-Webhook-Signature-Timestamp", "")
        moment = _moment(stamp)
        if moment is None or abs(time.time() - moment.timestamp()) > SIGNATURE_AGE:
            raise WebhookRefused("the X-Zendesk-Webhook-Signature-Timestamp is missing or older than five minutes")
        expected = base64.b64encode(hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest())
        if not hmac.compare_digest(expected.decode(), headers.get("X-Zendesk-Webhook-Signature", "")):
            raise WebhookRefused("the X-Zendesk-Webhook-Signature does not match")
        try:
            event = json.loads(body)
        except ValueError:
            raise WebhookRefused("not JSON") from None
        if not isinstance(event, dict) or not str(event.get("ticket_id") or "").isdigit():
            raise WebhookRefused('the webhook\'s body must name a ticket: {"ticket_id": "{{ticket.id}}", '
                                 '"updated_at": "{{ticket.updated_at_with_timestamp}}"}')
        event["_received"] = int(moment.timestamp())
        return [event]

    def event_key(self, event: dict) -> tuple[str, str, str, int]:
        ticket = str(event["ticket_id"])
        version = str(event.get("updated_at") or event["_received"])
        return f"ticket:{ticket}:{version}"[:200], "ticket.changed", f"ticket:{ticket}", int(event["_received"])

    def process(self, tally: Tally, event: dict) -> None:
        ticket = self.api.get(f"/api/v2/tickets/{event['ticket_id']}.json").get("ticket")
        if not ticket:
            raise SourceError(f"Zendesk has no ticket {event['ticket_id']}")
        requester = str(ticket.get("requester_id") or "")
        if requester and not linked_records(self, "users", Contact, [requester]):
            user = self.api.get(f"/api/v2/users/{requester}.json").get("user")
            if user:
                self._store_users(Tally(), [user])
        all_or_nothing(tally, lambda t, rows: self._store_tickets(t, rows), [ticket])
