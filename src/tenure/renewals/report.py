"""Pure calculations: which renewal offsets are newly reached, which opportunity a usage summary triggers, and
the churn-reason report over closed renewals. No database here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0")


def offsets_due(days_left: int, offsets: Iterable[int], opened: Iterable[int]) -> list[int]:
    """Offsets (days before the renewal) reached by ``days_left`` and not opened yet, largest first."""
    done = set(opened)
    return sorted((o for o in set(offsets) if days_left <= o and o not in done), reverse=True)


def opportunity_trigger(utilization: float | None, seats: int, high_pct: int, low_pct: int,
                        min_seats: int = 10) -> str | None:
    """high_utilization at or above ``high_pct``; unused_capacity under ``low_pct`` of at least ``min_seats``."""
    if utilization is None or seats <= 0:
        return None
    if utilization * 100 >= high_pct:
        return "high_utilization"
    if utilization * 100 < low_pct and seats >= min_seats:
        return "unused_capacity"
    return None


@dataclass(frozen=True)
class ClosedRenewalRow:
    outcome: str
    reason: str
    arr_before: Decimal
    arr_after: Decimal | None
    account_id: int | None = None
    account: str = ""


@dataclass(frozen=True)
class LostAccount:
    """An account that left for a reason: who, when, the ARR it took."""

    account_id: int
    name: str
    arr: Decimal


@dataclass
class Line:
    key: str
    count: int = 0
    arr_before: Decimal = ZERO
    arr_after: Decimal = ZERO
    accounts: list[LostAccount] = field(default_factory=list)  # churn-reason lines: who left, most ARR first

    @property
    def arr_change(self) -> Decimal:
        return self.arr_after - self.arr_before


@dataclass
class ChurnReasonReport:
    outcomes: list[Line] = field(default_factory=list)
    reasons: list[Line] = field(default_factory=list)  # churned renewals only; arr_before is the ARR lost
    total: Line = field(default_factory=lambda: Line("total"))

    @property
    def gross_retention(self) -> float | None:
        """ARR kept (capped at what was up for renewal) ÷ ARR up for renewal."""
        return None if not self.total.arr_before else float(self._kept / self.total.arr_before)

    _kept: Decimal = ZERO


def churn_reason_report(rows: Iterable[ClosedRenewalRow], outcome_order: Iterable[str],
                        reason_order: Iterable[str]) -> ChurnReasonReport:
    """Counts and ARR by outcome, and by churn reason for the churned ones; lines in the given orders, empty
    lines kept so the report's shape never changes. A churned renewal's ARR after is 0 whatever was typed.
    Each churn-reason line lists the accounts that left for it (an account that left twice, twice), most ARR first."""
    outcomes = {k: Line(k) for k in outcome_order}
    reasons = {k: Line(k) for k in reason_order}
    report = ChurnReasonReport()
    kept = ZERO
    for row in rows:
        after = ZERO if row.outcome == "churned" else (row.arr_before if row.arr_after is None else row.arr_after)
        for line in filter(None, (outcomes.get(row.outcome), report.total,
                                  reasons.get(row.reason) if row.outcome == "churned" else None)):
            line.count += 1
            line.arr_before += row.arr_before
            line.arr_after += after
        kept += min(after, row.arr_before)
        if row.outcome == "churned" and row.reason in reasons and row.account_id is not None:
            reasons[row.reason].accounts.append(LostAccount(row.account_id, row.account, row.arr_before))
    for line in reasons.values():
        line.accounts.sort(key=lambda a: (-a.arr, a.name, a.account_id))
    report.outcomes, report.reasons, report._kept = list(outcomes.values()), list(reasons.values()), kept
    return report


def churn_by_renewal(probability: float | None, horizon_days: int | None, days_left: int) -> float | None:
    """The probability that an account churns by its renewal date, from the churn model's probability over the
    model's own horizon (``horizon_days``), at a constant daily hazard: 1 − (1 − p)^(span ÷ horizon), where the
    span is the days to the renewal but never shorter than the horizon: a renewal inside the horizon is inside
    the window the model was asked about, so it carries p as it is. A renewal 180 days out, with a 30-day model,
    is six such windows away: 1 − (1 − p)^6. None without a probability, or once the renewal date has passed
    (the outcome is to be recorded, not forecast)."""
    if probability is None or not horizon_days or horizon_days <= 0 or days_left < 0:
        return None
    p = min(max(float(probability), 0.0), 1.0)
    return 1.0 - (1.0 - p) ** (max(days_left, horizon_days) / horizon_days)
