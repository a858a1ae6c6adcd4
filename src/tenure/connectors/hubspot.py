"""HubSpot (CRM): owners matched to Tenure users by email; companies become accounts, contacts become contacts with
their buying roles, deals become the account's deals (renewal, expansion, new business). Incremental through the
CRM search API, sorted by the modification time (its 10,000-result window is walked by restarting from the last
time seen); webhooks (v3 signatures) fetch the object they name. On request, each linked company gets Tenure's
health score, band and churn probability written back to properties of its own."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

from django.core.exceptions import ValidationError

from tenure.accounts.models import Account
from tenure.connectors.http import JsonApi
from tenure.connectors.records import Item, company_domain, linked_records, store_accounts, store_contacts
from tenure.connectors.sync import Page, Source, SourceError, Tally, WebhookRefused, all_or_nothing, register
from tenure.renewals.models import DealKind, DealStatus
from tenure.renewals.services import save_deals
from tenure.users.models import User

PAGE = 100
SEARCH_WINDOW = 10_000  # HubSpot's search API returns at most this many results for one query
SIGNATURE_AGE = 300  # seconds: an older v3 signature is refused (HubSpot's own rule)
MODIFIED = {"companies": "hs_lastmodifieddate", "contacts": "lastmodifieddate", "deals": "hs_lastmodifieddate"}
PROPERTIES = {
    "companies": ["name", "domain", "industry", "hubspot_owner_id", "hs_lastmodifieddate"],
    "contacts": ["email", "firstname", "lastname", "jobtitle", "associatedcompanyid", "hs_buying_role",
                 "lastmodifieddate"],
    "deals": ["dealname", "amount", "dealstage", "closedate", "dealtype", "hs_is_closed", "hs_is_closed_won",
              "hubspot_owner_id", "hs_lastmodifieddate"],
}
# HubSpot's buying roles → Tenure's relationship roles
ROLES = {"EXECUTIVE_SPONSOR": "is_executive_sponsor", "DECISION_MAKER": "is_executive_sponsor",
         "CHAMPION": "is_champion", "END_USER": "is_user", "BUDGET_HOLDER": "is_billing"}
DEAL_KINDS = {"newbusiness": DealKind.NEW_BUSINESS, "existingbusiness": DealKind.EXPANSION,
              "renewal": DealKind.RENEWAL}
WRITE_BACK = {"score": "tenure_health_score", "band": "tenure_health_band", "churn": "tenure_churn_probability"}


def _seconds(value) -> int:
    """HubSpot's times: ISO 8601 (properties of the v3 API) or milliseconds."""
    if value in (None, ""):
        return 0
    text = str(value)
    if text.isdigit():
        return int(text) // 1000
    try:
        return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0


def _date(value) -> dt.date | None:
    seconds = _seconds(value)
    return dt.datetime.fromtimestamp(seconds, dt.UTC).date() if seconds else None


def _true(value) -> bool:
    return str(value).lower() == "true"


