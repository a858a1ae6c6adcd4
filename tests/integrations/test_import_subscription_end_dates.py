"""One history, written with exclusive end dates (the next term's start, as billing systems export it) and with
inclusive ones (the last paid day): imported with the matching ``--end-dates``, both give the same stored terms,
the same retention metrics and the same churn outcomes, and those are the hand count below.

Monthly terms renew at month ends too (an account anchored on the 31st), which is where reading an exclusive
end as inclusive counted a renewal twice (issue 11: Feb's ending MRR up 8.4% and phantom expansion).
"""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from tenure.billing.models import Subscription
from tenure.billing.services import EndDates, stored_end_date
from tenure.facts import outcomes
from tenure.facts.days import day_number
from tenure.facts.history import load_changes
from tenure.integrations.csv_import import ImportFileError, import_csv
from tenure.metrics import services as metrics
from tests.factories import make_account

pytestmark = pytest.mark.django_db

D = dt.date
AS_OF = D(2026, 6, 30)
HEADER = "external_id,account_crm_id,plan,mrr,start_date,end_date,status,billing_period"

# (external id, account, MRR, start, end as the billing system writes it (exclusive), status, period)
TERMS = [
    # A: monthly on the 1st, $100, raised to $150 from April.
    *[(f"a-{m}", "A", 100 if m < 4 else 150, D(2026, m, 1), D(2026, m + 1, 1), "active", "monthly")
      for m in range(1, 7)],
    # B: monthly anchored on the month's last day, $200, cut to $80 from May 31.
    ("b-1", "B", 200, D(2026, 1, 31), D(2026, 2, 28), "active", "monthly"),
    ("b-2", "B", 200, D(2026, 2, 28), D(2026, 3, 31), "active", "monthly"),
    ("b-3", "B", 200, D(2026, 3, 31), D(2026, 4, 30), "active", "monthly"),
    ("b-4", "B", 200, D(2026, 4, 30), D(2026, 5, 31), "active", "monthly"),
    ("b-5", "B", 80, D(2026, 5, 31), D(2026, 6, 30), "active", "monthly"),
    ("b-6", "B", 80, D(2026, 6, 30), D(2026, 7, 31), "active", "monthly"),
    # C: anchored on the 31st too, $50, cancelled: its last paid day is March 30.
    ("c-1", "C", 50, D(2026, 1, 31), D(2026, 2, 28), "active", "monthly"),
    ("c-2", "C", 50, D(2026, 2, 28), D(2026, 3, 31), "canceled", "monthly"),
    # D: one month, gone, back in April (a reactivation).
    ("d-1", "D", 60, D(2026, 1, 1), D(2026, 2, 1), "canceled", "monthly"),
    ("d-2", "D", 60, D(2026, 4, 1), D(2026, 5, 1), "active", "monthly"),
    ("d-3", "D", 60, D(2026, 5, 1), D(2026, 6, 1), "active", "monthly"),
    ("d-4", "D", 60, D(2026, 6, 1), D(2026, 7, 1), "active", "monthly"),
    # E: an annual term from mid-March.
    ("e-1", "E", 1000, D(2026, 3, 15), D(2027, 3, 15), "active", "annual"),
]

# The hand count, month by month (dollars): MRR at each month end, from the terms above.
#            A    B    C    D     E    total
# Dec 31     0    0    0    0     0       0
# Jan 31   100  200   50   60     0     410  new 410
# Feb 28   100  200   50    0     0     350  churned 60 (D's term ended Jan 31)
# Mar 31   100  200    0    0  1000    1300  new 1000 (E), churned 50 (C paid to Mar 30)
# Apr 30   150  200    0   60  1000    1410  expansion 50 (A), reactivation 60 (D)
# May 31   150   80    0   60  1000    1290  contraction 120 (B)
# Jun 30   150   80    0   60  1000    1290  nothing
HAND_COUNT = {  # month: (starting, new, expansion, contraction, churned, reactivation, ending)
    "2026-01": (0, 410, 0, 0, 0, 0, 410),
    "2026-02": (410, 0, 0, 0, 60, 0, 350),
    "2026-03": (350, 1000, 0, 0, 50, 0, 1300),
    "2026-04": (1300, 0, 50, 0, 0, 60, 1410),
    "2026-05": (1410, 0, 0, 120, 0, 0, 1290),
    "2026-06": (1290, 0, 0, 0, 0, 0, 1290),
}
COLUMNS = ("starting_mrr", "new", "expansion", "contraction", "churned", "reactivation", "ending_mrr")

# Renewals on the first day of each renewed term (the day after the last paid day), churns on the first unpaid
# day; a term that ends on the as-of day is not settled yet.
HAND_OUTCOMES = sorted(
    [("A", D(2026, m, 1), False) for m in range(2, 7)]
    + [("B", d, False) for d in (D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30), D(2026, 5, 31), D(2026, 6, 30))]
    + [("C", D(2026, 2, 28), False), ("C", D(2026, 3, 31), True)]
    + [("D", D(2026, 2, 1), True), ("D", D(2026, 5, 1), False), ("D", D(2026, 6, 1), False)],
    key=lambda o: (o[1], o[0], o[2]),
)


