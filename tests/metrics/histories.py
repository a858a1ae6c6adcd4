"""Hand-built subscription histories as plain frames, for the formula tests (no database)."""

import datetime as dt

from tenure.metrics import calc

D = dt.date


def changes(*entries):
    """entries: (subscription, account, effective_on, mrr dollars, status, start_date, end_date[, billing_period])"""
    rows = []
    for order, e in enumerate(entries):
        sub, account, eff, mrr, status, start, end = e[:7]
        period = e[7] if len(e) > 7 else "monthly"
        rows.append((sub, account, eff, order, round(mrr * 100), 10, status, start, end, "Growth", period))
    return calc.changes_frame(rows)


def months(frame, first: dt.date, as_of: dt.date, grace: int = 7, accounts=None):
    """Monthly movements from ``first``'s month to as_of's, money in dollars."""
    today = calc.day_number(as_of)
    found = calc.active_periods(calc.coverage(frame, today), today, grace)
    ends = [first.replace(day=1) - dt.timedelta(days=1), *calc.month_ends(first, as_of, as_of)]
    matrix = calc.mrr_matrix(found.intervals, [calc.day_number(d) for d in ends], accounts=accounts)
    table = calc.monthly_movements(matrix)
    for c in ("starting_mrr", "new", "expansion", "contraction", "churned", "reactivation", "ending_mrr"):
        table[c] = table[c] / 100
    return table.set_index("month"), found, matrix
