"""One real browser: log in through the form, find an account with the htmx search, open its page."""

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tenure.billing import services as billing
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch, make_user

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse to run beside it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("TENURE_SCREENSHOT_DIR", tempfile.gettempdir()))


@pytest.fixture
def initech(transactional_db):
    """A small book of business for carol, with one account (Initech) that has something in every panel.

    Built before the browser starts: while Playwright's event loop runs, Django would hand the ORM a
    separate connection that is never closed, and PostgreSQL would refuse to drop the test database.
    """
    owner = make_user("csm", username="carol", first_name="Carol", last_name="Chen")
    today = timezone.localdate()
    for i, (name, segment, stage) in enumerate([
        ("Umbrella Corp", "enterprise", "mature"),
        ("Vandelay Industries", "mid-market", "adopting"),
        ("Wayne Enterprises", "enterprise", "renewing"),
        ("Stark Industries", "smb", "onboarding"),
    ]):
        account = make_account(name=name, segment=segment, stage=stage, owner=owner if i % 2 == 0 else None)
        renewal = today + dt.timedelta(days=40 + 70 * i)
        make_subscription(account, seats=20 + 15 * i, mrr=Decimal(900 + 750 * i), end_date=renewal)
    account = make_account(
        name="Initech", domain="initech.example", segment="mid-market", stage="renewing", owner=owner,
        crm_id="0015g00000INITECH", billing_id="cus_initech", custom={"region": "NA", "plan_tier": "gold"},
    )
    bill = make_contact(account, name="Bill Lumbergh", title="VP Engineering", roles=["executive_sponsor"])
    peter = make_contact(account, name="Peter Gibbons", title="Engineer", roles=["champion", "admin"])
    make_contact(account, name="Milton Waddams", roles=["user"], left_on=dt.date(2025, 11, 1))
    start = today - dt.timedelta(days=300)
    enterprise = make_subscription(account, plan="Enterprise", seats=100, mrr=Decimal("7000"), start_date=start,
                                   end_date=today + dt.timedelta(days=65))
    billing.update_subscription(enterprise, seats=120, mrr=Decimal("8400"), effective_on=today - dt.timedelta(90))
    make_subscription(account, plan="Analytics add-on", seats=10, mrr=Decimal("600"), billing_period="monthly",
                      start_date=start, end_date=today + dt.timedelta(days=20))
    now = timezone.now()
    make_ticket(account, subject="SSO login loops", priority="urgent", status="open", opened_at=now - dt.timedelta(2))
    make_ticket(account, subject="Export is slow", priority="normal", status="pending", opened_at=now - dt.timedelta(6))
    make_ticket(account, subject="Invoice address", status="solved", csat=5, opened_at=now - dt.timedelta(20),
                contact=bill)
    make_touch(account, kind="qbr", summary="Quarterly review: adoption up 20%, asked for roadmap on SSO.",
               contacts=[bill, peter], sentiment="positive", occurred_at=now - dt.timedelta(15), author=owner)
    make_touch(account, kind="email", summary="Sent renewal proposal.", contacts=[bill],
               occurred_at=now - dt.timedelta(3), author=owner)
    return account


@pytest.mark.browser
def test_log_in_search_and_open_an_account(initech, live_server, browser_page):
    account = initech
    page = browser_page

    page.goto(f"{live_server.url}/accounts/")
    assert page.url.startswith(f"{live_server.url}/login/")  # logged out: sent to the login form
    page.screenshot(path=str(SHOTS / "tenure-login.png"))
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(f"{live_server.url}/accounts/")
    table = page.locator("table.accounts-table")
    assert table.get_by_role("link", name="Umbrella Corp").is_visible()
    page.screenshot(path=str(SHOTS / "tenure-accounts-list.png"), full_page=True)

    # Typing in the search box swaps just the table (htmx, served locally) and puts the search in the URL.
    page.get_by_label("Search").fill("initech")
    table.get_by_role("link", name="Umbrella Corp").wait_for(state="detached")
    assert table.locator("tbody").get_by_role("link").all_inner_texts() == ["Initech"]
    assert "q=initech" in page.url

    table.get_by_role("link", name="Initech").click()
    page.wait_for_url(f"{live_server.url}/accounts/{account.pk}/")
    assert page.get_by_role("heading", level=1, name="Initech").is_visible()
    assert page.locator("#contacts").get_by_text("Peter Gibbons").is_visible()
    # A subscription's history opens in place.
    page.locator("#subscriptions summary").first.click()
    assert page.locator("#subscriptions table.history").first.is_visible()
    page.screenshot(path=str(SHOTS / "tenure-account-page.png"), full_page=True)
    page.set_viewport_size({"width": 1000, "height": 800})
    page.screenshot(path=str(SHOTS / "tenure-account-page-1000.png"), full_page=True)
