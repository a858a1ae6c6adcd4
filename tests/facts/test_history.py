"""The facts layer's multi-day form: the history up to a day is the same whether or not later rows exist, and
the executive sponsor and the champion stay separate facts."""

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone
from pandas.testing import assert_frame_equal

from tenure.billing.services import update_subscription
from tenure.facts.days import FAR, day_number
from tenure.facts.history import last_known_day, load_history
from tenure.support.models import Ticket
from tenure.surveys.models import SurveyKind, SurveyResponse
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, DailyUserActivity
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch

D = dt.date(2026, 3, 31)
DAY = dt.timedelta(days=1)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _records(account, days: list[dt.date]):
    """One of every dated kind of record on each day."""
    sponsor, champion = account.contacts.order_by("pk")
    for i, day in enumerate(days):
        make_touch(account, occurred_at=at(day), contacts=[sponsor if i % 2 else champion],
                   sentiment="negative" if i % 3 else "positive")
        make_ticket(account, opened_at=at(day), priority="high" if i % 2 else "normal")
        for u in range(1 + i % 3):
            DailyUserActivity.objects.create(account=account, user_key=f"u{i % 4 + u}", day=day, events=1)
        DailyAccountActivity.objects.create(account=account, day=day, active_users=1 + i % 3, logins=i, events=5)
        DailyFeatureUsage.objects.create(account=account, day=day, event="Report Exported", count=i + 1)
        SurveyResponse.objects.create(account=account, contact=sponsor, kind=SurveyKind.NPS, score=i % 11,
                                      answered_at=at(day))


@pytest.fixture
def world(db):
    account = make_account(name="Leaky Ltd")
    make_contact(account, name="Sam Sponsor", roles=["executive_sponsor"])
    make_contact(account, name="Cleo Champion", roles=["champion"])
    sub = make_subscription(account, start_date=D - 400 * DAY, end_date=D + 30 * DAY, seats=20, mrr=1000)
    update_subscription(sub, seats=25, mrr=1250, effective_on=D - 40 * DAY)
    _records(account, [D - k * DAY for k in (200, 95, 45, 31, 10, 1, 0)])
    return account, sub


def _frames(history):
    return {f.name: getattr(history, f.name) for f in dataclasses.fields(history)}


def test_the_history_until_a_day_ignores_everything_after_it(world):
    account, sub = world
    before = _frames(load_history(until=D))
    # The future: more of every record, a seat cut, a departure, an open ticket resolved and rated.
    _records(account, [D + k * DAY for k in (1, 2, 5, 20)])
    update_subscription(sub, seats=5, mrr=250, effective_on=D + 2 * DAY)
    account.contacts.filter(name="Sam Sponsor").update(left_on=D + 3 * DAY)
    Ticket.objects.filter(opened_at__lt=at(D - 30 * DAY)).update(status="solved", resolved_at=at(D + 4 * DAY),
                                                                 csat=2)
    after = _frames(load_history(until=D))
    for name, frame in before.items():
        assert_frame_equal(frame, after[name], obj=name)
    # ...and without the cut the later rows are there, so the comparison above could fail.
    everything = load_history()
    assert everything.changes["effective_on"].max() == day_number(D + 2 * DAY)
    assert everything.activity["day"].max() == day_number(D + 20 * DAY)
    assert (everything.contacts["left_on"] == day_number(D + 3 * DAY)).any()
    assert (everything.tickets["resolved"] == day_number(D + 4 * DAY)).any()
    assert len(everything.touches) > len(before["touches"]) and len(everything.nps) > len(before["nps"])


def test_since_skips_only_the_older_usage(world):
    cut = load_history(since=D - 31 * DAY)
    assert cut.activity["day"].min() == day_number(D - 31 * DAY)
    assert len(cut.tickets) == len(load_history().tickets)  # tickets, touches and the rest are all kept


def test_the_executive_sponsor_and_the_champion_are_separate_facts(world):
    history = load_history(until=D)
    contacts = history.contacts.sort_values("executive_sponsor")
    assert contacts[["executive_sponsor", "champion"]].values.tolist() == [[False, True], [True, False]]
    assert (contacts["left_on"] == FAR).all()
    touches = history.touches
    # every touch had exactly one of them: never both, never neither
    assert (touches["with_executive_sponsor"] != touches["with_champion"]).all()
    assert touches["with_executive_sponsor"].sum() == 3 and touches["with_champion"].sum() == 4


def test_a_history_that_stopped_is_read_as_of_its_last_day(db):
    """Imported terms that all ended before today: the readers' day is the last day the data knows."""
    today = dt.date(2026, 12, 1)
    assert last_known_day(today) == today  # nothing stored: today
    account = make_account()
    make_subscription(account, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 3, 31))
    DailyAccountActivity.objects.create(account=account, day=dt.date(2025, 3, 20), active_users=2)
    assert last_known_day(today) == dt.date(2025, 3, 20)  # its latest usage
    make_subscription(account, start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 1, 31))
    assert last_known_day(today) == dt.date(2025, 3, 20)  # an annual term runs on, but the usage stopped
    DailyAccountActivity.objects.create(account=account, day=today - dt.timedelta(days=3), active_users=1)
    assert last_known_day(today) == today  # usage flows: a live business stands on today


def test_an_export_whose_usage_runs_to_the_ends_of_the_terms_is_read_as_of_its_last_term_start(db):
    """As the published churn simulations write them: monthly terms recorded up to the export day, each customer's
    events to the end of their current term. Read on the last usage day, everyone whose term ended since would
    look lost; the last term start is the day the record stops."""
    today = dt.date(2026, 12, 1)
    export = dt.date(2025, 6, 30)
    for i in range(10):
        account = make_account(name=f"Member {i}")
        start = dt.date(2025, 6, 1) + dt.timedelta(days=3 * i)  # the current term, started during June
        end = dt.date(2025, 7, 1) + dt.timedelta(days=3 * i) - dt.timedelta(days=1)
        make_subscription(account, start_date=start - dt.timedelta(days=30), end_date=start - dt.timedelta(days=1))
        make_subscription(account, start_date=start, end_date=end)
        DailyAccountActivity.objects.create(account=account, day=end, active_users=1)  # used to the term's end
    assert last_known_day(today) == dt.date(2025, 6, 28)  # the last term start, not 27 July's usage
    assert last_known_day(today) <= export
    # usage that stops with the export: its last day, with the customers paying on it
    DailyAccountActivity.objects.filter(day__gt=export).update(day=export)
    assert last_known_day(today) == export


def test_without_usage_a_history_stopped_when_nobody_pays_today(db):
    today = dt.date(2026, 12, 1)
    account = make_account()
    make_subscription(account, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 3, 31))
    assert last_known_day(today) == dt.date(2025, 1, 1)  # its latest subscription change
    make_subscription(account, start_date=dt.date(2025, 1, 1), end_date=None)
    assert last_known_day(today) == today
