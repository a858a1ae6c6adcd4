"""A signal's page shows its evidence in words: named figures (never snake_case keys), money with a currency sign
and thousands, days as dates people read, and what each linked record is (never "billing.subscription · JSON")."""

import ast
import datetime as dt
from pathlib import Path

from tenure.risk import detectors, evidence
from tenure.risk.models import Signal
from tests.factories import make_account


def test_every_figure_a_detector_records_has_a_name():
    """Each top-level key of every ``numbers={...}`` the detectors write is named in evidence.FIGURES."""
    tree = ast.parse(Path(detectors.__file__).read_text())
    keys = {k.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == "numbers"
            and isinstance(node.value, ast.Dict) for k in node.value.keys if isinstance(k, ast.Constant)}
    assert len(keys) > 30
    assert keys <= set(evidence.FIGURES), sorted(keys - set(evidence.FIGURES))


def test_values_read_as_people_write_them():
    assert evidence.value_text("mrr", 45933.75) == "$45,934"
    assert evidence.value_text("utilization_pct", 25.3) == "25.3%"
    assert evidence.value_text("growth_pct", -0.04) == "0%"  # never "-0%"
    assert evidence.value_text("last_touched_on", "2026-04-02") == "2 Apr 2026"
    assert evidence.value_text("health_band", "yellow") == "Yellow"
    assert evidence.value_text("seats_before", 1322) == "1,322"
    assert evidence.label("days_since_touch") == "Days since the last touch"
    assert evidence.label("a_key_nobody_named") == "A key nobody named"
    assert evidence.list_text([{"on": "2026-10-16", "from": 1322, "to": 1027}]) == "16 Oct 2026: 1,322 → 1,027"
    assert evidence.record_kind("billing.subscription") == "subscription"


def test_the_signal_page_shows_words_not_keys(csm_client):
    account = make_account(name="Kestrel")
    day = dt.date(2026, 11, 2)
    signal = Signal.objects.create(
        account=account, driver="downturn", kind="seat_cut", dedupe_key="seat_cut:x", title="Seats cut",
        first_detected_on=day, last_seen_on=day,
        evidence={"numbers": {"mrr_before": 45933.75, "drop_pct": 22.3, "on": "2026-08-04",
                              "cuts": [{"on": "2026-10-16", "from": 1322, "to": 1027}]},
                  "records": [{"model": "billing.subscription", "id": 7, "label": "Enterprise plan",
                               "url": f"/accounts/{account.pk}/#subscriptions", "api": "/api/subscriptions/7"}]})
    html = csm_client.get(f"/signals/{signal.pk}/").content.decode()
    main = html[html.index("<main"):]
    assert '<th scope="row">MRR before</th><td class="num">$45,934</td>' in main
    assert '<th scope="row">Drop</th><td class="num">22.3%</td>' in main
    assert '<th scope="row">On</th><td class="num">4 Aug 2026</td>' in main
    assert "16 Oct 2026: 1,322 → 1,027" in main
    assert 'subscription · <a href="/api/subscriptions/7">in the API</a>' in main
    for raw in ("mrr_before", "drop_pct", "billing.subscription", "45933.75", ">JSON<"):
        assert raw not in main, raw
