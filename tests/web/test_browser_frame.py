"""The frame in a real browser: the navigation fits on one line at 1280 px for the role with the most items."""

import os

import pytest

from tests.factories import make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's event loop runs in this thread


@pytest.fixture
def admin(transactional_db):
    return make_user("admin", username="ada", is_staff=True, first_name="Ada", last_name="Lovelace-Montgomery")


@pytest.mark.browser
def test_the_navigation_fits_one_line_at_1280_px_with_every_item(admin, live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/login/?next=/metrics/cohorts/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/metrics/cohorts/")
    items = page.locator(".mainnav > ul > li")
    assert items.count() >= 8  # six pages, Set-up and API
    tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
    assert len(tops) == 1, tops  # one line
    labels = ".mainnav > ul > li > a, .mainnav summary, .who span, .who button"
    lines = page.evaluate("""(labels) => [...document.querySelectorAll(labels)].map(e => {
        const r = document.createRange(); r.selectNodeContents(e);
        return [e.textContent.trim(), new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })""",
                          labels)
    assert [t for t, n in lines if n != 1] == []  # no label broken over two lines to squeeze in
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # nothing pushed off the side
    who = page.locator(".who").bounding_box()
    assert who["x"] + who["width"] <= 1280
    bar = page.locator(".topbar").bounding_box()
    assert bar["height"] <= 64 and bar["width"] <= 1280
    assert page.locator(".mainnav a[aria-current]").all_inner_texts() == ["Retention"]
