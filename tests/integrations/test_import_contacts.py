import pytest

from tenure.accounts.models import Contact
from tenure.integrations.csv_import import import_csv
from tests.factories import make_account, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return make_account(name="Acme", crm_id="C-1", domain="acme.com")


def test_good_contacts_file_creates_contacts_at_their_accounts(csv_file, acme):
    globex = make_account(name="Globex", billing_id="cus_2", domain="globex.com")
    path = csv_file("""
        email,name,title,account_crm_id,account_billing_id,roles,community_roles,left_on,product_user_id
        Ann@Acme.com,Ann,CTO,c-1,,Executive sponsor; champion,promoter,,u-1
        bo@globex.com,Bo,,,CUS_2,admin,,2026-02-01,
    """)

    result = import_csv("contacts", path)

    assert result.ok, result.error_lines()
    assert result.created == 2
    ann = Contact.objects.get(email="ann@acme.com")
    assert (ann.account, ann.title, ann.roles, ann.community_roles, ann.product_user_id) == (
        acme, "CTO", ["executive_sponsor", "champion"], ["promoter"], "u-1"
    )
    bo = Contact.objects.get(email="bo@globex.com")
    assert (bo.account, bo.roles, str(bo.left_on)) == (globex, ["admin"], "2026-02-01")


def test_contacts_match_by_email_ignoring_case_and_keep_their_account(csv_file, acme):
    contact = make_contact(acme, email="ann@acme.com", title="CTO")
    path = csv_file("""
        Email,Title
        ANN@ACME.COM,CEO
    """)

    result = import_csv("contacts", path)

    assert (result.created, result.updated) == (0, 1)
    contact.refresh_from_db()
    assert (contact.title, contact.account) == ("CEO", acme)


def test_contacts_match_by_product_user_id_ignoring_case(csv_file, acme):
    contact = make_contact(acme, email="old@acme.com", product_user_id="User-7")
    path = csv_file("""
        product_user_id,email
        user-7,new@acme.com
    """)

    result = import_csv("contacts", path)

    assert result.updated == 1
    contact.refresh_from_db()
    assert (contact.email, contact.product_user_id) == ("new@acme.com", "User-7")


def test_reimporting_the_same_contacts_file_changes_nothing(csv_file, acme):
    path = csv_file("""
        email,name,account_domain,roles
        ann@acme.com,Ann,acme.com,champion
        bo@acme.com,Bo,www.acme.com,
    """)
    assert import_csv("contacts", path).created == 2

    again = import_csv("contacts", path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_the_same_email_twice_in_a_file_is_an_error_naming_both_lines(csv_file, acme):
    path = csv_file("""
        email,account_crm_id
        ann@acme.com,C-1
        bo@acme.com,C-1
        Ann@Acme.com,C-1
    """)

    result = import_csv("contacts", path)

    assert result.error_lines() == ["line 4, column 'email': 'ann@acme.com' is also on line 2"]
    assert not Contact.objects.exists()


def test_bad_contact_rows_reject_the_file_with_line_column_and_reason(csv_file, acme):
    path = csv_file("""
        email,account_crm_id,account_domain,roles,left_on
        ok@acme.com,C-1,,champion,
        not-an-email,C-1,,,
        x@acme.com,C-404,,,
        y@acme.com,,,,
        z@acme.com,C-1,,promoter,
        w@acme.com,C-1,,boss,
        v@acme.com,C-1,,,01/02/2026
    """)

    result = import_csv("contacts", path)

    assert result.error_lines() == [
        "line 3, column 'email': 'not-an-email' is not an email address",
        "line 4, column 'account_crm_id': no account has the crm_id 'C-404'",
        "line 5, column 'account_crm_id': a new contact needs its account: give account_crm_id, "
        "account_billing_id, account_product_group_id or account_domain",
        "line 6, column 'roles': promoter: a community role; put it in the community_roles column",
        "line 7, column 'roles': unknown role 'boss'; known roles: executive_sponsor, champion, admin, user, "
        "billing, maven, promoter, detractor",
        "line 8, column 'left_on': '01/02/2026' is not a date; expected YYYY-MM-DD, such as 2026-03-01",
    ]
    assert not Contact.objects.exists()


def test_account_columns_naming_two_accounts_are_an_error(csv_file, acme):
    make_account(name="Globex", domain="globex.com")
    path = csv_file("""
        email,account_crm_id,account_domain
        ann@acme.com,C-1,globex.com
    """)

    result = import_csv("contacts", path)

    assert result.error_lines() == [
        "line 2, column 'account_domain': 'globex.com' is the account 'Globex', but account_crm_id names the "
        "account 'Acme'"
    ]
