"""No feature may use data after its observation date: features as of D are identical whether or not the
rows after D exist."""

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from tenure.accounts.models import Account, Contact
from tenure.billing.models import SubscriptionChange
from tenure.engagement.models import Touch
from tenure.facts.days import FAR, day_number, to_date
from tenure.facts.outcomes import changes_frame
from tenure.integrations.csv_import import import_csv
from tenure.predict import features as feat
from tenure.predict import services
from tenure.support.models import Ticket
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, DailyUserActivity, DailyUserFeature
from tests.factories import make_contact, make_ticket, make_touch
from tests.predict.imported import write_history

CUT = dt.date(2025, 9, 15)


def _random_inputs(rng: random.Random, accounts: int = 25, start: int = 19000, days: int = 400) -> feat.Inputs:
    ch, act, fu, ua, tickets, touches, contacts = [], [], [], [], [], [], []
    for a in range(1, accounts + 1):
        sub = a
        s0 = start + rng.randint(0, 100)
        eff = s0
        for k in range(rng.randint(1, 5)):
            status = rng.choice(["active", "active", "past_due", "canceled"])
            ch.append((sub, a, eff, k, rng.choice([0, 5000, 9900, 20000]), rng.randint(1, 50), status, s0,
                       s0 + 365 if rng.random() < 0.5 else FAR, rng.choice(["Basic", "Pro"]),
                       rng.choice(["monthly", "annual"])))
            eff += rng.randint(10, 120)
        for d in range(start, start + days, rng.randint(1, 4)):
            act.append((a, d, rng.randint(0, 5), rng.randint(0, 3), rng.randint(0, 40)))
            fu.append((a, d, rng.choice(["A", "B", "C"]), rng.randint(1, 9)))
            ua.append((a, d, a * 100 + rng.randint(0, 6)))
        for _ in range(rng.randint(0, 6)):
            opened = start + rng.randint(0, days)
            resolved = opened + rng.randint(0, 30) if rng.random() < 0.7 else FAR
            tickets.append((a, opened, resolved, rng.random() < 0.3, rng.choice([np.nan, 2.0, 5.0])))
            touches.append((a, start + rng.randint(0, days), rng.random() < 0.3, rng.random() < 0.4,
                            rng.random() < 0.4))
        for _ in range(rng.randint(1, 4)):
            contacts.append((a, rng.random() < 0.3, rng.random() < 0.3,
                             start + rng.randint(0, days) if rng.random() < 0.3 else FAR))
    return feat.Inputs(
        changes=changes_frame([(*r[:2], to_date(r[2]), *r[3:7], to_date(r[7]),
                                     None if r[8] == FAR else to_date(r[8]), *r[9:]) for r in ch]),
        accounts=pd.DataFrame({"account_id": range(1, accounts + 1), "segment": [rng.choice("xy") for _ in
                                                                                  range(accounts)],
                               "industry": "", "custom": [{"channel": rng.choice(["p", "q"])} for _ in
                                                          range(accounts)]}).set_index("account_id", drop=False),
        activity=pd.DataFrame(act, columns=["account_id", "day", "active_users", "logins", "events"]),
        feature_usage=pd.DataFrame(fu, columns=["account_id", "day", "event", "count"]),
        user_activity=pd.DataFrame(ua, columns=["account_id", "day", "user"]),
        tickets=pd.DataFrame(tickets, columns=["account_id", "opened", "resolved", "urgent", "csat"]),
        touches=pd.DataFrame(touches, columns=["account_id", "day", "negative", "with_executive_sponsor",
                                               "with_champion"]),
        contacts=pd.DataFrame(contacts, columns=["account_id", "executive_sponsor", "champion", "left_on"]),
        nps=pd.DataFrame({"account_id": [1, 2, 3], "day": [start + 10, start + 200, start + 390], "score": [9, 3, 6]}),
        health=pd.DataFrame({"account_id": [1, 1, 2], "day": [start + 150, start + 300, start + 390],
                             "score": [80.0, 40.0, 55.0], "m:license_utilization": [90.0, 20.0, np.nan],
                             "m:sentiment": [70.0, np.nan, 35.0]}),
    )


def _only_until(inputs: feat.Inputs, day: int) -> feat.Inputs:
    """The same history as it stood on ``day``: later rows gone, later resolutions and departures unknown."""
    t = inputs.tickets[inputs.tickets["opened"] <= day].copy()
    later = t["resolved"] > day
    t.loc[later, "resolved"] = FAR
    t.loc[later, "csat"] = np.nan
    c = inputs.contacts.copy()
    c.loc[c["left_on"] > day, "left_on"] = FAR
    return feat.Inputs(
        changes=inputs.changes[inputs.changes["effective_on"] <= day],
        accounts=inputs.accounts,
        activity=inputs.activity[inputs.activity["day"] <= day],
        feature_usage=inputs.feature_usage[inputs.feature_usage["day"] <= day],
        user_activity=inputs.user_activity[inputs.user_activity["day"] <= day],
        tickets=t, touches=inputs.touches[inputs.touches["day"] <= day], contacts=c,
        nps=inputs.nps[inputs.nps["day"] <= day], health=inputs.health[inputs.health["day"] <= day],
    )


@pytest.mark.parametrize("seed", range(5))
def test_features_ignore_everything_after_their_day(seed):
    rng = random.Random(f"leakage:{seed}")
    inputs = _random_inputs(rng)
    spec = feat.make_spec(inputs)
    assert spec.has_nps and spec.has_health and spec.events
    assert spec.health_measures == ["license_utilization", "sentiment"]
    ids = inputs.accounts["account_id"].to_numpy()
    for day in (19100, 19200, 19333):
        full = feat.features_as_of(inputs, day, ids, spec)
        cut = feat.features_as_of(_only_until(inputs, day), day, ids, spec)
        assert_frame_equal(full, cut)
        assert len(full.columns) > 60


