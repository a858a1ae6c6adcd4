"""Each measure's raw value, read from real rows with only what was known on the as-of day."""

import datetime as dt

import pytest

from tenure.facts import load_facts
from tenure.health.measures import raw_values
from tenure.health.services import record_pulse
from tenure.surveys.services import record_response
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch
from tests.health.conftest import TODAY, at, use

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def raws(account, day=TODAY):
    return raw_values(load_facts([account.pk], day))[account.pk]


@pytest.fixture
def account():
    a = make_account()
    make_subscription(a, seats=10, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 9, 27))
    return a


def test_license_utilization_is_people_active_in_30_days_over_seats(account, key_features):
    use(account, TODAY, ["u1", "u2"])
    use(account, TODAY - 29 * DAY, ["u2", "u3"])
    use(account, TODAY - 30 * DAY, ["u4"])  # outside the window
    assert raws(account)["license_utilization"] == pytest.approx(30.0)


def test_active_user_trend_compares_with_the_30_days_before(account, key_features):
    use(make_account(), TODAY - 200 * DAY, ["z"])  # usage has been recorded for long enough
    use(account, TODAY - 40 * DAY, ["a", "b", "c", "d", "e"])
    use(account, TODAY - 2 * DAY, ["a", "b", "c"])
    assert raws(account)["active_user_trend"] == pytest.approx(-40.0)


def test_trend_is_missing_without_users_before_and_utilization_missing_without_seats(key_features):
    a = make_account()
    make_subscription(a, seats=0, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31))
    use(a, TODAY, ["x"])
    r = raws(a)
    assert r["active_user_trend"] is None and r["license_utilization"] is None


def test_key_feature_breadth_counts_key_features_used_in_30_days(account, key_features):
    use(account, TODAY - 3 * DAY, ["u1"], ("Report Exported", "Search Run"))
    use(account, TODAY - 10 * DAY, ["u1"], ("Alert Created", "Report Exported"))
    use(account, TODAY - 45 * DAY, ["u1"], ("Teammate Invited",))
    assert raws(account)["key_feature_breadth"] == pytest.approx(50.0)  # 2 of 4 key features


def test_days_since_activity(account, key_features):
    use(account, TODAY - 12 * DAY, ["u1"])
    use(account, TODAY + 2 * DAY, ["u1"])  # the future of the as-of day does not count
    assert raws(account)["days_since_activity"] == 12
    assert raws(account, TODAY - 20 * DAY)["days_since_activity"] is None


def test_support_burden_counts_open_high_priority_tickets_and_the_oldest_open_one(account):
    make_ticket(account, priority="urgent", opened_at=at(TODAY - 20 * DAY))
    make_ticket(account, priority="high", opened_at=at(TODAY - 5 * DAY))
    make_ticket(account, priority="low", opened_at=at(TODAY - 40 * DAY))
    make_ticket(account, priority="high", opened_at=at(TODAY - 50 * DAY), status="solved",
                resolved_at=at(TODAY - 45 * DAY))
    r = raws(account)
    assert r["open_high_tickets"] == 2
    assert r["oldest_open_ticket"] == 40
    # on a day the solved one was still open, and the newer ones not yet opened
    early = raws(account, TODAY - 47 * DAY)
    assert early["open_high_tickets"] == 1 and early["oldest_open_ticket"] == 3


def test_no_open_ticket_is_zero_burden_not_missing(account):
    r = raws(account)
    assert r["open_high_tickets"] == 0 and r["oldest_open_ticket"] == 0


def test_sentiment_weighs_nps_pulse_and_touches_fading_with_age(account):
    assert raws(account)["sentiment"] is None
    record_response(account=account, score=10, answered_at=at(TODAY))
    # one fresh 100 reading of weight 1 beside the neutral prior (weight 0.5): (100 + 25) / 1.5
    assert raws(account)["sentiment"] == pytest.approx(125 / 1.5)
    record_pulse(account=account, rating="red", created_at=at(TODAY - 90 * DAY))
    # the red pulse counts double but is one half-life old: weight 1
    assert raws(account)["sentiment"] == pytest.approx((100 + 0 + 25) / 2.5)
    make_touch(account, sentiment="negative", occurred_at=at(TODAY - 400 * DAY))  # older than a year: ignored
    assert raws(account)["sentiment"] == pytest.approx((100 + 0 + 25) / 2.5)


def test_sponsor_engagement_is_days_since_a_touch_with_a_sponsor_or_champion_still_there(account):
    assert raws(account)["sponsor_engagement"] is None  # nobody on record
    sponsor = make_contact(account, roles=["executive_sponsor"])
    champion = make_contact(account, roles=["champion"], left_on=TODAY - 10 * DAY)
    assert raws(account)["sponsor_engagement"] == 365  # there is a sponsor, never touched
    make_touch(account, occurred_at=at(TODAY - 40 * DAY), contacts=[sponsor])
    make_touch(account, occurred_at=at(TODAY - 15 * DAY), contacts=[champion])  # has left since
    assert raws(account)["sponsor_engagement"] == 40
    assert raws(account, TODAY - 12 * DAY)["sponsor_engagement"] == 3  # the champion was still there


def test_renewal_proximity_and_subscription_history_as_of(account):
    assert raws(account)["renewal_proximity"] == (dt.date(2026, 9, 27) - TODAY).days
    assert raw_values(load_facts([account.pk], dt.date(2025, 12, 1))) == {}  # no live subscription yet: not scored


def test_usage_is_unknown_not_zero_before_any_usage_was_recorded(account, key_features):
    assert raws(account)["license_utilization"] is None  # no usage recorded anywhere yet
    use(make_account(), TODAY - 20 * DAY, ["z"])  # recording began 20 days ago: 30-day figures still unknown
    r = raws(account)
    assert r["license_utilization"] is None and r["key_feature_breadth"] is None
    use(make_account(), TODAY - 40 * DAY, ["y"])  # 40 days ago: 30-day figures known, the trend not yet
    r = raws(account)
    assert r["license_utilization"] == 0 and r["key_feature_breadth"] == 0 and r["active_user_trend"] is None
