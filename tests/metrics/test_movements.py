"""MRR movements and rates on small hand-built histories, with the exact expected numbers."""

import datetime as dt
import random

import numpy as np
import pytest

from tenure.metrics import calc
from tests.metrics.histories import D, changes, months

MOVES = ["starting_mrr", "new", "expansion", "contraction", "churned", "reactivation", "ending_mrr"]


def moves(table, month):
    return [float(table.loc[month, c]) for c in MOVES]


def test_new_customer_and_mid_month_downgrade_is_contraction_not_churn():
    frame = changes(
        (1, 1, D(2025, 1, 15), 100, "active", D(2025, 1, 15), None),
        (1, 1, D(2025, 3, 10), 60, "active", D(2025, 1, 15), None),  # seats cut mid-March
    )
    table, found, _ = months(frame, D(2025, 1, 1), D(2025, 4, 30))
    assert moves(table, "2025-01") == [0, 100, 0, 0, 0, 0, 100]
    assert moves(table, "2025-02") == [100, 0, 0, 0, 0, 0, 100]
    assert moves(table, "2025-03") == [100, 0, 0, 40, 0, 0, 60]
    assert table.loc["2025-03", "grr"] == pytest.approx(0.6)
    assert table.loc["2025-03", "nrr"] == pytest.approx(0.6)
    assert table.loc["2025-03", "logo_churn_rate"] == 0
    assert table.loc["2025-03", "churned_logos"] == 0
    assert not found.periods["churned"].any()


def test_account_that_churns_and_returns_is_churn_then_reactivation():
    frame = changes(
        (1, 7, D(2025, 1, 1), 200, "canceled", D(2025, 1, 1), D(2025, 2, 14)),  # imported: start and end dates
        (2, 7, D(2025, 4, 3), 250, "active", D(2025, 4, 3), None),
    )
    table, found, _ = months(frame, D(2025, 1, 1), D(2025, 5, 31))
    assert moves(table, "2025-01") == [0, 200, 0, 0, 0, 0, 200]
    assert moves(table, "2025-02") == [200, 0, 0, 0, 200, 0, 0]
    assert table.loc["2025-02", "logo_churn_rate"] == 1
    assert table.loc["2025-02", "grr"] == 0
    assert moves(table, "2025-03") == [0, 0, 0, 0, 0, 0, 0]
    assert np.isnan(table.loc["2025-03", "grr"])  # nobody at the start: no rate, not zero
    assert moves(table, "2025-04") == [0, 0, 0, 0, 0, 250, 250]
    assert table.loc["2025-04", "reactivated_logos"] == 1
    periods = found.periods
    assert periods["churned"].tolist() == [True, False]
    assert calc.to_date(periods["churn_on"].iloc[0]) == D(2025, 2, 15)  # the first day without a subscription


def test_churn_and_return_in_the_same_month_counts_both():
    frame = changes(
        (1, 1, D(2025, 1, 1), 100, "canceled", D(2025, 1, 1), D(2025, 3, 5)),
        (2, 1, D(2025, 3, 20), 130, "active", D(2025, 3, 20), None),  # 14 days later: beyond the grace period
    )
    table, _, _ = months(frame, D(2025, 3, 1), D(2025, 3, 31))
    assert moves(table, "2025-03") == [100, 0, 0, 0, 100, 130, 130]
    assert table.loc["2025-03", "nrr"] == 0  # reactivated revenue is not retention
    assert table.loc["2025-03", "logo_churn_rate"] == 1


def test_gap_shorter_than_the_grace_period_is_bridged():
    frame = changes(
        (1, 3, D(2025, 1, 1), 100, "canceled", D(2025, 1, 1), D(2025, 1, 28)),
        (2, 3, D(2025, 2, 2), 120, "active", D(2025, 2, 2), None),  # 4 days without a subscription
    )
    table, found, _ = months(frame, D(2025, 1, 1), D(2025, 2, 28), grace=7)
    assert moves(table, "2025-01") == [0, 100, 0, 0, 0, 0, 100]  # 31 Jan is inside the bridged gap
    assert moves(table, "2025-02") == [100, 0, 20, 0, 0, 0, 120]
    assert len(found.periods) == 1 and not found.periods["churned"].any()

    table, found, _ = months(frame, D(2025, 1, 1), D(2025, 2, 28), grace=3)  # a shorter grace: churn
    assert moves(table, "2025-01") == [0, 0, 0, 0, 0, 0, 0]  # started and left between two month ends
    assert moves(table, "2025-02") == [0, 0, 0, 0, 0, 120, 120]
    assert found.periods["churned"].tolist() == [True, False]


