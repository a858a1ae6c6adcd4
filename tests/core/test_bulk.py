"""bulk.insert and facts.among, which the refresh writes and reads through, on SQLite and PostgreSQL."""

import datetime as dt

import pytest

from tenure import bulk
from tenure.accounts.models import Account
from tenure.facts import among
from tenure.health.models import HealthSnapshot
from tenure.health.services import default_version
from tenure.risk.models import PlayRun, Signal

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 3, 1)


def _signal(account, key, **more):
    return Signal(account=account, driver="disconnection", kind="sponsor_silent", subject="s", dedupe_key=key,
                  severity="high", title=f"title {key}", first_detected_on=DAY, last_seen_on=DAY, **more)


def test_new_rows_get_their_keys_in_order_and_every_value_round_trips():
    account = Account.objects.create(name="Acme")
    signals = [_signal(account, f"k{i}", evidence={"records": [{"id": i}], "why": "é ✓"}) for i in range(700)]
    bulk.insert(Signal, signals)  # more rows than one statement carries (~30,000 parameters)
    assert [s.pk for s in signals] == sorted(s.pk for s in signals)
    stored = {s.pk: s for s in Signal.objects.all()}
    assert len(stored) == 700
    for s in signals:
        row = stored[s.pk]
        assert (row.dedupe_key, row.title, row.evidence, row.first_detected_on) == (
            s.dedupe_key, s.title, s.evidence, DAY)
        assert row.created_at is not None and row.created_at == s.created_at  # automatic times set and kept
        assert not s._state.adding
    # the keys are usable at once: rows pointing at them can be written in the same breath
    runs = bulk.insert(PlayRun, [PlayRun(account=account, key="driver:disconnection", started_on=DAY)])
    bulk.insert_links(PlayRun.signals.through, ("playrun", "signal"), [(runs[0].pk, s.pk) for s in signals[:3]])
    assert set(runs[0].signals.values_list("pk", flat=True)) == {s.pk for s in signals[:3]}


def test_upsert_replaces_the_named_fields_of_a_conflicting_row_only():
    account = Account.objects.create(name="Acme")
    version = default_version()
    bulk.insert(HealthSnapshot, [HealthSnapshot(account=account, day=DAY, score=40, band="red", version=version,
                                                measures=[{"key": "a"}])],
                unique_fields=["account", "day"], update_fields=["score", "band", "measures"])
    bulk.insert(HealthSnapshot, [
        HealthSnapshot(account=account, day=DAY, score=80, band="green", version=version, measures=[{"key": "b"}]),
        HealthSnapshot(account=account, day=DAY + dt.timedelta(days=7), score=70, band="green", version=version),
    ], unique_fields=["account", "day"], update_fields=["score", "band", "measures"])
    rows = list(HealthSnapshot.objects.order_by("day").values_list("day", "score", "band", "measures"))
    assert rows == [(DAY, 80, "green", [{"key": "b"}]), (DAY + dt.timedelta(days=7), 70, "green", [])]


@pytest.mark.parametrize("ids", [[3, 4, 5, 6], [6, 3, 5, 4, 4], [3, 5, 6], [4], []])
def test_among_selects_exactly_the_batch(ids):
    accounts = [Account.objects.create(name=f"A{i}") for i in range(8)]
    chosen = [accounts[i].pk for i in ids]
    assert set(Account.objects.filter(among(chosen, "id")).values_list("pk", flat=True)) == set(chosen)


def test_rows_with_and_without_keys_are_written_apart_as_bulk_create_does():
    account = Account.objects.create(name="Acme")
    keyed = _signal(account, "keyed", pk=9_000)
    bulk.insert(Signal, [keyed, _signal(account, "new")])
    assert set(Signal.objects.values_list("dedupe_key", flat=True)) == {"keyed", "new"}
    assert Signal.objects.get(dedupe_key="keyed").pk == 9_000
