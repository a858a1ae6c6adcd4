"""A play that prepares an event is dated back from it: never a step due after the event it prepares."""

import datetime as dt

from tenure.risk.plays import DEFAULT_PLAYS, due_dates

RENEWAL_STEPS = [(step[0], step[3]) for step in next(p for p in DEFAULT_PLAYS if p["key"] == "renewal-90")["steps"]]
START = dt.date(2026, 6, 1)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def test_the_renewal_of_6_december_found_on_1_december_has_every_step_before_it():
    # The case: dated from the signal, the proposal fell due on 15 Jan and the decision on 14 Feb.
    renewal = dt.date(2026, 12, 6)
    dates = due_dates(RENEWAL_STEPS, dt.date(2026, 12, 1), renewal)
    assert dates[0] == dt.date(2026, 12, 1) and all(d < renewal for d in dates)
    assert dates == sorted(dates)


def test_a_renewal_28_days_away_gets_its_steps_compressed_before_it():
    dates = due_dates(RENEWAL_STEPS, START, START + days(28))
    assert dates[0] == START and dates[-1] < START + days(28)
    assert dates == sorted(dates) and len(set(dates)) == len(dates)  # still one after another


def test_a_renewal_far_enough_away_keeps_the_plays_lead_times():
    renewal = START + days(120)
    assert due_dates(RENEWAL_STEPS, START, renewal) == [renewal - days(b) for _, b in RENEWAL_STEPS]


def test_for_every_lead_time_no_step_is_due_before_the_start_or_on_or_after_the_event():
    for left in range(1, 200):
        event = START + days(left)
        dates = due_dates(RENEWAL_STEPS, START, event)
        assert all(START <= d < event for d in dates), left
        assert dates == sorted(dates), left


def test_a_run_starting_on_the_event_day_is_due_that_day():
    assert due_dates(RENEWAL_STEPS, START, START) == [START] * len(RENEWAL_STEPS)


def test_plays_that_prepare_no_event_are_dated_from_their_start():
    assert due_dates([(0, None), (7, None)], START, START + days(3)) == [START, START + days(7)]
    assert due_dates(RENEWAL_STEPS, START) == [START + days(a) for a, _ in RENEWAL_STEPS]