def test_changing_the_future_changes_nothing_today():
    rng = random.Random("future")
    inputs = _random_inputs(rng)
    spec = feat.make_spec(inputs)
    ids = inputs.accounts["account_id"].to_numpy()
    day = 19200
    before = feat.features_as_of(inputs, day, ids, spec)
    inputs.activity.loc[inputs.activity["day"] > day, "events"] = 10**6
    inputs.feature_usage.loc[inputs.feature_usage["day"] > day, "count"] = 10**6
    inputs.changes.loc[inputs.changes["effective_on"] > day, "status"] = "canceled"
    assert_frame_equal(before, feat.features_as_of(inputs, day, ids, spec))


def test_the_sponsor_features_count_the_executive_sponsor_only():
    inputs = _random_inputs(random.Random("roles"))
    spec = feat.make_spec(inputs)
    ids = inputs.accounts["account_id"].to_numpy()
    day = 19300
    before = feat.features_as_of(inputs, day, ids, spec)
    inputs.touches["with_champion"] = ~inputs.touches["with_champion"]
    inputs.contacts["champion"] = ~inputs.contacts["champion"]
    assert_frame_equal(before, feat.features_as_of(inputs, day, ids, spec))
    inputs.touches["with_executive_sponsor"] = True
    inputs.contacts["executive_sponsor"] = True
    after = feat.features_as_of(inputs, day, ids, spec)
    moved = [c for c in before.columns if not before[c].equals(after[c])]
    assert moved == ["days_since_sponsor_touch", "sponsors", "sponsor_left_180"]


@pytest.mark.django_db
def test_features_from_the_database_are_the_same_after_deleting_the_future(tmp_path):
    made = write_history(tmp_path, accounts=20)
    for kind in ("accounts", "subscriptions", "events"):
        assert import_csv(kind, made["paths"][kind]).ok
    accounts = list(Account.objects.order_by("pk"))
    at = lambda d: dt.datetime(d.year, d.month, d.day, 12, tzinfo=dt.UTC)  # noqa: E731
    for i, account in enumerate(accounts[:8]):
        for offset in (-60, -5, 5, 40):
            day = CUT + dt.timedelta(days=offset + i)
            make_ticket(account, opened_at=at(day), status="solved", resolved_at=at(day + dt.timedelta(days=9)),
                        csat=3, priority="high" if offset > 0 else "normal")
            make_touch(account, occurred_at=at(day), sentiment="negative" if offset > 0 else "positive")
        make_contact(account, roles=["executive_sponsor"], left_on=CUT + dt.timedelta(days=i * 10 - 30))
    day = day_number(CUT)
    inputs = services.load_inputs()  # through the facts room's history
    spec = feat.make_spec(inputs)
    ids = [a.pk for a in accounts]
    full = feat.features_as_of(inputs, day, ids, spec)
    until = feat.features_as_of(services.load_inputs(until=CUT), day, ids, spec)

    SubscriptionChange.objects.filter(effective_on__gt=CUT).delete()
    for model in (DailyAccountActivity, DailyFeatureUsage, DailyUserActivity, DailyUserFeature):
        model.objects.filter(day__gt=CUT).delete()
    Ticket.objects.filter(opened_at__date__gt=CUT).delete()
    Ticket.objects.filter(resolved_at__date__gt=CUT).update(resolved_at=None, status="open", csat=None)
    Touch.objects.filter(occurred_at__date__gt=CUT).delete()
    Contact.objects.filter(left_on__gt=CUT).update(left_on=None)

    cut = feat.features_as_of(services.load_inputs(), day, ids, spec)
    assert_frame_equal(full, cut)
    assert_frame_equal(full, until)
    assert full["tickets_90"].sum() > 0 and full["touches_90"].sum() > 0 and full["events_30"].sum() > 0


def test_each_health_measure_is_a_feature_from_the_latest_snapshot_of_the_fortnight():
    inputs = _random_inputs(random.Random("measures"))
    spec = feat.make_spec(inputs)
    start = 19000
    ids = [1, 2, 3]
    at = {d: feat.features_as_of(inputs, start + d, ids, spec) for d in (160, 200, 305, 395)}
    assert at[160].loc[1, "hm:license_utilization"] == 90.0 and at[160].loc[1, "hm:sentiment"] == 70.0
    assert np.isnan(at[200].loc[1, "hm:license_utilization"])  # no snapshot in the 14 days before
    assert at[305].loc[1, "hm:license_utilization"] == 20.0 and np.isnan(at[305].loc[1, "hm:sentiment"])
    assert at[395].loc[2, "hm:sentiment"] == 35.0 and np.isnan(at[395].loc[3, "hm:sentiment"])


@pytest.mark.django_db
def test_health_measures_load_from_the_snapshots(tmp_path):
    from tenure.health.services import backfill_health

    made = write_history(tmp_path, accounts=12)
    for kind in ("accounts", "subscriptions", "events"):
        assert import_csv(kind, made["paths"][kind]).ok
    assert backfill_health(today=CUT, days=60, step=30)
    inputs = services.load_inputs(until=CUT)
    spec = feat.make_spec(inputs)
    assert "license_utilization" in spec.health_measures
    ids = inputs.accounts["account_id"].to_numpy()
    features = feat.features_as_of(inputs, day_number(CUT), ids, spec)
    scored = features["hm:license_utilization"].dropna()
    assert len(scored) and scored.between(0, 100).all()
