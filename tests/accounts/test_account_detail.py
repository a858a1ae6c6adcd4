import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.pages import account_page as _page
from tests.accounts.pages import section as _section
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch


def test_header_shows_who_the_account_is(csm_client, full_account):
    html = _page(csm_client, full_account)
    assert "<h1>Globex</h1>" in html
    for text in ("globex.example", "enterprise", "Renewing", "Alice Archer", "CRM-77", "cus_globex"):
        assert text in html
    assert "<dt>Region</dt><dd>EMEA</dd>" in html  # a custom attribute, its key in words


def test_key_numbers_count_only_live_subscriptions(csm_client, full_account):
    html = _page(csm_client, full_account)
    numbers = _section(html, "key-numbers")
    # Growth (now 50 seats, 2,500) + Add-on (5 seats, 100); the canceled Legacy plan does not count.
    assert ">2,600<" in numbers  # MRR
    assert ">31,200<" in numbers  # ARR
    assert ">55<" in numbers  # seats
    assert "30 Sep 2030" in numbers  # next renewal (live: the term covers today)


def test_contacts_show_roles_and_who_has_left(csm_client, full_account):
    contacts = _section(_page(csm_client, full_account), "contacts")
    assert "Hank Scorpio" in contacts and "CEO" in contacts
    assert '<span class="pill">Executive sponsor</span>' in contacts
    assert '<span class="pill">Champion</span><span class="pill">Admin</span>' in contacts
    gone = contacts[contacts.index("Gone Person"):]
    assert "Left" in gone and "1 Jun 2025" in gone
    # People still at the customer come first.
    assert contacts.index("Plain User") < contacts.index("Gone Person")


def test_subscriptions_show_their_history(csm_client, full_account):
    subs = _section(_page(csm_client, full_account), "subscriptions")
    assert subs.count("<details") == 3
    growth = subs[subs.index(">Growth<"):subs.index(">Add-on<")]
    assert "1 Jan 2026" in growth and "1 Mar 2026" in growth  # two history entries
    assert ">40<" in growth and ">50<" in growth
    assert "Canceled" in subs


def test_tickets_list_open_ones_first_by_priority(csm_client, full_account):
    tickets = _section(_page(csm_client, full_account), "tickets")
    subjects = re.findall(r'<span class="strong">(.*?)</span>', tickets)
    assert subjects == ["Outage in EU", "Minor glitch", "Old solved issue"]
    assert "2 open" in tickets
    assert "4/5" in tickets  # CSAT
    assert "Urgent" in tickets and "Solved" in tickets


def test_timeline_shows_touches_newest_first(csm_client, full_account):
    timeline = _section(_page(csm_client, full_account), "timeline")
    summaries = ["Champion worried about budget", "Sent the renewal quote", "Kick-off with the sponsor"]
    positions = [timeline.index(s) for s in summaries]
    assert positions == sorted(positions)
    kickoff = timeline[timeline.index("Meeting"):]
    assert "With Frank Grimes, Hank Scorpio" in kickoff
    assert "Positive" in timeline and "Negative" in timeline


def test_unknown_account_is_404(csm_client, db):
    assert csm_client.get(reverse("accounts:detail", args=[999999])).status_code == 404


def test_writer_sees_the_log_a_touch_form(csm_client, full_account):
    html = _page(csm_client, full_account)
    assert "Log a touch" in html
    assert f'action="{reverse("accounts:log_touch", args=[full_account.pk])}"' in html
    # Only people still at the customer can be picked.
    form = html[html.index("log-touch-title"):html.index("</form>", html.index("log-touch-title"))]
    assert "Frank Grimes" in form and "Gone Person" not in form


def test_read_only_user_sees_the_page_without_the_form(reader_client, full_account):
    html = _page(reader_client, full_account)
    assert "Globex" in html and "Frank Grimes" in html
    assert "Log a touch" not in html
    assert reverse("accounts:log_touch", args=[full_account.pk]) not in html


def test_empty_account_page_renders(csm_client, db):
    html = _page(csm_client, make_account(name="Brand New"))
    assert "No contacts yet." in html and "No subscriptions." in html and "No tickets." in html
    # Its only story so far: it was added (the audit trail's entry), by whoever added it.
    timeline = _section(html, "timeline")
    assert timeline.count('<li class="touch') == 1 and "Added" in timeline and "Brand New" in timeline


def _grow(account, n: int) -> None:
    contacts = [make_contact(account) for _ in range(n)]
    for i in range(n):
        make_subscription(account, plan=f"Plan {i}")
        make_ticket(account, contact=contacts[i])
        make_touch(account, contacts=contacts[: i + 1])


def _use(account, users: int, day) -> None:
    from tenure.usage.services import ingest

    stamp = f"{day.isoformat()}T12:00:00Z"
    ingest([m for u in range(users) for m in (
        {"type": "group", "messageId": f"g-{account.pk}-{u}", "userId": f"{account.pk}-{u}",
         "groupId": account.product_group_id, "timestamp": stamp},
        {"type": "track", "messageId": f"t-{account.pk}-{u}-{day}", "userId": f"{account.pk}-{u}",
         "event": "Report Exported", "timestamp": stamp})])


