"""The help centre in the account facts: what the account's people did there in the usage window, by kind, day and
person; unknown (not zero) for an account whose people never came."""

import datetime as dt

from tenure.facts import load_facts
from tenure.health.measures import raw_values_of
from tenure.knowledge.services import count_activity, create_article, record_deflection
from tests.factories import make_account, make_contact, make_subscription

D = dt.date(2026, 5, 31)
DAY = dt.timedelta(days=1)


def test_activity_in_the_window_is_counted_by_kind_day_and_person(db):
    account = make_account(name="Readers Inc")
    ann, bob = make_contact(account, name="Ann"), make_contact(account, name="Bob")
    article = create_article(title="Set up single sign-on", body="Steps")
    count_activity("view", account=account, contact=ann, article=article, day=D, count=3)
    count_activity("view", account=account, contact=bob, article=article, day=D - 2 * DAY)
    count_activity("search", account=account, contact=ann, day=D - 2 * DAY, count=2)
    count_activity("helpful", account=account, contact=ann, article=article, day=D)
    count_activity("unhelpful", account=account, contact=bob, article=article, day=D)
    count_activity("search", account=account, day=D - 45 * DAY, count=9)  # before the window: only "last seen"
    count_activity("view", account=account, contact=ann, day=D + DAY, count=50)  # after the day: never read

    k = load_facts([account.pk], D)[account.pk].knowledge
    assert (k.views, k.searches, k.helpful, k.unhelpful, k.deflections) == (4, 2, 1, 1, 0)
    assert k.by_day == {D: 5, D - 2 * DAY: 3}
    assert k.by_contact == {ann.pk: 6, bob.pk: 2}
    assert k.people == 2 and k.last_on == D and k.helpfulness == 0.5


def test_a_deflection_counts_once_however_many_articles_it_showed(db):
    account = make_account(name="Deflected Ltd")
    ann = make_contact(account, name="Ann")
    shown = [create_article(title=f"Answer {n}", body="text") for n in range(3)]
    record_deflection(account, ann, shown)
    facts = load_facts([account.pk], dt.date.today())[account.pk]
    assert facts.knowledge.deflections == 1
    assert facts.knowledge_engagement == 1


def test_an_account_that_never_used_the_help_centre_has_no_engagement_value_and_an_idle_one_has_zero(db):
    never, idle = make_account(name="Never"), make_account(name="Idle")
    for account in (never, idle):
        make_subscription(account, start_date=D - 100 * DAY, end_date=D + 100 * DAY, seats=5, mrr=500)
    count_activity("view", account=idle, day=D - 60 * DAY)
    facts = load_facts([never.pk, idle.pk], D)
    assert facts[never.pk].knowledge_engagement is None
    assert facts[idle.pk].knowledge_engagement == 0
    assert raw_values_of(facts[never.pk])["knowledge_engagement"] is None
    assert raw_values_of(facts[idle.pk])["knowledge_engagement"] == 0.0
