"""Every staff page at a phone's width (390 × 844) in a real browser, as a leader on a small demo: the page is
never wider than the screen, tables scroll inside their panel, key numbers are never cut, the navigation wraps
with every item on screen, the health table's plain words can be scrolled to. And the scorecard editor fits at
1280 px with none of its inputs clipped."""

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tenure.demo.services import build_demo
from tenure.health import services as health
from tenure.health.models import Scorecard
from tenure.risk.models import Signal
from tenure.users.models import Role
from tests.factories import make_account, make_subscription, make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's event loop runs in this thread

PHONE = {"width": 390, "height": 844}

# Measured in the page: the document's width, key-number values cut short, tables that stick out of the screen
# without a scrolling box of their own, and anything else that reaches past the right edge.
MEASURE = """() => {
  const W = innerWidth;
  const scrolls = (e) => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return p; } return null; };
  const cut = [...document.querySelectorAll('.number .value, .health-number')]
    .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > W + 1)
    .map(e => e.textContent.trim());
  const loose = [...document.querySelectorAll('main table')].filter(t => {
      const box = scrolls(t); const r = (box || t).getBoundingClientRect();
      return r.right > W + 1 || r.left < -1; }).map(t => t.id || t.className || t.tagName);
  const past = [...document.querySelectorAll('body *')].filter(e => {
      const r = e.getBoundingClientRect(); return r.width > 0 && r.right > W + 1 && !scrolls(e); })
    .slice(0, 5).map(e => e.tagName + '.' + e.className);
  return {width: document.documentElement.scrollWidth, W, cut, loose, past,
          values: document.querySelectorAll('.number .value').length};
}"""


@pytest.fixture
def demo_book(transactional_db):
    """A 40-account demo (no usage history: it is not what these pages' widths depend on), plus one account
    whose MRR makes the widest key numbers, and a leader to look at it all."""
    today = timezone.localdate()
    build_demo(seed=7, accounts=40, today=today, usage=False, churn_model=False)
    big = make_account(name="Very Large Enterprise Holdings International", segment="enterprise")
    make_subscription(big, mrr=Decimal("4593375.75"), seats=250_000, start_date=today - dt.timedelta(days=400),
                      end_date=today + dt.timedelta(days=200))
    health.score_accounts([big.pk], today)
    make_user(Role.LEADER, username="lena")
    return big


def _log_in(page, base: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/accounts/")


@pytest.mark.browser
def test_every_page_fits_a_phone(demo_book, live_server, browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    _log_in(page, live_server.url)
    signal = Signal.objects.order_by("pk").first()
    pages = {
        "home": reverse("web:home"), "my work": reverse("risk:my_work"), "accounts": reverse("accounts:list"),
        "account": reverse("accounts:detail", args=[demo_book.pk]), "health": reverse("health:overview"),
        "retention": reverse("metrics:retention"), "cohorts": reverse("metrics:cohorts"),
        "book": reverse("metrics:book"),
        "renewals": reverse("renewals:list"), "churn reasons": reverse("renewals:reasons"),
        "surveys": reverse("surveys:overview"), "scorecards": reverse("health:scorecards"),
        "scorecard": reverse("health:scorecard", args=[Scorecard.objects.order_by("pk").first().pk]),
        "import": reverse("integrations:import"), "audit": reverse("web:audit"), "usage": reverse("usage:setup"),
        "webhooks": reverse("integrations:webhooks"), "signal": reverse("risk:signal", args=[signal.pk]),
    }
    problems, tiles = {}, 0
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, (name, response.status)
        m = page.evaluate(MEASURE)
        tiles += m["values"]
        if m["width"] > m["W"] or m["cut"] or m["loose"] or m["past"]:
            problems[name] = m
        nav = page.evaluate("""() => [...document.querySelectorAll('.mainnav > ul > li')].map(li => {
            const r = li.getBoundingClientRect();
            return [li.textContent.trim(), r.left >= 0 && r.right <= innerWidth]; })""")
        assert nav and all(inside for _, inside in nav), (name, nav)
    assert problems == {}
    assert tiles >= 20  # the key-number tiles were there to be measured (account, health, retention, forecast …)

    # The navigation wraps to a few lines, not a column of items; its Set-up menu opens inside the screen.
    assert page.locator(".topbar").bounding_box()["height"] <= 140
    page.locator(".mainnav summary").click()
    menu = page.locator(".mainnav .menu ul").bounding_box()
    assert menu["x"] >= 0 and menu["x"] + menu["width"] <= PHONE["width"]

    # The account page: MRR and ARR in full, and the health table's plain words reachable by scrolling its box.
    page.goto(live_server.url + pages["account"])
    values = page.locator(".key-numbers .number .value").all_inner_texts()
    assert "4,593,376" in values and "55,120,509" in values, values
    header = page.locator("#health-measures th", has_text="In plain words")
    header.scroll_into_view_if_needed()
    box = header.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # the box scrolled, not the page


@pytest.mark.browser
def test_the_scorecard_editor_fits_at_1280_px(live_server, browser_page, transactional_db):
    make_user(Role.LEADER, username="lena")
    card = health.default_version().scorecard
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    _log_in(page, live_server.url)
    page.goto(live_server.url + reverse("health:scorecard", args=[card.pk]))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    table = page.locator("table.scorecard-editor")
    scroller = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert scroller[0] <= scroller[1]  # no sideways scrolling needed at this width
    edge = table.bounding_box()
    inputs = table.locator("input:not([type=hidden])")
    assert inputs.count() >= 18  # a weight and a mapping per measure
    for i in range(inputs.count()):
        box = inputs.nth(i).bounding_box()
        assert box["x"] + box["width"] <= edge["x"] + edge["width"] + 1
        clipped = inputs.nth(i).evaluate("e => e.type === 'text' && e.scrollWidth > e.clientWidth")
        assert not clipped, inputs.nth(i).input_value()  # a mapping is readable whole
