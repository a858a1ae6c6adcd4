"""In a real browser: a CSM picks the accounts list's columns, saves the list as a view, and gets it back after a
reload and from the views menu."""

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import make_account, make_subscription, make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's event loop runs in this thread
SHOTS = Path(os.environ.get("TENURE_SCREENSHOT_DIR", tempfile.gettempdir()))


@pytest.fixture
def book(transactional_db):
    """Built before the browser starts (see test_browser_login: the ORM must not run beside Playwright's loop)."""
    carol = make_user("csm", username="carol", first_name="Carol", last_name="Chen")
    today = timezone.localdate()
    for i, name in enumerate(["Umbrella Corp", "Vandelay Industries", "Wayne Enterprises"]):
        account = make_account(name=name, segment="enterprise" if i != 1 else "smb", owner=carol)
        make_subscription(account, seats=20, mrr=Decimal(1000 * (i + 1)), end_date=today + dt.timedelta(days=40 + i))
    make_account(name="Gone Corp", segment="enterprise", stage="churned")
    return carol


def headers(page) -> list[str]:
    return page.eval_on_selector_all(".accounts-table thead th[data-column]", "els => els.map(e => e.dataset.column)")


@pytest.mark.browser
def test_a_csm_picks_columns_saves_a_view_and_gets_it_back(book, live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/login/?next=/accounts/")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/accounts/")
    assert "arr" not in headers(page) and "segment" in headers(page)

    # Pick columns: the table follows each tick (htmx), the address keeps them.
    page.locator(".columns-picker summary").click()
    picker = page.locator(".columns-picker")
    with page.expect_response(lambda r: "/accounts/?" in r.url and "cols=arr" in r.url):
        picker.get_by_label("ARR").check()
    with page.expect_response(lambda r: "/accounts/?" in r.url and "segment" not in r.url.split("cols=", 1)[1]):
        picker.get_by_label("Segment").uncheck()
    page.wait_for_function("!document.querySelector('.accounts-table th[data-column=segment]')")
    page.locator("#id_stage").select_option("all")
    page.wait_for_selector("a.account-name:text('Gone Corp')")
    picked = headers(page)
    assert "arr" in picked and "segment" not in picked

    # Save it as a view: the page reopens on it.
    page.locator(".view-actions summary").click()
    page.get_by_role("textbox", name="New view").fill("Enterprise ARR")
    page.get_by_role("button", name="Save as new view").click()
    page.wait_for_url("**/accounts/?view=*")
    assert page.locator(".messages").inner_text().strip() == "View \u201cEnterprise ARR\u201d saved."
    assert headers(page) == picked
    assert "Gone Corp" in page.locator(".accounts-table").inner_text()  # its filter: churned too

    # Reload: the same view.
    page.reload()
    assert headers(page) == picked
    assert page.locator("#view-choice option:checked").inner_text() == "Enterprise ARR"

    # From the default list, the views menu opens it again.
    page.goto(f"{live_server.url}/accounts/")
    assert headers(page) != picked and "Gone Corp" not in page.locator(".accounts-table").inner_text()
    page.locator("#view-choice").select_option(label="Enterprise ARR")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/accounts/?view=*")
    assert headers(page) == picked
    assert "Gone Corp" in page.locator(".accounts-table").inner_text()
    assert page.locator("h1").inner_text() == "Accounts · Enterprise ARR"
    page.locator(".view-actions summary").click()
    page.screenshot(path=str(SHOTS / "accounts-saved-view.png"), full_page=True)