def test_annual_plan_renewed_with_more_seats_and_one_not_renewed():
    frame = changes(
        # renewed: the same subscription moves its term forward (the billing service's history)
        (1, 1, D(2024, 6, 1), 1000, "active", D(2024, 6, 1), D(2025, 5, 31), "annual"),
        (1, 1, D(2025, 6, 1), 1100, "active", D(2025, 6, 1), D(2026, 5, 31), "annual"),
        # cancelled at the end of its term: a cancelled subscription runs to its end date
        (2, 2, D(2024, 6, 1), 500, "active", D(2024, 6, 1), D(2025, 5, 31), "annual"),
        (2, 2, D(2025, 3, 1), 500, "canceled", D(2024, 6, 1), D(2025, 5, 31), "annual"),
        # term ended without any renewal entry: lapsed
        (3, 3, D(2024, 6, 1), 300, "active", D(2024, 6, 1), D(2025, 5, 31), "annual"),
    )
    table, found, _ = months(frame, D(2025, 3, 1), D(2025, 7, 31))
    assert moves(table, "2025-03") == [1800, 0, 0, 0, 0, 0, 1800]
    assert moves(table, "2025-05") == [1800, 0, 0, 0, 0, 0, 1800]
    assert moves(table, "2025-06") == [1800, 0, 100, 0, 800, 0, 1100]
    assert table.loc["2025-06", "grr"] == pytest.approx(1000 / 1800)
    assert table.loc["2025-06", "nrr"] == pytest.approx(1100 / 1800)
    assert table.loc["2025-06", "logo_churn_rate"] == pytest.approx(2 / 3)
    churned = found.periods[found.periods["churned"]]
    assert sorted(churned["account_id"]) == [2, 3]
    assert {calc.to_date(d) for d in churned["churn_on"]} == {D(2025, 6, 1)}


def test_past_due_still_pays_and_zero_mrr_does_not():
    frame = changes(
        (1, 1, D(2025, 1, 1), 100, "active", D(2025, 1, 1), None),
        (1, 1, D(2025, 2, 10), 100, "past_due", D(2025, 1, 1), None),
        (2, 2, D(2025, 1, 1), 0, "active", D(2025, 1, 1), None),  # a free plan is not a paying customer
    )
    table, _, _ = months(frame, D(2025, 1, 1), D(2025, 2, 28))
    assert moves(table, "2025-02") == [100, 0, 0, 0, 0, 0, 100]
    assert table.loc["2025-02", "starting_logos"] == 1


def test_entries_effective_after_as_of_are_not_seen():
    frame = changes(
        (1, 1, D(2025, 1, 1), 100, "active", D(2025, 1, 1), None),
        (1, 1, D(2025, 3, 15), 0, "canceled", D(2025, 1, 1), D(2025, 3, 15)),
    )
    table, _, _ = months(frame, D(2025, 1, 1), D(2025, 3, 1))
    assert table.loc["2025-03", "ending_mrr"] == 100


def test_two_subscriptions_of_one_account_add_up():
    frame = changes(
        (1, 1, D(2025, 1, 5), 100, "active", D(2025, 1, 5), None),
        (2, 1, D(2025, 2, 5), 40, "active", D(2025, 2, 5), None),  # an add-on: expansion, not new
        (2, 1, D(2025, 3, 5), 40, "canceled", D(2025, 2, 5), D(2025, 3, 5)),  # add-on dropped: contraction
    )
    table, _, _ = months(frame, D(2025, 1, 1), D(2025, 3, 31))
    assert moves(table, "2025-02") == [100, 0, 40, 0, 0, 0, 140]
    assert moves(table, "2025-03") == [140, 0, 0, 40, 0, 0, 100]


