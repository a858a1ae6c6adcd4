"""Salesforce (CRM): users matched to Tenure users by email, accounts, contacts and opportunities, read with SOQL
through the REST query API in order of ``SystemModstamp`` (each page's last time is the cursor: a crash resumes
there; the records of that same instant come again and are unchanged). Salesforce has no signed webhooks of the
kind the other sources send: the schedule's incremental query keeps it current. On request, Tenure's health score,
band and churn probability are written back to custom fields of each linked account (composite API, 200 a call)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.exceptions import ValidationError

from tenure.accounts.models import Account
from tenure.connectors.http import JsonApi
from tenure.connectors.records import Item, company_domain, linked_records, store_accounts, store_contacts
from tenure.connectors.sync import Page, Source, SourceError, Tally, register, save_links
from tenure.renewals.models import DealKind, DealStatus
from tenure.renewals.services import save_deals
from tenure.users.models import User

VERSION = "v60.0"
OBJECTS = {  # Tenure's object type → (Salesforce object, fields)
    "users": ("User", "Id, Email, Name"),
    "accounts": ("Account", "Id, Name, Website, Industry, OwnerId"),
    "contacts": ("Contact", "Id, Email, FirstName, LastName, Title, AccountId"),
    "opportunities": ("Opportunity", "Id, Name, Amount, StageName, CloseDate, Type, IsClosed, IsWon, AccountId, "
                                     "OwnerId"),
}
WRITE_BACK = {"score": "Tenure_Health_Score__c", "band": "Tenure_Health_Band__c",
              "churn": "Tenure_Churn_Probability__c"}
COMPOSITE = 200  # records per composite update


def deal_kind(kind: str | None) -> str:
    text = (kind or "").lower()
    if "renew" in text:
        return DealKind.RENEWAL
    if "new" in text:
        return DealKind.NEW_BUSINESS
    if "existing" in text or "upgrade" in text or "upsell" in text or "expansion" in text:
        return DealKind.EXPANSION
    return DealKind.OTHER


def _soql_time(value: str) -> str:
    """A SystemModstamp as SOQL takes a datetime literal (no quotes, UTC)."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _seconds(value) -> int:
    try:
        return int(dt.datetime.fromisoformat(str(value).replace("Z", "+00:00").replace("+0000", "+00:00"))
                   .timestamp())
    except ValueError:
        return 0


