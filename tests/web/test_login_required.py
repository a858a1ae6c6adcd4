import re

import pytest
from django.urls import reverse

from tests.factories import make_account


@pytest.fixture
def account(db):
    return make_account(name="Initech")


@pytest.mark.parametrize("name", ["web:home", "accounts:list"])
def test_logged_out_pages_redirect_to_login(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_logged_out_account_page_redirects_to_login(client, account):
    url = reverse("accounts:detail", args=[account.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_logged_out_api_answers_401_not_a_redirect(client, db):
    response = client.get("/api/accounts")
    assert response.status_code == 401


def test_login_page_has_labelled_fields(client, db):
    html = client.get(reverse("login")).content.decode()
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'autocomplete="current-password"' in html
    assert 'aria-label="Main"' not in html  # no navigation before logging in


def test_a_csm_logs_in_to_their_work_queue(client, csm):
    response = client.post(reverse("login"), {"username": "alice", "password": "pw-for-tests-only"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("risk:my_work")
    assert response.status_code == 200


def test_a_leader_logs_in_to_the_accounts_list(client, leader):
    response = client.post(reverse("login"), {"username": "lena", "password": "pw-for-tests-only"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:list")


def test_login_goes_back_to_the_page_asked_for(client, account, csm):
    url = reverse("accounts:detail", args=[account.pk])
    response = client.post(f"{reverse('login')}?next={url}", {"username": "alice", "password": "pw-for-tests-only",
                                                              "next": url})
    assert response["Location"] == url


def test_wrong_password_is_announced(client, csm):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and "did not match" in html
    assert 'value="alice"' in html  # the username is kept


def test_navigation_marks_the_current_section(csm_client, account):
    list_html = csm_client.get(reverse("accounts:list")).content.decode()
    assert f'<a href="{reverse("accounts:list")}" aria-current="page">Accounts</a>' in list_html
    detail_html = csm_client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert f'<a href="{reverse("accounts:list")}" aria-current="true">Accounts</a>' in detail_html
    assert f'<a href="{reverse("integrations:import")}">Import</a>' in detail_html


def test_layout_shows_who_is_logged_in_and_a_logout_button(csm_client, db):
    html = csm_client.get(reverse("accounts:list")).content.decode()
    assert "Alice Archer" in html and "CSM" in html
    assert f'action="{reverse("logout")}"' in html


def test_pages_load_nothing_from_the_internet(csm_client, account):
    for url in (reverse("accounts:list"), reverse("accounts:detail", args=[account.pk])):
        html = csm_client.get(url).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', html), url
        assert 'src="/static/django_htmx/htmx' in html  # htmx comes from the django-htmx package


def test_htmx_requests_carry_the_csrf_token(csm_client, db):
    html = csm_client.get(reverse("accounts:list")).content.decode()
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"\w+\"\}'>", html)


def test_stylesheet_and_htmx_are_served_locally(csm_client, db):
    html = csm_client.get(reverse("accounts:list")).content.decode()
    paths = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(paths) >= 2  # the stylesheet and htmx
    for path in paths:
        assert csm_client.get(path).status_code == 200, path
