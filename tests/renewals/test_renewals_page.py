"""Renewals in one place: the forecast and the motions on one page, each renewal with its owner, health, churn risk
carried to its date and the ARR at risk, filtered, sorted and paged in a fixed number of queries."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenure.health.models import AccountHealth, ScorecardVersion
from tenure.predict.models import ChurnModel, ChurnPrediction
from tenure.renewals.report import churn_by_renewal
from tenure.renewals.services import sync_renewals
from tests.factories import make_account, make_subscription, make_user

pytestmark = pytest.mark.django_db
URL = "/renewals/"
TODAY = timezone.localdate()


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def model(horizon: int = 30) -> ChurnModel:
    return ChurnModel.objects.create(version=ChurnModel.objects.count() + 1, kind="logistic",
                                     trained_at=timezone.now(), as_of=TODAY, horizon_days=horizon, grace_days=7,
                                     file="x.joblib")


def renewing(name: str, days: int, *, mrr="1000", owner=None, p: float | None = None, churn_model=None,
             band: str = "", score: float | None = None):
    account = make_account(name=name, owner=owner)
    make_subscription(account, mrr=Decimal(mrr), start_date=day(-300), end_date=day(days))
    if p is not None:
        ChurnPrediction.objects.create(account=account, model=churn_model or model(), probability=p, as_of=TODAY,
                                       scored_at=timezone.now())
    if band:
        AccountHealth.objects.create(account=account, day=TODAY, score=score, band=band,
                                     version=ScorecardVersion.objects.first())
    return account


def rows(response) -> list[str]:
    assert response.status_code == 200
    table = response.content.decode().split('id="renewal-table"', 1)
    return re.findall(r'<a class="account-name" href="/accounts/\d+/">([^<]+)</a>', table[1]) if len(table) > 1 else []


def cell(response, name: str, css: str) -> str:
    html = response.content.decode()
    row = html[html.index(f">{name}</a>"):]
    row = row[:row.index("</tr>")]
    return re.search(rf'<td class="num {css}">([^<]*)</td>', row).group(1)


# ---- the churn risk carried to the renewal date ------------------------------------------------------------


def test_a_renewal_further_out_carries_more_churn_risk_for_the_same_model_probability():
    near, far = churn_by_renewal(0.2, 30, 30), churn_by_renewal(0.2, 30, 180)
    assert near == pytest.approx(0.2)
    assert far == pytest.approx(1 - 0.8 ** 6)  # six of the model's 30-day windows
    assert far > near
    assert churn_by_renewal(0.2, 30, 10) == pytest.approx(0.2)  # inside the model's window: p as it is
    assert churn_by_renewal(0.2, 90, 180) == pytest.approx(1 - 0.8 ** 2)  # the model's own horizon counts
    assert churn_by_renewal(None, 30, 60) is None and churn_by_renewal(0.2, None, 60) is None
    assert churn_by_renewal(0.2, 30, -3) is None  # the date passed: an outcome to record, not a forecast
    assert churn_by_renewal(1.0, 30, 365) == 1.0 and churn_by_renewal(0.0, 30, 365) == 0.0


def test_arr_at_risk_is_weighed_by_the_time_to_each_renewal_not_by_the_30_day_probability(csm_client):
    churn_model = model(30)
    renewing("Near", 30, p=0.2, churn_model=churn_model)
    renewing("Far", 170, p=0.2, churn_model=churn_model)
    response = csm_client.get(URL, {"days": 180})
    # The same account risk and ARR (12,000): the renewal 170 days out is 5⅔ model windows away.
    assert cell(response, "Near", "arr-at-risk") == "2,400"
    far = Decimal(12000) * Decimal(str(round(1 - 0.8 ** (170 / 30), 6)))
    assert cell(response, "Far", "arr-at-risk") == f"{far:,.0f}" == "8,611"
    total = re.search(r'id="arr-at-risk">\$([\d,]+)<', response.content.decode()).group(1)
    assert total == f"{Decimal(2400) + far:,.0f}"  # the old 12,000 × 20% each would say 4,800
    assert "Σ ARR × churn risk by each renewal date" in response.content.decode()


# ---- one page: what each renewal shows ---------------------------------------------------------------------


def test_each_renewal_shows_owner_date_arr_health_churn_risk_and_its_motion(csm_client, csm):
    opened = renewing("Initech", 40, owner=csm, p=0.1, band="red", score=38)
    renewing("Hooli", 150, mrr="500")
    sync_renewals([opened.pk], TODAY)  # the motion opens 120 days before: Hooli's not yet
    response = csm_client.get(URL, {"days": 180})
    assert rows(response) == ["Initech", "Hooli"]
    html = response.content.decode()
    initech = html[html.index(">Initech</a>"):]
    initech = initech[:initech.index("</tr>")]
    assert str(csm) in initech and '<span class="days-left">40</span>' in initech and "12,000" in initech
    assert 'class="pill band-red">38<' in initech and "10.0%" in initech
    assert "Open · " in initech and "/close/" in initech
    hooli = html[html.index(">Hooli</a>"):]
    hooli = hooli[:hooli.index("</tr>")]
    assert f"Opens {day(30):%-d %b}" in hooli and "/close/" not in hooli
    assert "—" in hooli  # no health, no churn risk: empty, not zero


def test_an_open_renewal_whose_date_passed_stays_until_its_outcome_is_recorded(csm_client):
    account = renewing("Late Co", -5)
    sync_renewals([account.pk], day(-30))  # opened in time, never closed
    renewing("Later Co", 365)  # live today, outside the window
    response = csm_client.get(URL)
    assert rows(response) == ["Late Co"]
    html = response.content.decode()
    assert "5 days ago" in html and "Date passed: record the outcome" in html
    assert re.search(r'id="renewals-passed">1<', html)


def test_filters_by_owner_window_and_health_band(csm_client, csm):
    bob = make_user(username="bob")
    renewing("Mine soon", 20, owner=csm, band="red", score=30)
    renewing("Mine later", 120, owner=csm, band="green", score=80)
    renewing("Bobs", 25, owner=bob, band="red", score=35)
    renewing("Nobodys", 26)
    assert rows(csm_client.get(URL)) == ["Mine soon", "Bobs", "Nobodys"]  # 90 days by default
    assert rows(csm_client.get(URL, {"days": 180})) == ["Mine soon", "Bobs", "Nobodys", "Mine later"]
    assert rows(csm_client.get(URL, {"days": 180, "owner": "mine"})) == ["Mine soon", "Mine later"]
    assert rows(csm_client.get(URL, {"mine": "1", "days": 180})) == ["Mine soon", "Mine later"]  # the old link
    assert rows(csm_client.get(URL, {"owner": bob.pk})) == ["Bobs"]
    assert rows(csm_client.get(URL, {"owner": "none"})) == ["Nobodys"]
    assert rows(csm_client.get(URL, {"band": "red"})) == ["Mine soon", "Bobs"]
    assert rows(csm_client.get(URL, {"band": "none"})) == ["Nobodys"]
    assert rows(csm_client.get(URL, {"days": "7", "band": "purple", "owner": "x"})) == [
        "Mine soon", "Bobs", "Nobodys"]  # unknown values: no filter, not an error


def test_sorts_by_risk_arr_and_account(csm_client):
    churn_model = model()
    renewing("Alpha", 60, mrr="100", p=0.5, churn_model=churn_model)
    renewing("Bravo", 10, mrr="5000", p=0.05, churn_model=churn_model)
    renewing("Charlie", 30, mrr="1000")
    assert rows(csm_client.get(URL, {"sort": "risk"})) == ["Bravo", "Alpha", "Charlie"]  # 3,000 > 900 > none
    assert rows(csm_client.get(URL, {"sort": "probability"})) == ["Alpha", "Bravo", "Charlie"]
    assert rows(csm_client.get(URL, {"sort": "arr"})) == ["Bravo", "Charlie", "Alpha"]
    assert rows(csm_client.get(URL, {"sort": "account"})) == ["Alpha", "Bravo", "Charlie"]
    assert rows(csm_client.get(URL, {"sort": "date"})) == ["Bravo", "Charlie", "Alpha"]


def test_the_csv_download_has_every_renewal_with_its_churn_risk_by_renewal(csm_client):
    churn_model = model()
    for i in range(55):
        renewing(f"Acct {i:02d}", 90, p=0.1, churn_model=churn_model)
    response = csm_client.get(URL, {"export": "csv"})
    data = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(data) == 55  # every page
    first = data[0]
    assert (first["churn_probability"], first["horizon_days"], first["days_left"]) == ("0.1", "30", "90")
    assert float(first["churn_by_renewal"]) == pytest.approx(1 - 0.9 ** 3, abs=1e-4)
    assert Decimal(first["arr_at_risk"]) == Decimal("3252.00")  # 12,000 × 27.1%


# ---- paging ------------------------------------------------------------------------------------------------


@pytest.fixture
def sixty(db):
    for i in range(60):
        renewing(f"Renewal {i:02d}", 1 + i)


def test_renewals_page_fifty_at_a_time(csm_client, sixty):
    first = csm_client.get(URL)
    assert rows(first) == [f"Renewal {i:02d}" for i in range(50)]
    assert "Showing 1–50 of 60 renewals" in first.content.decode()
    assert 'href="/renewals/?sort=date&amp;page=2"' in first.content.decode()
    second = csm_client.get(URL, {"page": 2})
    assert rows(second) == [f"Renewal {i:02d}" for i in range(50, 60)]
    assert "60" in re.search(r'id="renewal-count">(\d+)<', second.content.decode()).group(1)  # totals: all rows


def test_a_page_past_the_end_or_not_a_number_is_not_an_error(csm_client, sixty):
    assert rows(csm_client.get(URL, {"page": 99})) == [f"Renewal {i:02d}" for i in range(50, 60)]
    assert rows(csm_client.get(URL, {"page": "x"}))[0] == "Renewal 00"


def test_page_links_keep_the_filters(csm_client, sixty):
    html = csm_client.get(URL, {"days": 180, "band": "red", "sort": "arr"}).content.decode()
    assert "No renewal in the next 180 days with these filters." in html
    html = csm_client.get(URL, {"days": 180, "sort": "arr"}).content.decode()
    assert 'href="/renewals/?days=180&amp;sort=arr&amp;page=2"' in html


def _queries(client, query=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, query or {}).status_code == 200
    return len(ctx)


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_rows(csm_client, csm, django_assert_max_num_queries):
    churn_model = model()
    for i in range(3):
        account = renewing(f"Few {i}", 10 + i, owner=csm, p=0.1, churn_model=churn_model, band="green", score=70)
        sync_renewals([account.pk], TODAY)
    few = _queries(csm_client)
    for i in range(70):
        account = renewing(f"Many {i}", 20 + i, owner=make_user(username=f"csm{i}"), p=0.2,
                           churn_model=churn_model, band="red", score=20)
        sync_renewals([account.pk], TODAY)
    assert _queries(csm_client) == few
    assert _queries(csm_client, {"page": 2, "sort": "risk"}) == few
    with django_assert_max_num_queries(16):
        csm_client.get(URL)