@register
class Salesforce(Source):
    kind = "salesforce"
    label = "Salesforce"
    object_types = ("users", "accounts", "contacts", "opportunities")
    credential_fields = (("access_token", "OAuth access token"), ("instance_url", "Instance URL "
                                                                                  "(https://…my.salesforce.com)"))
    required = ("access_token",)
    default_rules = {"accounts.name": "tenure", "accounts.owner": "tenure", "accounts.domain": "tenure",
                     "contacts.name": "tenure"}

    more_rule_fields = ("accounts.industry", "contacts.title")

    @property
    def api(self) -> JsonApi:
        token = self.credentials.get("access_token")
        base = self.options.get("api_base") or self.credentials.get("instance_url")
        if not token or not base:
            raise SourceError("no access token or instance URL: enter them on the connection's page")
        return JsonApi("Salesforce", base, headers={"Authorization": f"Bearer {token}"},
                       pause=self.options.get("retry_pause", 1.0))

    def check(self) -> str:
        answer = self.api.get(f"/services/data/{VERSION}/query", q="SELECT Id FROM Account LIMIT 1")
        return "Connected to Salesforce: " + ("accounts are readable" if answer.get("records") else "no accounts yet")

    def pages(self, object_type: str, cursor: dict) -> Iterator[Page]:
        sobject, fields = OBJECTS[object_type]
        since = cursor.get("since")
        where = f" WHERE SystemModstamp >= {_soql_time(since)}" if since else ""
        answer = self.api.get(f"/services/data/{VERSION}/query",
                              q=f"SELECT {fields}, SystemModstamp FROM {sobject}{where} ORDER BY SystemModstamp ASC")
        while True:
            records = list(answer.get("records") or [])
            since = records[-1]["SystemModstamp"] if records else since
            yield Page(records, {"since": since} if since else {})
            if answer.get("done", True) or not answer.get("nextRecordsUrl"):
                return
            answer = self.api.get(answer["nextRecordsUrl"])

    def store(self, tally: Tally, object_type: str, records: list) -> None:
        getattr(self, f"store_{object_type}")(tally, records)

    def store_users(self, tally: Tally, records: list) -> None:
        users = {u.email.lower(): u for u in User.objects.filter(
            email__in=[(r.get("Email") or "").lower() for r in records], is_active=True)}
        matched = [(r["Id"], users[(r.get("Email") or "").lower()].pk, {}, r, _seconds(r["SystemModstamp"]))
                   for r in records if (r.get("Email") or "").lower() in users]
        tally.add("users", "unchanged", len(records))
        save_links(self.connection, "users", matched)

    def store_accounts(self, tally: Tally, records: list) -> None:
        owners = linked_records(self, "users", User, {r.get("OwnerId") for r in records})
        items = []
        for r in records:
            domain = company_domain((r.get("Website") or "").split("//")[-1].split("/")[0])
            values = {"name": (r.get("Name") or domain or r["Id"]).strip()[:200], "domain": domain,
                      "crm_id": r["Id"], "industry": (r.get("Industry") or "")[:100]}
            if r.get("OwnerId") in owners:
                values["owner"] = owners[r["OwnerId"]].pk
            items.append(Item(r["Id"], values, r, _seconds(r["SystemModstamp"])))
        store_accounts(self, tally, "accounts", items, id_field="crm_id")

    def store_contacts(self, tally: Tally, records: list) -> None:
        companies = linked_records(self, "accounts", Account, {r.get("AccountId") for r in records})
        items = [Item(r["Id"], {"email": r.get("Email") or "",
                                "name": " ".join(x for x in (r.get("FirstName"), r.get("LastName")) if x)[:200],
                                "title": (r.get("Title") or "")[:200]},
                      r, _seconds(r["SystemModstamp"]), account=companies.get(r.get("AccountId")))
                 for r in records]
        store_contacts(self, tally, "contacts", items)

    def store_opportunities(self, tally: Tally, records: list) -> None:
        companies = linked_records(self, "accounts", Account, {r.get("AccountId") for r in records})
        owners = linked_records(self, "users", User, {r.get("OwnerId") for r in records})
        rows = []
        for r in records:
            account = companies.get(r.get("AccountId"))
            if account is None:
                tally.note(f"opportunities {r['Id']} ({r.get('Name') or '?'}): its account is not synced")
                continue
            status = (DealStatus.WON if r.get("IsWon") else DealStatus.LOST) if r.get("IsClosed") else DealStatus.OPEN
            rows.append((r["Id"], {
                "account": account, "name": r.get("Name") or "", "stage": (r.get("StageName") or "")[:100],
                "kind": deal_kind(r.get("Type")), "status": status, "amount": r.get("Amount"),
                "close_date": dt.date.fromisoformat(r["CloseDate"]) if r.get("CloseDate") else None,
                "owner": owners.get(r.get("OwnerId")),
            }))
        try:
            saved = save_deals("salesforce", rows)
        except ValidationError as exc:
            raise ValidationError(f"opportunities: {exc.messages[0]}") from None
        for _, outcome in saved:
            tally.add("opportunities", outcome)

    def after_sync(self, tally: Tally) -> None:
        if self.options.get("write_back"):
            self.write_back(tally)

    def write_back(self, tally: Tally) -> int:
        from tenure.connectors.writeback import scores_for_links

        rows = scores_for_links(self.connection, "accounts")
        records = [{"attributes": {"type": "Account"}, "id": source_id,
                    WRITE_BACK["score"]: score, WRITE_BACK["band"]: band, WRITE_BACK["churn"]: churn}
                   for source_id, score, band, churn in rows]
        for start in range(0, len(records), COMPOSITE):
            answer = self.api.call("PATCH", f"/services/data/{VERSION}/composite/sobjects",
                                   json={"allOrNone": False, "records": records[start:start + COMPOSITE]})
            for result in answer if isinstance(answer, list) else []:
                if not result.get("success"):
                    tally.fail("write-back", result.get("id") or "?", "; ".join(
                        e.get("message", "") for e in result.get("errors") or []))
        tally.add("write-back", "updated", len(records))
        return len(records)
