"""The editor's live preview in a real browser: typing Markdown shows the sanitised HTML beside it (htmx)."""

import os

import pytest

from tenure.knowledge.models import Article, ArticleStatus
from tenure.users.models import Role
from tests.factories import make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's event loop runs in this thread


@pytest.mark.browser
def test_typing_markdown_previews_it_sanitised_then_saving_publishes(transactional_db, live_server, browser_page):
    make_user(Role.CSM, username="carla")
    page = browser_page
    page.goto(f"{live_server.url}/login/?next=/knowledge/new/")
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/knowledge/new/")
    page.get_by_label("Title").fill("Invite your team")
    page.get_by_label("Body").fill("Open **Settings** <img src=x onerror=alert(1)> [x](javascript:alert(1))")
    preview = page.locator("#article-preview")
    preview.locator("strong", has_text="Settings").wait_for()
    assert preview.locator("img, script, a[href^='javascript']").count() == 0
    page.wait_for_load_state("networkidle")  # no preview still on its way when the form is sent
    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_url(f"{live_server.url}/knowledge/*/")
    article = Article.objects.get()
    assert (article.title, article.status) == ("Invite your team", ArticleStatus.PUBLISHED)
    assert page.locator("article strong", has_text="Settings").count() == 1
    page.wait_for_load_state("networkidle")
