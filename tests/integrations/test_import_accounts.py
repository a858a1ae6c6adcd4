import pytest

from tenure.accounts.models import Account
from tenure.integrations.csv_import import import_csv
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db


def test_good_accounts_file_creates_accounts_with_normalized_values(csv_file, csm):
    make_user(username="bob", email="Bob@Example.com")
    path = csv_file("""
        crm_id,Name,Domain,Segment,Stage,Owner,Industry
        C-1,Acme,https://www.Acme.com/about,enterprise,Adopting,alice,Software
        C-2,Globex,globex.com,smb,,BOB@example.com,
    """)

    result = import_csv("accounts", path)

    assert result.ok, result.error_lines()
    assert (result.rows, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    acme = Account.objects.get(crm_id="C-1")
    assert (acme.name, acme.domain, acme.segment, acme.stage, acme.owner, acme.industry) == (
        "Acme", "acme.com", "enterprise", "adopting", csm, "Software"
    )
    globex = Account.objects.get(crm_id="C-2")
    assert globex.stage == "onboarding"  # an empty stage is the default for a new account
    assert globex.owner.username == "bob"


def test_reimporting_the_same_accounts_file_changes_nothing(csv_file, csm):
    path = csv_file("""
        crm_id,name,domain,owner,Tier
        C-1,Acme,acme.com,alice,gold
        C-2,Globex,globex.com,,silver
    """)
    import_csv("accounts", path)
    stamps = dict(Account.objects.values_list("crm_id", "updated_at"))

    again = import_csv("accounts", path)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert dict(Account.objects.values_list("crm_id", "updated_at")) == stamps


def test_accounts_match_by_external_id_ignoring_case_and_keep_the_stored_id(csv_file):
    account = make_account(name="Old name", crm_id="CRM-1")
    path = csv_file("""
        CRM ID,name
        crm-1,New name
    """)

    result = import_csv("accounts", path)

    assert (result.created, result.updated) == (0, 1)
    account.refresh_from_db()
    assert (account.name, account.crm_id) == ("New name", "CRM-1")


def test_accounts_match_by_domain_when_no_external_id_matches_and_gain_the_id(csv_file):
    account = make_account(name="Acme", domain="acme.com")
    path = csv_file("""
        billing_id,domain,name
        cus_9,https://www.ACME.com/,Acme Inc
    """)

    result = import_csv("accounts", path)

    assert (result.created, result.updated) == (0, 1)
    account.refresh_from_db()
    assert (account.billing_id, account.name) == ("cus_9", "Acme Inc")


def test_keys_of_one_row_that_match_two_accounts_are_an_error(csv_file):
    make_account(name="Acme", crm_id="C-1", domain="acme.com")
    make_account(name="Globex", domain="globex.com")
    path = csv_file("""
        crm_id,domain,name
        C-1,globex.com,Acme
    """)

    result = import_csv("accounts", path)

    assert result.error_lines() == [
        "line 2, column 'domain': 'globex.com' belongs to account 'Globex', but crm_id 'C-1' belongs to "
        "account 'Acme'"
    ]


def test_an_import_never_changes_a_stored_external_id(csv_file):
    make_account(name="Acme", crm_id="C-1", domain="acme.com")
    path = csv_file("""
        domain,crm_id,name
        acme.com,C-99,Acme
    """)

    result = import_csv("accounts", path)

    assert result.error_lines() == [
        "line 2, column 'crm_id': account 'Acme' already has crm_id 'C-1'; an import does not change it"
    ]


def test_the_same_key_on_two_lines_is_an_error_naming_both_lines(csv_file):
    path = csv_file("""
        crm_id,domain,name
        C-1,acme.com,Acme
        C-2,globex.com,Globex
        C-3,ACME.com,Acme again
    """)

    result = import_csv("accounts", path)

    assert result.error_lines() == ["line 4, column 'domain': 'acme.com' is also on line 2"]
    assert not Account.objects.exists()


def test_two_lines_matching_the_same_account_by_different_keys_are_an_error(csv_file):
    make_account(name="Acme", crm_id="C-1", domain="acme.com")
    path = csv_file("""
        crm_id,domain,name
        C-1,,Acme
        ,acme.com,Acme
    """)

    result = import_csv("accounts", path)

    assert result.error_lines() == ["line 3: matches the same account ('Acme') as line 2"]


def test_unmapped_columns_are_kept_in_custom_attributes_and_merged(csv_file):
    account = make_account(name="Acme", crm_id="C-1", custom={"region": "EU", "keep": "me"})
    path = csv_file("""
        crm_id,name,Plan Tier,region,Employees
        C-1,Acme,gold,,250
        C-2,Globex,silver,US,
    """)

    result = import_csv("accounts", path)

    assert result.ok and result.custom_columns == ["Plan Tier", "region", "Employees"]
    account.refresh_from_db()
    # An empty cell removes the attribute; attributes the file does not name are kept.
    assert account.custom == {"keep": "me", "Plan Tier": "gold", "Employees": "250"}
    assert Account.objects.get(crm_id="C-2").custom == {"Plan Tier": "silver", "region": "US"}


def test_map_reads_fields_and_custom_attributes_from_columns_of_other_names(csv_file):
    path = csv_file("""
        Salesforce ID,Company,Website,ARR band
        001A,Acme,acme.com,100k+
    """)

    result = import_csv(
        "accounts", path, mapping=["crm_id=Salesforce ID", "name=company", "domain=Website", "custom.arr_band=ARR band"]
    )

    assert result.ok, result.error_lines()
    account = Account.objects.get()
    assert (account.crm_id, account.name, account.domain, account.custom) == (
        "001A", "Acme", "acme.com", {"arr_band": "100k+"}
    )


def test_an_empty_cell_keeps_a_required_value_and_clears_an_optional_one(csv_file):
    account = make_account(name="Acme", crm_id="C-1", segment="smb", stage="mature")
    path = csv_file("""
        crm_id,name,segment,stage
        C-1,,,
    """)

    result = import_csv("accounts", path)

    assert result.updated == 1
    account.refresh_from_db()
    assert (account.name, account.segment, account.stage) == ("Acme", "", "mature")


def test_bad_account_rows_reject_the_file_with_line_column_and_reason(csv_file, csm):
    existing = make_account(name="Acme", crm_id="C-1", segment="smb")
    make_user(username="gone", is_active=False)
    path = csv_file("""
        crm_id,name,stage,owner,segment
        C-1,Acme,mature,alice,enterprise
        C-2,,adopting,,
        C-3,Initech,golden,,
        C-4,Umbrella,,nobody,
        C-5,Hooli,,gone,
    """)

    result = import_csv("accounts", path)

    assert result.error_lines() == [
        "line 3, column 'name': is required to create a new account",
        "line 4, column 'stage': 'golden' is not one of: onboarding, adopting, mature, renewing, churned",
        "line 5, column 'owner': no user has the username or email 'nobody'",
        "line 6, column 'owner': gone is not an active user",
    ]
    assert Account.objects.count() == 1
    existing.refresh_from_db()
    assert existing.segment == "smb"  # line 2 was valid, but nothing of a rejected file is written


def test_model_validation_errors_name_the_file_column(csv_file):
    path = csv_file(f"""
        crm_id,Company Name
        C-1,{"x" * 201}
    """)

    result = import_csv("accounts", path, mapping=["name=Company Name"])

    assert result.error_lines() == [
        "line 2, column 'Company Name': Ensure this value has at most 200 characters (it has 201)."
    ]
