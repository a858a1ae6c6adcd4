import pytest
from django.core.exceptions import ValidationError

from tenure.accounts import services
from tenure.accounts.services import find_account, find_accounts_by, normalize_domain, parse_roles
from tests.factories import make_account, make_contact, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "domain"),
    [("https://www.Acme.com/about", "acme.com"), ("ACME.COM", "acme.com"), (" sub.acme.io ", "sub.acme.io"),
     ("", ""), (None, "")],
)
def test_domains_are_stored_bare_and_lower_case(raw, domain):
    assert normalize_domain(raw) == domain


def test_accounts_are_found_by_any_external_id_ignoring_case():
    acme = make_account(crm_id="0015g00000AbC", billing_id="cus_Q1", product_group_id="grp-9")
    assert find_account(crm_id="0015G00000abc") == acme
    assert find_account(billing_id="CUS_q1") == acme
    assert find_account(product_group_id="GRP-9") == acme
    assert find_account(domain="https://WWW." + acme.domain.upper()) == acme
    assert find_account(crm_id="nope") is None
    assert find_accounts_by("billing_id", ["CUS_Q1", "other"]) == {"cus_q1": acme}


def test_two_accounts_cannot_share_an_external_id_in_different_case():
    make_account(product_group_id="Team-42")
    with pytest.raises(ValidationError, match="another account already has this product group id"):
        make_account(product_group_id="team-42")


def test_accounts_without_domain_do_not_collide():
    make_account(domain="")
    make_account(domain="")


def test_inactive_user_cannot_own_an_account():
    gone = make_user(username="gone", is_active=False)
    with pytest.raises(ValidationError, match="not an active user"):
        make_account(owner=gone)


def test_roles_are_read_from_words_people_write():
    assert parse_roles("Executive Sponsor; champion, admin") == ["executive_sponsor", "champion", "admin"]
    assert parse_roles("sponsor") == ["executive_sponsor"]
    assert parse_roles(["Maven", "maven"]) == ["maven"]
    with pytest.raises(ValidationError, match="unknown role 'ceo'"):
        parse_roles("ceo")


def test_contact_roles_and_activity():
    contact = make_contact(roles="champion; user", community_roles=["detractor"])
    assert contact.roles == ["champion", "user"]
    assert contact.community_roles == ["detractor"]
    assert contact.is_active
    services.update_contact(contact, left_on="2026-09-30", roles=["user"])
    contact.refresh_from_db()
    assert not contact.is_active
    assert contact.roles == ["user"]
    assert contact.community_roles == ["detractor"]  # untouched when not given


def test_contact_emails_are_unique_and_lower_case():
    contact = make_contact(email="  Mulder@FBI.gov ")
    assert contact.email == "mulder@fbi.gov"
    with pytest.raises(ValidationError, match="another contact already has this email"):
        make_contact(email="MULDER@fbi.gov")


def test_unknown_field_is_refused_by_name():
    with pytest.raises(ValidationError, match="colour"):
        services.create_account(name="X", colour="red")