@register
class HubSpot(Source):
    kind = "hubspot"
    label = "HubSpot"
    object_types = ("owners", "companies", "contacts", "deals")
    credential_fields = (("access_token", "Private app access token"), ("client_secret", "App client secret "
                                                                                          "(webhook signatures)"))
    required = ("access_token",)
    # the CRM's owner of a company is often its salesperson, not its CSM: only an account without one takes it
    default_rules = {"companies.name": "tenure", "companies.owner": "tenure", "companies.domain": "tenure",
                     "contacts.name": "tenure"}

    more_rule_fields = ("companies.industry", "contacts.title")

    @property
    def api(self) -> JsonApi:
        token = self.credentials.get("access_token")
        if not token:
            raise SourceError("no access token: enter the private app's token on the connection's page")
        return JsonApi("HubSpot", self.options.get("api_base") or "https://api.hubapi.com",
                       headers={"Authorization": f"Bearer {token}"}, pause=self.options.get("retry_pause", 1.0))

    def check(self) -> str:
        page = self.api.get("/crm/v3/objects/companies", limit=1)
        return "Connected to HubSpot: " + ("companies are readable" if page.get("results") else "no companies yet")

    # -- reading ----------------------------------------------------------------------------------------------
    def pages(self, object_type: str, cursor: dict) -> Iterator[Page]:
        if object_type == "owners":
            after = None
            while True:
                page = self.api.get("/crm/v3/owners", limit=PAGE, **({"after": after} if after else {}))
                after = ((page.get("paging") or {}).get("next") or {}).get("after")
                yield Page(list(page.get("results") or []), {})
                if not after:
                    return
        since, after = int(cursor.get("since", 0)), cursor.get("after")
        while True:
            results, after = self._search(object_type, since, after)
            newest = max([since, *(_seconds(r["properties"].get(MODIFIED[object_type])) * 1000 for r in results)])
            if object_type == "deals" and results:
                self._companies_of_deals(results)
            if not after:
                yield Page(results, {"since": newest})
                return
            if int(after) + PAGE > SEARCH_WINDOW:
                # the search window ends here: go on from the newest time seen (records of that same second come
                # again; their links make them unchanged)
                since, after = newest - 1000, None
            yield Page(results, {"since": since, **({"after": after} if after else {})})

    def _search(self, object_type: str, since_ms: int, after) -> tuple[list[dict], str | None]:
        body = {"filterGroups": [{"filters": [{"propertyName": MODIFIED[object_type], "operator": "GT",
                                               "value": str(since_ms)}]}],
                "sorts": [{"propertyName": MODIFIED[object_type], "direction": "ASCENDING"}],
                "properties": PROPERTIES[object_type], "limit": PAGE, **({"after": after} if after else {})}
        page = self.api.post(f"/crm/v3/objects/{object_type}/search", body)
        return list(page.get("results") or []), ((page.get("paging") or {}).get("next") or {}).get("after")

    def _companies_of_deals(self, deals: list[dict]) -> None:
        answer = self.api.post("/crm/v4/associations/deals/companies/batch/read",
                               {"inputs": [{"id": d["id"]} for d in deals]})
        companies = {str(r["from"]["id"]): [str(t["toObjectId"]) for t in r.get("to") or []]
                     for r in answer.get("results") or []}
        for deal in deals:
            deal["_companies"] = companies.get(str(deal["id"]), [])

    # -- storing ----------------------------------------------------------------------------------------------
    def store(self, tally: Tally, object_type: str, records: list) -> None:
        getattr(self, f"store_{object_type}")(tally, records)

    def store_owners(self, tally: Tally, records: list) -> None:
        from tenure.connectors.sync import save_links

        users = {u.email.lower(): u for u in User.objects.filter(
            email__in=[(o.get("email") or "").lower() for o in records if o.get("email")], is_active=True)}
        matched = []
        for owner in records:
            user = users.get((owner.get("email") or "").lower())
            if user is None:
                tally.note(f"owners {owner.get('id')} ({owner.get('email') or 'no email'}): no Tenure user has "
                           "this email; their companies keep their Tenure owner")
                continue
            matched.append((str(owner["id"]), user.pk, {}, owner, 0))
            tally.add("owners", "unchanged")
        save_links(self.connection, "owners", matched)

    def _owner(self, owner_id) -> int | None:
        if not owner_id:
            return None
        user = linked_records(self, "owners", User, [str(owner_id)]).get(str(owner_id))
        return user.pk if user else None

    def store_companies(self, tally: Tally, records: list) -> None:
        owners = linked_records(self, "owners", User, {str(c["properties"].get("hubspot_owner_id") or "")
                                                       for c in records})
        items = []
        for company in records:
            p = company.get("properties") or {}
            domain = company_domain(p.get("domain"))
            values = {"name": (p.get("name") or domain or f"HubSpot company {company['id']}").strip()[:200],
                      "domain": domain, "crm_id": str(company["id"]), "industry": (p.get("industry") or "")[:100]}
            owner = owners.get(str(p.get("hubspot_owner_id") or ""))
            if owner:
                values["owner"] = owner.pk
            items.append(Item(str(company["id"]), values, company, _seconds(p.get(MODIFIED["companies"]))))
        store_accounts(self, tally, "companies", items, id_field="crm_id")

    def store_contacts(self, tally: Tally, records: list) -> None:
        companies = linked_records(self, "companies", Account, {str(c["properties"].get("associatedcompanyid") or "")
                                                               for c in records})
        items = []
        for person in records:
            p = person.get("properties") or {}
            name = " ".join(x for x in (p.get("firstname"), p.get("lastname")) if x).strip()
            values = {"email": p.get("email") or "", "name": name[:200], "title": (p.get("jobtitle") or "")[:200]}
            for role in (p.get("hs_buying_role") or "").split(";"):
                if role.strip() in ROLES:
                    values[ROLES[role.strip()]] = True
            items.append(Item(str(person["id"]), values, person, _seconds(p.get(MODIFIED["contacts"])),
                              account=companies.get(str(p.get("associatedcompanyid") or ""))))
        store_contacts(self, tally, "contacts", items)

    def store_deals(self, tally: Tally, records: list) -> None:
        companies = linked_records(self, "companies", Account, {c for d in records for c in d.get("_companies", [])})
        owners = linked_records(self, "owners", User, {str(d["properties"].get("hubspot_owner_id") or "")
                                                       for d in records})
        rows = []
        for deal in records:
            p = deal.get("properties") or {}
            account = next((companies[c] for c in deal.get("_companies", []) if c in companies), None)
            if account is None:
                tally.note(f"deals {deal['id']} ({p.get('dealname') or '?'}): its company is not synced")
                continue
            status = (DealStatus.WON if _true(p.get("hs_is_closed_won")) else DealStatus.LOST) \
                if _true(p.get("hs_is_closed")) else DealStatus.OPEN
            rows.append((str(deal["id"]), {
                "account": account, "name": p.get("dealname") or "", "stage": (p.get("dealstage") or "")[:100],
                "kind": DEAL_KINDS.get((p.get("dealtype") or "").lower(), DealKind.OTHER), "status": status,
                "amount": p.get("amount") or None, "close_date": _date(p.get("closedate")),
                "owner": owners.get(str(p.get("hubspot_owner_id") or "")),
            }))
        try:
            saved = save_deals("hubspot", rows)
        except ValidationError as exc:
            raise ValidationError(f"deals: {exc.messages[0]}") from None
        for _, outcome in saved:
            tally.add("deals", outcome)

    # -- webhooks (v3) ----------------------------------------------------------------------------------------
    def verify(self, body: bytes, headers, url: str = "", method: str = "POST") -> list[dict]:
        secret = self.credentials.get("client_secret")
        if not secret:
            raise WebhookRefused("this connection has no client secret to check HubSpot's signatures with")
        signature = headers.get("X-HubSpot-Signature-v3", "")
        timestamp = headers.get("X-HubSpot-Request-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp) / 1000) > SIGNATURE_AGE:
            raise WebhookRefused("the X-HubSpot-Request-Timestamp is missing or older than five minutes")
        expected = base64.b64encode(hmac.new(secret.encode(), f"{method}{url}".encode() + body + timestamp.encode(),
                                             hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, signature):
            raise WebhookRefused("the X-HubSpot-Signature-v3 does not match")
        try:
            events = json.loads(body)
        except ValueError:
            raise WebhookRefused("not JSON") from None
        if not isinstance(events, list) or not all(isinstance(e, dict) and e.get("eventId") is not None
                                                   and e.get("objectId") is not None for e in events):
            raise WebhookRefused("not HubSpot webhook events: a list of events with eventId and objectId")
        return events

    def event_key(self, event: dict) -> tuple[str, str, str, int]:
        kind = str(event.get("subscriptionType") or "")
        return (f"{event.get('eventId')}", kind[:100], f"{kind.partition('.')[0]}:{event.get('objectId')}"[:200],
                int(event.get("occurredAt") or 0) // 1000)

    def process(self, tally: Tally, event: dict) -> None:
        kind, _, change = str(event.get("subscriptionType") or "").partition(".")
        object_type = {"company": "companies", "contact": "contacts", "deal": "deals"}.get(kind)
        if object_type is None or change == "deletion":
            tally.add("events", "unchanged")  # a deletion in the CRM leaves Tenure's record and history alone
            return
        # the event names the object; its current state is read (what changed since is in it too)
        record = self.api.get(f"/crm/v3/objects/{object_type}/{event['objectId']}",
                              properties=",".join(PROPERTIES[object_type]))
        if object_type == "deals":
            self._companies_of_deals([record])
        all_or_nothing(tally, getattr(self, f"store_{object_type}"), [record])

    # -- writing back -----------------------------------------------------------------------------------------
    def after_sync(self, tally: Tally) -> None:
        if self.options.get("write_back"):
            self.write_back(tally)

    def write_back(self, tally: Tally) -> int:
        """Tenure's health score, band and churn probability onto each linked company (batches of 100)."""
        from tenure.connectors.writeback import scores_for_links

        inputs = [{"id": company_id, "properties": {
            WRITE_BACK["score"]: "" if score is None else str(score), WRITE_BACK["band"]: band,
            WRITE_BACK["churn"]: "" if churn is None else f"{churn:.3f}"}}
            for company_id, score, band, churn in scores_for_links(self.connection, "companies")]
        for start in range(0, len(inputs), PAGE):
            self.api.post("/crm/v3/objects/companies/batch/update", {"inputs": inputs[start:start + PAGE]})
        tally.add("write-back", "updated", len(inputs))
        return len(inputs)
