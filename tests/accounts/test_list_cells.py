"""The accounts table's cells (web.account_cells.html_cells): what each column shows, empty values as dashes, text
escaped, dates past due marked."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest

from tenure.accounts import columns
from tenure.web import account_cells

TODAY = dt.date(2026, 6, 15)


def _account(**over):
    health = SimpleNamespace(score=41.6, band="red", change=-7.4, day=dt.date(2026, 6, 14))
    values = dict(pk=7, name="Acme <Labs>", domain="acme.example", crm_id="", industry="Software", segment="smb",
                  stage="renewing", owner=None, coverage="pooled",
                  live_seats=1200, live_mrr=5000.4, live_arr=60004.8, next_renewal=dt.date(2026, 6, 1),
                  renewal_days=-14, health=health, churn_prediction=SimpleNamespace(probability=0.347))
    return SimpleNamespace(**(values | over))


def _facts(**over):
    values = dict(customer_since=dt.date(2024, 2, 3), utilization=0.625, usage_tracked=True, active_users=25,
                  active_users_before=40, active_user_trend=-0.375, last_active_on=dt.date(2026, 6, 12),
                  open_high_tickets=2, last_touch_on=None, key_person_last_touched_on=dt.date(2026, 5, 2),
                  sentiment=61.5)
    return SimpleNamespace(**(values | over))


def cells(account, facts, *keys) -> list[str]:
    html = str(account_cells.html_cells([columns.BY_KEY[k] for k in keys], account, facts, TODAY))
    return re.findall(r"<td.*?</td>", html)


def test_every_column_in_the_catalogue_gives_one_cell():
    keys = [c.key for c in columns.CATALOGUE]
    assert len(cells(_account(), _facts(), *keys)) == len(keys)


def test_text_is_escaped_and_empty_fields_read_as_dashes():
    name, crm, industry = cells(_account(), _facts(), "name", "crm_id", "industry")
    assert 'href="/accounts/7/">Acme &lt;Labs&gt;</a><div class="muted small">acme.example</div>' in name
    assert crm == "<td>—</td>" and industry == "<td>Software</td>"


def test_money_seats_and_owner():
    owner, seats, mrr, arr = cells(_account(), _facts(), "owner", "seats", "mrr", "arr")
    assert "Tech touch (pooled)" in owner
    assert (seats, mrr, arr) == ('<td class="num">1,200</td>', '<td class="num">5,000</td>',
                                 '<td class="num">60,005</td>')
    owner, mrr = cells(_account(owner="Ann Lee", live_mrr=None, coverage="named"), _facts(), "owner", "mrr")
    assert owner == "<td>Ann Lee</td>" and mrr == '<td class="num">—</td>'
    (owner,) = cells(_account(coverage="named"), _facts(), "owner")
    assert "Unassigned" in owner


def test_a_passed_renewal_is_marked_and_a_near_one_warned():
    renewal, days = cells(_account(), _facts(), "renewal", "days_to_renewal")
    assert 'datetime="2026-06-01" class="overdue"' in renewal and "1 Jun 2026" in renewal and "(passed)" in renewal
    assert 'class="overdue"' in days and ">-14<" in days
    renewal, days = cells(_account(next_renewal=dt.date(2026, 7, 1), renewal_days=16), _facts(),
                          "renewal", "days_to_renewal")
    assert "overdue" not in renewal and "1 Jul 2026" in renewal and 'class="warn-text">16<' in days
    (days,) = cells(_account(renewal_days=90), _facts(), "days_to_renewal")
    assert days == '<td class="num"><span>90</span></td>'


def test_health_shows_score_band_and_the_weeks_move():
    (score,) = cells(_account(), _facts(), "score")
    assert 'class="pill band-red" title="Red since the 14 Jun score">42</span>' in score
    assert "▼" in score and "down 7 in a week" in score
    up = SimpleNamespace(score=80, band="green", change=3.2, day=TODAY)
    assert "up 3 in a week" in cells(_account(health=up), _facts(), "score")[0]
    flat = SimpleNamespace(score=80, band="green", change=1, day=TODAY)
    assert "within 3 points" in cells(_account(health=flat), _facts(), "score")[0]
    assert "—" in cells(_account(health=None), _facts(), "score")[0]


@pytest.mark.parametrize(("probability", "tone", "shown"), [(0.347, "down", "35%"), (0.12, "warn-text", "12%"),
                                                            (0.02, "muted", "2%")])
def test_churn_risk_is_coloured_by_its_size(probability, tone, shown):
    (churn,) = cells(_account(churn_prediction=SimpleNamespace(probability=probability)), _facts(), "churn")
    assert f'href="/accounts/7/#churn-risk" class="{tone}"' in churn and f">{shown}</a>" in churn


def test_usage_columns():
    util, active, trend, last = cells(_account(), _facts(), "utilization", "active_users", "trend", "last_active")
    assert util == '<td class="num">62%</td>'  # 62.5 rounds half to even, as the template's widthratio did
    assert active == '<td class="num">25</td>'
    assert 'class="down" title="40 → 25 active users">▼ 38%' in trend
    assert "12 Jun 2026" in last
    untracked = _facts(usage_tracked=False, utilization=None, active_user_trend=0.01, last_active_on=None)
    util, active, trend, last = cells(_account(), untracked, "utilization", "active_users", "trend", "last_active")
    assert all("—" in c for c in (util, active, last)) and "▬ flat" in trend


def test_tickets_touches_and_sentiment():
    tickets, touch, key, sentiment, since = cells(_account(), _facts(), "urgent_tickets", "last_touch",
                                                  "key_person_touch", "sentiment", "customer_since")
    assert 'href="/accounts/7/#tickets">2</a>' in tickets
    assert "never" in touch and "2 May 2026" in key and sentiment == '<td class="num">62</td>'
    assert ">Feb 2024</time>" in since
    tickets, sentiment = cells(_account(), _facts(open_high_tickets=0, sentiment=None), "urgent_tickets",
                               "sentiment")
    assert ">0<" in tickets and "—" in sentiment
