"""Each role's day, walked in a real browser: a CSM works a task through to the end, CS operations change a scorecard
and back-test it, a read-only user can look but not touch, and no page asks anything of a server but ours."""

import datetime as dt
import os
import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from tenure.accounts.models import Account, Contact
from tenure.accounts.saved_views import create_view
from tenure.engagement.models import Touch
from tenure.risk.tasks import create_task
from tenure.users.models import AuditEntry, Role
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch, make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's event loop runs in this thread
pytestmark = pytest.mark.browser
LOCAL = {"127.0.0.1", "localhost"}


def log_in(page, server, username: str, then: str = "/") -> None:
    page.goto(f"{server.url}/login/?next={then}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(server.url) + ".*"))
    page.wait_for_load_state()


def watch(page) -> dict:
    """Every request leaving for another host is refused and noted; every script error is noted."""
    seen = {"outside": [], "errors": []}

    def route(r):
        if urlsplit(r.request.url).hostname in LOCAL or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            seen["outside"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return seen


@pytest.fixture
def initech(transactional_db):
    casey = make_user(Role.CSM, username="casey", first_name="Casey", last_name="Holt")
    account = make_account(name="Initech", owner=casey, segment="mid-market", stage="adopting")
    bill = make_contact(account, name="Bill Lumbergh", title="VP", roles=["executive_sponsor"],
                        email="bill@initech.example")
    make_contact(account, name="Peter Gibbons", roles=["champion", "user"], email="peter@initech.example")
    make_subscription(account, plan="Growth", seats=40, end_date=timezone.localdate() + dt.timedelta(days=80))
    make_ticket(account, subject="TPS report export fails", priority="high")
    make_touch(account, summary="Kick-off call", contacts=[bill],
               occurred_at=timezone.now() - dt.timedelta(days=40))
    task = create_task(account, by=casey, title="Call Bill about the renewal", contact=bill,
                       due_on=timezone.localdate())
    return casey, account, task


def test_a_csm_works_a_task_from_my_work_to_done(initech, live_server, browser_page):
    casey, account, task = initech
    page = browser_page
    seen = watch(page)
    log_in(page, live_server, "casey")
    assert urlsplit(page.url).path == "/work/"  # a CSM lands on My work

    row = page.locator(f"#task-{task.pk}")
    assert "Call Bill about the renewal" in row.inner_text() and "About Bill Lumbergh" in row.inner_text()
    page.locator(f"#account-{account.pk} a", has_text="Initech").click()
    page.wait_for_url(f"{live_server.url}/accounts/{account.pk}/")

    # The key people and the task are at the top; "Log a touch" is on the first screens, not below the tickets.
    assert "Bill Lumbergh" in page.locator("#key-people").inner_text()
    assert "Call Bill about the renewal" in page.locator("#tasks").inner_text()
    form_top = page.locator(".log-touch").bounding_box()["y"]
    assert form_top < page.locator("#tickets").bounding_box()["y"] and form_top < 3 * 850

    page.locator(".log-touch").get_by_label("Summary").fill("Bill confirmed the renewal; wants a QBR in March.")
    page.locator(".log-touch").get_by_label("Sentiment").select_option("positive")
    page.locator(".log-touch").get_by_label("Bill Lumbergh").check()
    page.get_by_role("button", name="Log touch").click()
    page.wait_for_load_state()
    assert "Touch logged." in page.locator(".messages").inner_text()
    assert "Bill confirmed the renewal" in page.locator("#timeline").inner_text()
    assert Touch.objects.filter(account=account, summary__startswith="Bill confirmed", contacts__name="Bill Lumbergh",
                                author=casey).exists()

    page.locator("#contacts").get_by_role("link", name="Edit or mark as left").first.click()
    page.wait_for_url(re.compile(r".*/accounts/people/\d+/$"))
    page.get_by_label("Title").fill("SVP Operations")
    page.get_by_role("button", name=re.compile("Save")).click()
    page.wait_for_url(re.compile(rf".*/accounts/{account.pk}/.*"))
    assert Contact.objects.get(name="Bill Lumbergh").title == "SVP Operations"
    timeline = page.locator("#timeline").inner_text()
    assert "SVP Operations" in timeline and "Casey Holt" in timeline  # the change and who made it

    page.goto(f"{live_server.url}/work/")
    row = page.locator(f"#task-{task.pk}")
    row.get_by_label("Reason").select_option(index=1)
    row.get_by_label("Outcome").select_option(index=1)
    row.get_by_role("button", name="Close").click()
    page.wait_for_function(f"() => document.querySelector('#task-{task.pk}').textContent.includes('Closed')")
    task.refresh_from_db()
    assert task.status == "done" and task.closed_by == casey
    assert AuditEntry.objects.filter(model="risk.task", object_id=task.pk, field="status", actor=casey).exists()
    assert seen == {"outside": [], "errors": []}


def test_cs_operations_change_a_scorecard_and_back_test_the_versions(transactional_db, live_server, browser_page):
    from tenure.health.services import default_version

    make_user(Role.CS_OPS, username="olive")
    default_version()  # the default scorecard, as the first scoring makes it
    page = browser_page
    seen = watch(page)
    log_in(page, live_server, "olive", then="/scores/scorecards/")
    page.locator("table a").first.click()  # the default scorecard
    page.wait_for_url(re.compile(r".*/scores/scorecards/\d+/$"))
    weight = page.locator("input[name$='weight']").first
    weight.fill(str(int(weight.input_value() or 0) + 5))
    page.get_by_label("What changed and why").fill("More weight on utilization")
    page.get_by_role("button", name="Save as version 2 and re-score").click()
    page.wait_for_load_state()
    assert "Version 2" in page.locator("#versions-title").locator("..").inner_text()
    assert "More weight on utilization" in page.content()
    # No sideways scroll at 1366 px: the editor's inputs fit its panel.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    page.goto(f"{live_server.url}/scores/")
    page.get_by_label("Compare version").select_option(index=1)
    page.get_by_label("with version").select_option(index=2)
    page.get_by_role("button", name="Backtest").click()
    page.wait_for_function("() => document.querySelectorAll('#backtest tbody tr').length === 3")
    rows = [r.lower() for r in page.locator("#backtest tbody tr").all_inner_texts()]
    assert {r.split("re-scored")[0].split()[-1] for r in rows[1:] if "re-scored" in r} == {"v1", "v2"}
    assert AuditEntry.objects.filter(model="health.scorecardversion", actor__username="olive").exists()
    assert seen == {"outside": [], "errors": []}


def test_a_read_only_user_sees_no_write_control_and_a_direct_post_is_refused(initech, live_server, browser_page):
    _, account, task = initech
    make_user(Role.READ_ONLY, username="rita")
    page = browser_page
    seen = watch(page)
    log_in(page, live_server, "rita")
    page.goto(live_server.url + "/work/")
    # The set-up pages it may read (to see how the numbers are made); each one it is shown opens, read-only.
    setup = [a.get_attribute("href") for a in page.locator(".mainnav .menu a").all()]
    assert "/import/" not in setup and "/risk/settings/" not in setup
    for path in ("/work/", "/accounts/", f"/accounts/{account.pk}/", "/scores/", "/renewals/", *setup):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        posts = page.evaluate("""() => [...document.querySelectorAll('form')]
            .filter(f => f.method === 'post' && !f.action.endsWith('/logout/')).map(f => f.action)""")
        assert posts == [], (path, posts)
        assert page.locator("button:visible", has_text=re.compile("^(Save|Add|Create|Delete|Log touch)")).count() == 0
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for url, form in ((f"/accounts/{account.pk}/touches/", {"kind": "call", "summary": "sneaky"}),
                      (f"/work/tasks/{task.pk}/close/", {"reason": "done", "outcome": "positive"})):
        response = page.request.post(live_server.url + url, form=form,
                                     headers={"X-CSRFToken": token, "Referer": live_server.url + "/"})
        assert response.status == 403, (url, response.status)
        assert "Tenure" in response.text()  # the frame's 403 page, not a bare one
    task.refresh_from_db()
    assert task.status == "open" and not Touch.objects.filter(summary="sneaky").exists()
    assert seen == {"outside": [], "errors": []}


def test_no_page_asks_anything_of_another_server(initech, live_server, browser_page):
    _, account, _ = initech
    make_user(Role.ADMIN, username="ada", is_staff=True)
    page = browser_page
    seen = watch(page)
    log_in(page, live_server, "ada")
    paths = {"/", "/work/", f"/accounts/{account.pk}/", "/api/docs"}
    for link in page.locator(".topbar a[href^='/']").all():
        paths.add(link.get_attribute("href"))
    visited = []
    for path in sorted(p for p in paths if not p.startswith(("/admin", "/logout"))):
        response = page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        visited.append((path, response.status))
    assert [v for v in visited if v[1] != 200] == []
    assert len(visited) >= 12
    assert seen == {"outside": [], "errors": []}


def test_a_leader_reassigns_accounts_in_bulk_and_the_audit_trail_shows_it(initech, live_server, browser_page):
    casey, _, _ = initech
    make_user(Role.LEADER, username="lena", first_name="Lena", last_name="Lead")
    sam = make_user(Role.CSM, username="sam", first_name="Sam", last_name="Reed")
    others = [make_account(name=f"Umbrella {i}", owner=casey, segment="smb", stage="adopting") for i in range(3)]
    olive = make_user(Role.CS_OPS, username="olive")
    create_view(owner=olive, name="SMB book", query="segment=smb&cols=name&cols=owner&cols=stage", shared=True)
    page = browser_page
    seen = watch(page)
    log_in(page, live_server, "lena", then="/accounts/")
    assert "Initech" in page.locator(".accounts-table").inner_text()
    page.locator("#view-choice").select_option(label="SMB book — olive")  # shared by CS operations
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/accounts/?view=*")
    listed = page.locator(".accounts-table").inner_text()
    assert "Initech" not in listed and all(a.name in listed for a in others)
    for account in others[:2]:
        page.get_by_label(f"Tick {account.name}").check()
    page.get_by_label("Ticked accounts: owner").select_option(label=str(sam))
    page.locator("#bulk-accounts button[type=submit]").click()
    page.wait_for_url("**/accounts/?view=*")  # back on the view it was changed from
    assert [a.owner for a in (Account.objects.get(pk=o.pk) for o in others)] == [sam, sam, casey]

    page.goto(f"{live_server.url}/audit/?who=Lena")
    rows = page.locator("table tbody tr").all_inner_texts()
    moved = [r for r in rows if "Umbrella" in r and str(sam) in r]
    assert len(moved) == 2 and all("Lena Lead" in r and str(casey) in r for r in moved)
    page.goto(f"{live_server.url}/accounts/{others[0].pk}/")
    assert f"Owner CSM: {casey}" in page.locator("#timeline").inner_text().replace("\n", " ")
    assert seen == {"outside": [], "errors": []}
