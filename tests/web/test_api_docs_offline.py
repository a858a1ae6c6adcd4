"""The API docs work on a machine with no internet: Swagger UI comes from the installed package, not a CDN."""

import os
from urllib.parse import urlparse

import pytest

from tests.factories import make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's event loop runs in this thread


@pytest.fixture
def engineer(transactional_db):
    return make_user("leader", username="eng")  # made before the browser starts (see test_browser_login)


@pytest.mark.browser
def test_api_docs_list_the_operations_with_every_request_outside_the_server_blocked(engineer, live_server,
                                                                                    browser_page):
    page, outside = browser_page, []

    def only_this_server(route):
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{live_server.url}/login/?next=/api/docs")
    page.get_by_label("Username").fill("eng")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/api/docs")
    page.locator(".opblock").first.wait_for(timeout=15_000)  # drawn by Swagger UI's script, so it loaded
    assert page.locator(".opblock").count() > 20
    assert page.get_by_text("/api/accounts").first.is_visible()
    assert outside == []