def _everything(account, n: int) -> None:
    """Every panel filled: usage, health snapshots, signals, a running onboarding project, a goal; ``n`` more of
    each record the page lists."""
    import datetime as dt

    from django.utils import timezone

    from tenure.engagement.models import OnboardingTemplate, SuccessGoal
    from tenure.engagement.onboarding import start_onboarding
    from tenure.pipeline import refresh
    from tenure.risk.models import Signal
    from tenure.usage.models import Feature

    today = timezone.localdate()
    account.product_group_id = f"pg-{account.pk}"
    account.save(update_fields=["product_group_id"])
    _grow(account, n)
    for days_ago in range(1 + n):
        _use(account, 2 + n, today - dt.timedelta(days=days_ago))
    Feature.objects.update(is_key=True)
    template = OnboardingTemplate.objects.create(
        name="Std", milestones=[{"title": f"Step {i}", "due_days": 5 * i} for i in range(1 + n)])
    start_onboarding(account, template, started_on=today - dt.timedelta(days=20))
    refresh([account.pk], today - dt.timedelta(days=7))
    refresh([account.pk], today)
    for i in range(1 + n):
        SuccessGoal.objects.create(account=account, title=f"Goal {i}", metric="tickets", baseline=10, target=5)
        Signal.objects.create(account=account, driver="disconnection", kind="no_touch", dedupe_key=f"k{i}",
                              severity="high", title=f"Signal {i}", first_detected_on=today, last_seen_on=today,
                              evidence={})


# The account page's queries, whatever the account holds (tests/facts/test_queries.py counts the facts' own):
# session, user, account with owner, contacts, subscriptions, their history, tickets with their contact, touches
# with their author, the touches' contacts, the recorded changes (audit trail): 10;
# the account facts the page shows (subscriptions, key people, usage, key features): one batch;
# usage panel: the chart's days, the feature catalog, weekly active users, key-feature depth, feature use: 5
# (only the chart's days for an account no usage reached);
# health panel: the trend, the two compared snapshots, the latest pulse: 3; churn panel: the prediction with its
# model: 1; signals: 1; tasks (open, and closed in 30 days): 1; onboarding and success plan: projects, their
# milestones with owners, goals: 3; billing and the CRM: the latest invoices, the deals with their owners: 2.
PINNED = 10 + 5 + 3 + 1 + 1 + 1 + 3 + 2


def _page_facts_queries() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tenure.accounts.models import Account
    from tenure.accounts.views import PAGE_FACTS
    from tenure.facts import load_facts

    ids = list(Account.objects.values_list("pk", flat=True)[:1])
    with CaptureQueriesContext(connection) as ctx:
        load_facts(ids, timezone.localdate(), parts=PAGE_FACTS)
    return len(ctx)


@pytest.mark.parametrize("extra", [0, 12])
def test_detail_runs_a_pinned_number_of_queries_whatever_the_account_holds(csm_client, full_account, extra,
                                                                             django_assert_num_queries):
    _everything(full_account, extra)
    pinned = PINNED + _page_facts_queries()
    with django_assert_num_queries(pinned):
        html = _page(csm_client, full_account)
    assert 'id="feature-adoption"' in html and "Signal 0" in html and "Step 0" in html and "Goal 0" in html


def test_an_account_without_usage_reads_only_the_chart_days_of_it(csm_client, full_account, django_assert_num_queries):
    # Usage: the chart's days only (4 fewer). No onboarding project: no milestones (1 fewer), but the templates a
    # writer may start one from (1 more).
    with django_assert_num_queries(PINNED - 4 - 1 + 1 + _page_facts_queries()):
        html = _page(csm_client, full_account)
    assert "No product usage received" in html


def test_a_touch_still_names_a_person_who_moved_to_another_account(csm_client, full_account):
    # The timeline takes a touch's people from the account's contacts; one who is no longer among them is read too.
    from tenure.accounts.models import Contact

    Contact.objects.filter(name="Hank Scorpio").update(account=make_account(name="Elsewhere"))
    timeline = _section(_page(csm_client, full_account), "timeline")
    assert "With Frank Grimes, Hank Scorpio" in timeline


def test_the_page_lists_the_accounts_tasks_and_lets_its_csm_record_people(csm, csm_client, full_account):
    from tenure.risk.work import close_task, open_task
    from tenure.users.models import Role
    from tests.factories import make_user

    full_account.owner = csm
    full_account.save()
    mine = open_task(full_account, title="Ask about the SSO rollout", owner=csm)
    done = open_task(full_account, title="Send the deck", owner=csm)
    close_task(done, "completed", "improved", by=csm)
    html = _page(csm_client, full_account)
    tasks = html[html.index('id="tasks"'):]
    tasks = tasks[:tasks.index("</section>")]
    assert "Ask about the SSO rollout" in tasks and "Opened by hand" in tasks and "+ Add task" in tasks
    assert "Closed in the last 30 days (1)" in tasks and "Send the deck" in tasks
    assert f"/work/tasks/{mine.pk}/edit/" in tasks
    assert "+ Add a person" in html and "/accounts/people/" in html
    other = Client()
    other.force_login(make_user(Role.CSM))
    html = other.get(f"/accounts/{full_account.pk}/").content.decode()
    assert "+ Add a person" not in html  # another CSM's account: read, not recorded
