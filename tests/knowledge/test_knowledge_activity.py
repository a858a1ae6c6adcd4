"""How customers use the knowledge base, counted per account, contact, day and kind (what the account facts will
read), and the searches no article answered (knowledge gaps)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tenure.knowledge import services
from tenure.knowledge.models import ArticleFeedback, KnowledgeActivity, KnowledgeGap
from tenure.knowledge.search import Audience, search_articles
from tests.factories import make_account, make_contact
from tests.knowledge.builders import make_article

pytestmark = pytest.mark.django_db


def tally(**filters):
    return {(a.kind, a.contact_id, a.article_id): a.count for a in KnowledgeActivity.objects.filter(**filters)}


def test_views_are_counted_per_day_account_contact_and_article_by_upsert():
    account = make_account()
    ann, bob = make_contact(account), make_contact(account)
    article = make_article("Reports")
    for _ in range(3):
        services.record_view(article, account, ann)
    services.record_view(article, account, bob)
    services.record_view(article, account)
    services.record_view(article)  # anonymous: no account to credit
    assert tally(account=account) == {("view", ann.pk, article.pk): 3, ("view", bob.pk, article.pk): 1,
                                      ("view", None, article.pk): 1}
    assert set(KnowledgeActivity.objects.values_list("day", flat=True)) == {timezone.localdate()}


def test_a_contact_of_another_account_is_refused():
    with pytest.raises(ValidationError, match="another account"):
        services.record_view(make_article(), make_account(), make_contact())


def test_the_account_follows_the_contact_when_only_the_contact_is_known():
    contact = make_contact()
    services.record_view(make_article(), contact=contact)
    assert KnowledgeActivity.objects.get().account_id == contact.account_id


def test_feedback_is_stored_and_counted():
    contact = make_contact()
    article = make_article("Helpful?")
    services.record_feedback(article, True, contact=contact)
    services.record_feedback(article, False, comment="  Missing the API part  ", contact=contact)
    services.record_feedback(article, True)  # anonymous: stored, not counted for anyone
    assert ArticleFeedback.objects.filter(article=article).count() == 3
    assert ArticleFeedback.objects.get(helpful=False).comment == "Missing the API part"
    assert tally(account=contact.account) == {("helpful", contact.pk, article.pk): 1,
                                              ("unhelpful", contact.pk, article.pk): 1}


def test_a_deflection_counts_once_for_the_account_and_once_for_each_article_shown():
    contact = make_contact()
    a, b = make_article("A"), make_article("B")
    services.record_deflection(contact.account, contact, [a, b, a])
    services.record_deflection(contact.account, contact, [a])
    assert tally(account=contact.account) == {("deflection", contact.pk, None): 2,
                                              ("deflection", contact.pk, a.pk): 2,
                                              ("deflection", contact.pk, b.pk): 1}
    with pytest.raises(ValidationError, match="account"):
        services.record_deflection(None)


def test_a_search_without_a_complete_answer_is_a_knowledge_gap():
    make_article("Export invoices", "As PDF.")
    first, second = make_account(), make_account()
    for account, text in ((first, "How do I export to Salesforce?"), (second, "export  salesforce"),
                          (first, "EXPORT Salesforce")):
        found = search_articles(text, audience=Audience.for_account(account))
        assert [r.complete for r in found] == [False]  # "export" matched, "salesforce" did not
        services.record_search(text, found, account=account)
    gap = KnowledgeGap.objects.get()
    assert (gap.query, gap.count, gap.example) == ("export salesforce", 3, "EXPORT Salesforce")
    assert set(gap.accounts.all()) == {first, second}
    assert gap.first_seen <= gap.last_seen
    assert tally(account=first) == {("search", None, None): 2}


def test_a_search_with_a_complete_answer_is_no_gap():
    make_article("Export invoices", "As PDF.")
    found = search_articles("export invoices", audience=Audience.PUBLIC)
    assert services.record_search("export invoices", found) is None
    assert not KnowledgeGap.objects.exists()


def test_a_search_of_no_words_records_nothing():
    assert services.record_search("  ?? the ", [], account=make_account()) is None
    assert not KnowledgeGap.objects.exists() and not KnowledgeActivity.objects.exists()
