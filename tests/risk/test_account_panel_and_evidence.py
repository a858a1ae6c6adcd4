"""The account page's signals panel, and evidence links that lead to the right records."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone

from tenure.risk.models import Signal
from tenure.risk.services import detect_signals
from tests.factories import make_account, make_contact, make_ticket, make_touch

DAY = dt.timedelta(days=1)


def test_the_account_page_shows_open_signals_with_driver_and_evidence(csm_client, past_due_account):
    detect_signals([past_due_account.pk], timezone.localdate())
    page = csm_client.get(reverse("accounts:detail", args=[past_due_account.pk])).content.decode()
    assert 'id="signals"' in page and "Downturn" in page and "Payment failed on Growth" in page


def test_the_signals_panel_costs_the_same_queries_however_many_signals(csm_client, csm):
    account = make_account(owner=csm)
    url = reverse("accounts:detail", args=[account.pk])
    csm_client.get(url)
    with CaptureQueriesContext(connection) as none:
        csm_client.get(url)
    for i in range(6):
        make_contact(account, name=f"Gone {i}", roles=["champion"], left_on=timezone.localdate() - DAY)
    detect_signals([account.pk], timezone.localdate())
    assert Signal.objects.filter(account=account).count() == 6
    with CaptureQueriesContext(connection) as six:
        csm_client.get(url)
    assert len(none) == len(six)


def test_evidence_links_lead_to_the_records_behind_the_signal(csm_client, csm):
    today = timezone.localdate()
    account = make_account(owner=csm)
    ticket = make_ticket(account, subject="Exporting everything", body="We are switching to Keepwell next month.",
                         opened_at=timezone.now() - 2 * DAY)
    touch = make_touch(account, summary="Champion mentioned Retainly twice.", occurred_at=timezone.now() - DAY)
    gone = make_contact(account, name="Hank", roles=["executive_sponsor"], left_on=today - 3 * DAY)
    detect_signals([account.pk], today)
    signals = {s.kind: s for s in Signal.objects.filter(account=account)}
    expected = {"competitor_mentioned": {("support.ticket", ticket.pk), ("engagement.touch", touch.pk)},
                "churn_intent": {("support.ticket", ticket.pk)}, "sponsor_left": {("accounts.contact", gone.pk)}}
    for kind, refs in expected.items():
        records = signals[kind].evidence["records"]
        assert {(r["model"], r["id"]) for r in records} == refs
        for r in records:
            match = resolve(r["url"].split("#")[0])
            assert match.view_name == "accounts:detail" and match.kwargs["pk"] == account.pk
            assert csm_client.get(r["api"]).json()["id"] == r["id"]
    quote = signals["churn_intent"].evidence["quotes"][0]
    assert quote["text"] == "We are switching to Keepwell next month." and quote["match"] == "switching to"
