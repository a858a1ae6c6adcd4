"""The demo's help centre: a knowledge base customers can read and search in their own words, and a year of its
use that follows each account's story (engaged accounts read; leaving ones stop before they go), with tickets
opened in the portal anyway, deflections and knowledge gaps."""

import datetime as dt
import statistics

import pytest
from django.test import Client

from tenure.accounts.models import Contact
from tenure.demo.models import DemoScenario, Scenario, UsageTrend
from tenure.demo.services import DemoConflict, build_demo
from tenure.facts.load import load_facts
from tenure.knowledge.models import Article, ArticleStatus, KnowledgeActivity, KnowledgeGap, ShownArticle, Visibility
from tenure.knowledge.search import Audience, search_articles
from tenure.knowledge.services import create_article
from tenure.support.models import Ticket
from tests.demo.conftest import TODAY
from tests.portal.conftest import sign_in

# A customer's words -> the article that answers them (none of these is an article's title).
OWN_WORDS = {
    "our slack channel stopped getting updates": "slack-not-posting",
    "how do I put our VAT number on the invoice": "invoice-vat",
    "colleague left the company, take away their access": "remove-user",
    "csv export stops after 5000 rows": "export-cut-off",
    "new hires get an error signing in through okta": "sso-new-users",
}


def test_about_sixty_published_articles_in_categories_readable_in_the_portal(small_demo):
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    assert 55 <= published.count() <= 65
    assert Article.objects.filter(status=ArticleStatus.DRAFT).exists()
    assert published.values("category").distinct().count() >= 6
    assert set(published.values_list("visibility", flat=True)) == set(Visibility.values)
    assert all(a.tags.exists() for a in published)
    assert published.filter(related__isnull=False).distinct().count() > 40
    anonymous = Client()
    page = anonymous.get("/help/articles/slack-not-posting/")
    assert page.status_code == 200 and b"Slack messages not posting" in page.content
    # a customers-only article is for the signed-in customers
    assert anonymous.get("/help/articles/remove-user/").status_code == 404


def test_a_customer_finds_the_answer_in_their_own_words(small_demo):
    story = DemoScenario.objects.filter(churned_on__isnull=True, scenario=Scenario.STEADY).first()
    person = Contact.objects.filter(account=story.account, left_on__isnull=True).exclude(email="").first()
    client = Client()
    assert sign_in(client, person.email).status_code == 302
    audience = Audience.for_account(story.account)
    for words, slug in OWN_WORDS.items():
        assert search_articles(words, audience=audience, limit=3)[0].slug == slug, words
        page = client.get("/help/search/", {"q": words}).content.decode()
        assert f"/help/articles/{slug}/" in page, words


def _engagement_before(account_ids, day: dt.date) -> dict[int, int]:
    facts = load_facts(account_ids, day, parts=("knowledge",))
    return {pk: f.knowledge.actions for pk, f in facts.items()}


def test_engaged_accounts_read_more_than_leavers_who_stop_before_they_go(small_demo):
    engaged = list(DemoScenario.objects.filter(
        churned_on__isnull=True, scenario__in=[Scenario.STEADY, Scenario.EXPANDING],
        usage_trend__in=[UsageTrend.STEADY, UsageTrend.GROWING]).values_list("account_id", flat=True))
    churned = list(DemoScenario.objects.filter(churned_on__isnull=False).values_list("account_id", "churned_on"))
    assert engaged and churned
    now = _engagement_before(engaged, TODAY)
    readers = [n for n in now.values() if n]
    assert len(readers) >= 0.6 * len(engaged)  # most engaged accounts use the help centre (not all: some never)
    # Leavers' last 30 days as customers: nothing in the last two weeks, far less than the engaged read today.
    before_leaving = [_engagement_before([pk], left)[pk] for pk, left in churned]
    assert statistics.mean(now.values()) > 2 * statistics.mean(before_leaving)
    for pk, left in churned:
        assert not KnowledgeActivity.objects.filter(account_id=pk, day__gt=left - dt.timedelta(days=14)).exists()
    # the health measure reads it: known for readers, unknown for accounts whose people never came
    facts = load_facts(engaged, TODAY, parts=("knowledge",))
    assert any(f.knowledge_engagement for f in facts.values())


def test_tickets_opened_in_the_portal_anyway_keep_the_articles_shown(small_demo):
    portal = Ticket.objects.filter(source="portal")
    assert portal.exists()
    shown = ShownArticle.objects.filter(ticket__in=portal).select_related("ticket", "article")
    assert shown.exists()
    slack = [s.article.slug for s in shown if s.ticket.subject == "Slack messages not posting"]
    assert not slack or "slack-not-posting" in slack
    assert KnowledgeActivity.objects.filter(kind="deflection").exists()


def test_a_handful_of_searches_nothing_answers_are_knowledge_gaps(small_demo):
    gaps = list(KnowledgeGap.objects.all())
    assert 1 <= len(gaps) <= 10
    for gap in gaps:
        assert gap.accounts.exists()
        assert not any(r.complete for r in search_articles(gap.example, audience=Audience.STAFF))


def test_a_knowledge_base_the_demo_did_not_write_is_not_wiped_without_reset(db):
    create_article(title="Our own onboarding guide", body="Written by the team.")
    with pytest.raises(DemoConflict, match="1 knowledge base articles not written by the demo"):
        build_demo(seed=7, accounts=30, today=TODAY, usage=False, churn_model=False)
    assert Article.objects.filter(title="Our own onboarding guide").exists()