def _file(tmp_path, inclusive: bool):
    lines = [HEADER]
    for ext, account, mrr, start, end, status, period in TERMS:
        written = end - dt.timedelta(days=1) if inclusive else end
        lines.append(f"{ext},{account},Growth,{mrr},{start},{written},{status},{period}")
    path = tmp_path / ("inclusive.csv" if inclusive else "exclusive.csv")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def accounts():
    return {crm: make_account(name=f"Account {crm}", crm_id=crm) for crm in "ABCDE"}


def _import(path, *options) -> str:
    err = io.StringIO()
    call_command("import", "subscriptions", str(path), *options, stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def _report():
    report = metrics.retention(metrics.Filters(months=6), as_of=AS_OF)
    return {row["month"]: tuple(row[c] for c in COLUMNS) for row in report.months.to_dict("records")}, report


def _outcomes(accounts):
    name = {a.pk: crm for crm, a in accounts.items()}
    found = outcomes.outcomes(load_changes(), day_number(AS_OF), grace_days=7)
    return [(name[o.account_id], o.day, o.churned) for o in found]


def _stored_terms():
    return sorted(Subscription.objects.values_list("external_id", "start_date", "end_date"))


@pytest.mark.parametrize("told", [True, False], ids=["told", "decided-from-the-file"])
@pytest.mark.parametrize("written", ["exclusive", "inclusive"])
def test_month_end_renewals_give_the_hand_count_whichever_way_end_dates_are_written(tmp_path, accounts, written,
                                                                                     told):
    warnings = _import(_file(tmp_path, inclusive=written == "inclusive"), *(("--end-dates", written) if told else ()))

    months, report = _report()
    assert months == {m: tuple(Decimal(v).quantize(Decimal("0.01")) for v in row) for m, row in HAND_COUNT.items()}
    assert months["2026-02"][-1] == Decimal("350.00")  # not 600: B's and C's Feb 28 renewals counted once
    feb = next(r for r in report.months.to_dict("records") if r["month"] == "2026-02")
    assert (feb["grr"], feb["nrr"], feb["logo_churn_rate"]) == (pytest.approx(350 / 410), pytest.approx(350 / 410),
                                                                 pytest.approx(1 / 4))
    may = next(r for r in report.months.to_dict("records") if r["month"] == "2026-05")
    assert (may["grr"], may["nrr"], may["logo_churn_rate"]) == (pytest.approx(1290 / 1410),
                                                                 pytest.approx(1290 / 1410), 0)
    assert _outcomes(accounts) == HAND_OUTCOMES
    assert "warning" not in warnings
    if not told:  # the import says which reading it chose, and why
        assert f"note: End dates read as {written}" in warnings


def test_both_conventions_store_the_same_terms(tmp_path, accounts):
    _import(_file(tmp_path, inclusive=False), "--end-dates", "exclusive")
    from_exclusive = _stored_terms()
    Subscription.objects.all().delete()

    _import(_file(tmp_path, inclusive=True), "--end-dates", "inclusive")

    assert _stored_terms() == from_exclusive
    assert ("b-1", D(2026, 1, 31), D(2026, 2, 27)) in from_exclusive  # the last paid day


def test_exclusive_end_dates_read_as_inclusive_double_count_renewals_and_the_import_says_so(tmp_path, accounts):
    warnings = _import(_file(tmp_path, inclusive=False), "--end-dates", "inclusive")  # the mistake of issue 11

    months, _ = _report()
    assert months["2026-02"][-1] == Decimal("600.00")  # B and C paid twice on Feb 28
    assert ("13 of 19 terms end on the day another term of their account starts (line 2 ends 2026-02-01, line 3 "
            "starts on it)") in warnings
    assert "import with exclusive end dates (--end-dates exclusive)" in warnings


def test_inclusive_end_dates_read_as_exclusive_are_flagged_too(tmp_path, accounts):
    warnings = _import(_file(tmp_path, inclusive=True), "--end-dates", "exclusive")

    assert ("13 of 19 terms end the day before another term of their account starts (line 2 ends 2026-01-31, "
            "line 3 starts 2026-02-01)") in warnings


def test_an_exclusive_end_on_the_start_day_is_an_empty_term(csv_file, accounts):
    path = csv_file(f"""
        {HEADER}
        x-1,A,Growth,10,2026-03-01,2026-03-01,canceled,monthly
    """)

    result = import_csv("subscriptions", path, options={"end_dates": "exclusive"})

    assert result.error_lines() == [
        "line 2, column 'end_date': is the start date: with exclusive end dates a term ends after the day it starts"
    ]


def test_end_dates_is_an_option_of_subscription_imports_only(csv_file, accounts):
    path = csv_file("crm_id,name\nA,Acme\n")

    with pytest.raises(ImportFileError, match="accounts imports take no end-dates option"):
        import_csv("accounts", path, options={"end_dates": "exclusive"})
    with pytest.raises(ImportFileError, match="end-dates 'sideways': choose one of auto, inclusive, exclusive"):
        import_csv("subscriptions", csv_file(f"{HEADER}\n", name="subs.csv"), options={"end_dates": "sideways"})


def test_stored_end_date_converts_only_exclusive_dates():
    assert stored_end_date(D(2026, 3, 1), EndDates.EXCLUSIVE) == D(2026, 2, 28)
    assert stored_end_date(D(2026, 2, 28), "inclusive") == D(2026, 2, 28)
    assert stored_end_date(None, "exclusive") is None
