"""Facts for many days at once (``load_facts_on_days``) are the facts of each day (``load_facts``)."""

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.facts import Windows, load, load_facts, load_facts_on_days, user_days
from tenure.facts.load import UserDays
from tenure.usage.models import DailyUserActivity, DailyUserFeature
from tests.factories import make_account, make_subscription
from tests.facts.test_leakage import DAY, D, world  # noqa: F401  (the fixture: one of every input over a year)


def _as_dict(facts):
    return {pk: dataclasses.asdict(f) for pk, f in facts.items()}


def test_facts_on_many_days_are_each_days_facts(world):  # noqa: F811
    account, _, _ = world
    other = make_account(name="Quiet Co")  # no usage at all
    make_subscription(other, start_date=D - 100 * DAY, seats=5)
    for u, back in (("a", 5), ("b", 33), ("a", 70)):  # users of the same name at another account are other people
        DailyUserActivity.objects.create(account=other, user_key=f"u{u}", day=D - back * DAY, events=1)
        DailyUserFeature.objects.create(account=other, user_key=f"u{u}", day=D - back * DAY,
                                        event="Report Exported", count=1)
    ids = [account.pk, other.pk]
    grid = [D - k * DAY for k in (400, 210, 121, 90, 60, 35, 30, 29, 7, 1, 0)] + [D + 40 * DAY]
    for windows in (None, Windows(usage=14, earlier=45)):
        many = load_facts_on_days(ids, grid, windows)
        assert sorted(many) == sorted(grid)
        for day in grid:
            assert _as_dict(many[day]) == _as_dict(load_facts(ids, day, windows)), day


def test_only_the_parts_asked_for_are_loaded(world):  # noqa: F811
    account, _, _ = world
    parts = ("subscriptions", "features")
    many = load_facts_on_days([account.pk], [D - 30 * DAY, D], parts=parts)
    for day, facts in many.items():
        assert _as_dict(facts) == _as_dict(load_facts([account.pk], day, parts=parts))
    assert not many[D][account.pk].texts and many[D][account.pk].active_users


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(100, 140)), max_size=60),
       first=st.integers(90, 150), length=st.integers(-3, 40))
def test_user_days_counts_each_groups_distinct_users_in_a_window(rows, first, length):
    last = first + length
    groups = np.array([r[0] * 1000 for r in rows], dtype="int64")  # any group numbers, not only small ones
    users_days = UserDays(groups, [r[1] for r in rows], [r[2] for r in rows])
    counts = users_days.count(first, last)
    for group in {g for g, _, _ in rows}:
        expected = len({u for g, u, d in rows if g == group and first <= d <= last})
        assert counts[users_days.code[group * 1000]] == expected


def test_too_many_rollup_rows_to_hold_are_counted_day_by_day(world, monkeypatch):  # noqa: F811
    account, _, _ = world
    grid = [D - 40 * DAY, D]
    monkeypatch.setattr(user_days, "ROWS_AT_ONCE", 0)
    assert load._Counted.read([account.pk], grid, Windows()) is None
    many = load_facts_on_days([account.pk], grid)
    for day in grid:
        assert _as_dict(many[day]) == _as_dict(load_facts([account.pk], day))
    assert many[D][account.pk].active_users and many[D][account.pk].features[0].users_now


def test_the_earlier_windows_users_are_a_part_of_their_own(world):  # noqa: F811
    # The pages read "usage" (the last two windows) without the disengagement signal's third, earlier one.
    account, _, _ = world
    for u, back in (("p", 100), ("q", 95), ("p", 3)):  # two people in the earlier window (90 days back by default)
        DailyUserActivity.objects.create(account=account, user_key=u, day=D - back * DAY, events=1)
    full = load_facts([account.pk], D)[account.pk]
    light = load_facts([account.pk], D, parts=("usage",))[account.pk]
    assert full.active_users_earlier >= 2 and light.active_users_earlier == 0
    assert (light.active_users, light.active_users_before) == (full.active_users, full.active_users_before)
    for parts in (("usage",), ("usage_earlier",)):
        many = load_facts_on_days([account.pk], [D - 7 * DAY, D], parts=parts)
        for day, facts in many.items():
            assert _as_dict(facts) == _as_dict(load_facts([account.pk], day, parts=parts))
