"""The churn-reason report names the accounts that left for each reason, most ARR first, each a link to its page."""

import datetime as dt
from decimal import Decimal as D

from tenure.renewals.models import ChurnReason, Renewal, RenewalOutcome
from tenure.renewals.report import ClosedRenewalRow as Row
from tenure.renewals.report import churn_reason_report
from tests.factories import make_account, make_subscription


def line(report, key):
    return next(x for x in report.reasons if x.key == key)


def test_each_reason_lists_who_left_for_it_most_arr_first():
    rows = [Row("churned", "competitor", D("500"), None, 1, "Small Co"),
            Row("churned", "competitor", D("900"), None, 2, "Big Co"),
            Row("churned", "budget_cuts", D("300"), None, 3, "Thrifty"),
            Row("renewed", "", D("800"), None, 4, "Stayer")]
    report = churn_reason_report(rows, RenewalOutcome.values, ChurnReason.values)
    assert [(a.account_id, a.name, a.arr) for a in line(report, "competitor").accounts] == [
        (2, "Big Co", D("900")), (1, "Small Co", D("500"))]
    assert [a.name for a in line(report, "budget_cuts").accounts] == ["Thrifty"]
    assert all(a.name != "Stayer" for x in report.reasons for a in x.accounts)  # a renewal is not a loss
    assert line(report, "other").accounts == []


def test_the_page_links_each_lost_account_under_its_reason(csm_client):
    left = make_account(name="Gone Away Ltd")
    kept = make_account(name="Still Here Inc")
    for account, outcome, reason in [(left, "churned", "competitor"), (kept, "renewed", "")]:
        Renewal.objects.create(account=account, subscription=make_subscription(account), status="closed",
                               renewal_on=dt.date(2026, 3, 1), arr_before=D("12000"), outcome=outcome, reason=reason)
    html = csm_client.get("/renewals/reasons/?start=2026-01-01&end=2026-12-31").content.decode()
    table = html[html.index('id="churn-reasons"'):]
    table = table[:table.index("</table>")]
    row = table[table.index("Moved to a competitor"):]
    row = row[:row.index("</tr>")]
    assert f'<a href="/accounts/{left.pk}/">Gone Away Ltd</a>' in row
    assert "12,000" in row
    assert "Still Here Inc" not in table
