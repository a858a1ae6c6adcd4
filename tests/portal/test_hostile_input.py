"""Whatever arrives at the sign-in form, in a sign-in link or in the contact form, the answer is a page with words
or a 4xx, never a 500."""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tenure.portal.access import MEMBER_KEY
from tenure.support.models import Ticket
from tenure.users.models import SignInThrottle

from .conftest import sign_in

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
emails = st.one_of(text, st.emails(), st.emails().map(str.upper), st.text(min_size=300, max_size=3000),
                   st.builds(lambda local, dom: f"{local}@{dom}", text, text))


@EXAMPLES
@given(email=emails)
@example(email="peter@initech.example\x00")
@example(email="x" * 100_000)
@example(email="'; DROP TABLE accounts_contact; --@initech.example")
@example(email="peter@initech.example\r\nBcc: victim@elsewhere.example")
@example(email="ünïcode@bücher.example")
def test_any_sign_in_form_input_is_answered_with_words(peter, email):
    SignInThrottle.objects.all().delete()  # this test is about input, not the limits
    response = Client().post("/help/sign-in/", {"email": email})
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert "Enter" in response.content.decode()


@EXAMPLES
@given(token=text)
@example(token="A" * 43)
@example(token="A" * 10_000)
@example(token="..")
@example(token="%00")
@example(token="\x00" * 30)
def test_any_sign_in_link_is_refused_with_words(peter, token):
    client = Client()
    for method in (client.get, client.post):
        response = method(f"/help/sign-in/{quote(token, safe='')}/")
        assert response.status_code in (400, 404, 405, 410), response.status_code
        if response.status_code in (400, 410):
            assert "This sign-in link" in response.content.decode()
    assert MEMBER_KEY not in client.session


@pytest.fixture
def member(peter):
    client = Client()
    sign_in(client, peter.email)
    return client


@EXAMPLES
@given(subject=text, description=st.one_of(text, st.just("d" * 30_000)), priority=st.one_of(text, st.just("high")))
def test_any_contact_form_input_is_a_ticket_or_words(member, subject, description, priority):
    before = Ticket.objects.count()
    response = member.post("/help/contact/", {"subject": subject, "description": description, "priority": priority})
    assert response.status_code in (302, 400), response.status_code
    assert Ticket.objects.count() == before + (response.status_code == 302)


def test_a_search_or_subject_of_any_size_is_answered(member):
    assert Client().get("/help/search/", {"q": "q" * 100_000}).status_code == 200
    assert member.get("/help/contact/suggestions/", {"subject": "s\x00" * 50_000}).status_code == 200


@EXAMPLES
@given(words=text, shown=st.lists(st.one_of(text, st.integers().map(str)), max_size=30))
@example(words='"unbalanced AND (', shown=["-1", "9" * 40])
@example(words="title: * NEAR(a b) ^ OR OR", shown=["\x00"])
@example(words="\x00", shown=[])
@example(words="export", shown=["²", "٣", "１２"])  # digits int() refuses or reads otherwise
def test_any_search_article_address_or_shown_list_is_answered_without_a_500(member, words, shown):
    quoted = quote(words, safe="")
    for path in (f"/help/search/?q={quoted}", f"/help/suggest/?q={quoted}",
                 f"/help/contact/suggestions/?subject={quoted}", f"/help/articles/{quoted or 'x'}/"):
        response = member.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
    for path in ("/help/contact/answered/", f"/help/articles/{quoted or 'x'}/feedback/"):
        response = member.post(path, {"shown": shown, "helpful": words[:10]})
        assert response.status_code in (302, 400, 404), (path, response.status_code)
    Ticket.objects.all().delete()
