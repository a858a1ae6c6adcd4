"""Cohorts: cells shaded by logo retention with a legend in words, the as-of month marked as a month so far and
left out of the curves; retention's table never shows "−0.00" for a month without contraction or churn."""

import datetime as dt
import json
import re

import pytest

from tenure.metrics.views import heat_level
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 15)  # mid-month: June is a month so far


@pytest.fixture
def cohort(db):
    """Four customers from January 2026; two leave at the end of March (half the logos kept from April)."""
    for i in range(4):
        account = make_account(name=f"Jan {i}")
        end = dt.date(2026, 3, 31) if i < 2 else dt.date(2026, 12, 31)
        make_subscription(account, mrr="1000", start_date=dt.date(2026, 1, 5), end_date=end,
                          status="canceled" if i < 2 else "active")


def test_heat_levels_follow_the_share_kept():
    assert [heat_level(x) for x in (1.0, 0.95, 0.9, 0.8, 0.6, 0.5, 0.49, 0.0)] == [4, 4, 3, 2, 1, 1, 0, 0]
    assert heat_level(None) is None


def cells(html: str) -> list[tuple[str, str]]:
    row = html[html.index('<th scope="row">2026-01</th>'):]
    row = row[:row.index("</tr>")]
    return re.findall(r'<td class="heat ([^"]*)"[^>]*>(\d+%)', row)


def test_cohort_cells_are_shaded_with_a_legend_and_the_month_so_far_marked(reader_client, cohort):
    html = reader_client.get("/metrics/cohorts/", {"as_of": AS_OF.isoformat(), "months": 12}).content.decode()
    found = cells(html)
    assert [share for _, share in found] == ["100%", "100%", "100%", "50%", "50%", "50%"]  # Jan … Jun
    assert [cls.split()[0] for cls, _ in found] == ["heat-4", "heat-4", "heat-4", "heat-1", "heat-1", "heat-1"]
    assert ["partial" in cls for cls, _ in found] == [False] * 5 + [True]
    assert "(to 15 Jun, month so far)" in html
    legend = html[html.index('id="heat-legend"'):]
    legend = re.sub(r"<[^>]+>", "", legend[:legend.index("</p>")])
    for words in ("95% or more", "85–94%", "70–84%", "50–69%", "under 50%", "to 15 Jun 2026: the month so far"):
        assert words in legend
    curves = json.loads(re.search(r'id="cohorts-chart-data" type="application/json">(.*?)</script>', html,
                                  re.S).group(1))
    assert [c["k"] for c in curves if c["cohort"] == "2026-01"] == [[0, 1, 2, 3, 4]]  # June's 15 days left out


def test_a_month_that_ended_is_no_month_so_far(reader_client, cohort):
    html = reader_client.get("/metrics/cohorts/", {"as_of": "2026-06-30", "months": 12}).content.decode()
    assert not any("partial" in cls for cls, _ in cells(html))
    assert "month so far" not in html


def test_retention_shows_no_minus_zero(reader_client, cohort):
    html = reader_client.get("/metrics/retention/", {"as_of": AS_OF.isoformat(), "months": 6}).content.decode()
    table = html[html.index('id="movements"'):]
    table = table[:table.index("</table>")]
    assert "−0.00" not in table and "-0.00" not in table
    assert "−2,000.00" in table  # March's two leavers are still shown as a loss