def test_range_summary_over_customers_present_at_the_start():
    frame = changes(
        (1, 1, D(2024, 1, 1), 100, "active", D(2024, 1, 1), None),
        (1, 1, D(2024, 6, 1), 150, "active", D(2024, 1, 1), None),
        (2, 2, D(2024, 1, 1), 200, "canceled", D(2024, 1, 1), D(2024, 9, 30)),
        (3, 3, D(2024, 5, 1), 70, "active", D(2024, 5, 1), None),  # new during the year: not in GRR/NRR
    )
    today = calc.day_number(D(2024, 12, 31))
    found = calc.active_periods(calc.coverage(frame, today), today)
    m = calc.mrr_matrix(found.intervals, [calc.day_number(D(2024, 1, 1)), today])
    s = calc.movement_summary(m.mrr[:, 0], m.mrr[:, 1], m.period[:, 0], m.period[:, 1])
    assert (s["starting_mrr"], s["new"], s["expansion"], s["churned"], s["ending_mrr"]) == (
        30000, 7000, 5000, 20000, 22000)
    assert s["grr"] == pytest.approx(100 / 300)
    assert s["nrr"] == pytest.approx(150 / 300)
    assert s["logo_churn_rate"] == pytest.approx(1 / 2)
    assert calc.adds_up(s)


def test_cohort_curves():
    frame = changes(
        (1, 1, D(2025, 1, 3), 100, "active", D(2025, 1, 3), None),
        (1, 1, D(2025, 3, 1), 200, "active", D(2025, 1, 3), None),
        (2, 2, D(2025, 1, 20), 100, "canceled", D(2025, 1, 20), D(2025, 2, 10)),
        (3, 3, D(2025, 2, 1), 50, "active", D(2025, 2, 1), None),
    )
    today = calc.day_number(D(2025, 3, 31))
    found = calc.active_periods(calc.coverage(frame, today), today)
    ends = calc.month_ends(D(2025, 1, 1), D(2025, 3, 31))
    m = calc.mrr_matrix(found.intervals, [calc.day_number(d) for d in ends])
    table = calc.cohort_table(found.periods, m).set_index(["cohort", "months_since"])
    jan = table.loc["2025-01"]
    assert jan["accounts"].tolist() == [2, 2, 2]
    assert jan["logo_retention"].tolist() == [1.0, 0.5, 0.5]
    assert jan["revenue_retention"].tolist() == [1.0, 0.5, 1.0]  # 200 ÷ 200 at the start: net of expansion
    assert table.loc[("2025-02", 0), "logos"] == 1


@pytest.mark.parametrize("seed", range(12))
def test_movements_always_add_up_on_random_histories(seed):
    rng = random.Random(f"movements:{seed}")
    entries, sub = [], 0
    for account in range(1, 30):
        day = D(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 400))
        for _ in range(rng.randint(1, 4)):  # successive subscriptions, with gaps of any length
            sub += 1
            start = day
            length = rng.randint(5, 400)
            status = rng.choice(["active", "canceled", "past_due", "trialing"])
            end = start + dt.timedelta(days=length) if status == "canceled" or rng.random() < 0.5 else None
            eff = start
            for _ in range(rng.randint(1, 4)):  # changes of MRR along the way
                entries.append((sub, account, eff, rng.choice([0, 50, 99.99, 120, 1000]), status, start, end))
                eff = eff + dt.timedelta(days=rng.randint(1, 90))
            day = (end or eff) + dt.timedelta(days=rng.randint(1, 40))
    frame = changes(*entries)
    as_of = D(2025, 6, 30)
    for grace in (0, 7, 30):
        table, found, _matrix = months(frame, D(2023, 1, 1), as_of, grace=grace)
        for _, row in table.iterrows():
            assert calc.adds_up({k: round(row[k] * 100) for k in MOVES})
        # consecutive months chain: this month's start is last month's end
        assert np.allclose(table["starting_mrr"].to_numpy()[1:], table["ending_mrr"].to_numpy()[:-1])
        # every churned logo at a month end belongs to a churned period
        assert (table["churned_logos"] >= 0).all()
        assert (found.periods["end"] >= found.periods["start"]).all()
