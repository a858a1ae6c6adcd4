"""Problems with a file as a whole, and the all-or-nothing rule."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenure.accounts.models import Account
from tenure.integrations.csv_import import MAX_ERRORS, ImportFileError, import_csv

pytestmark = pytest.mark.django_db


def _refused(kind, path, **kw) -> str:
    with pytest.raises(ImportFileError) as caught:
        import_csv(kind, path, **kw)
    return str(caught.value)


def test_an_empty_file_is_refused(csv_file):
    assert _refused("accounts", csv_file("")) == "the file is empty"


def test_a_file_with_only_a_header_is_refused(csv_file):
    assert _refused("accounts", csv_file("crm_id,name\n")) == "the file has a header but no rows"


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(csv_file):
    path = csv_file("crm_id,name\nC-1,Acme\nC-2,Soci\u00e9t\u00e9\n", encoding="cp1252")

    assert _refused("accounts", path) == (
        "line 3: byte 0xe9 (byte 9 of the line) is not UTF-8 text; save the file as CSV UTF-8 (on the command "
        "line, --encoding can name another encoding, for example cp1252)"
    )
    assert not Account.objects.exists()


def test_a_named_encoding_reads_a_cp1252_file(csv_file):
    path = csv_file("crm_id,name\nC-2,Soci\u00e9t\u00e9\n", encoding="cp1252")

    assert import_csv("accounts", path, encoding="cp1252").created == 1
    assert Account.objects.get().name == "Soci\u00e9t\u00e9"


def test_a_utf16_file_is_refused_with_a_clear_reason(csv_file):
    path = csv_file("crm_id,name\nC-1,Acme\n", encoding="utf-16")

    assert _refused("accounts", path) == "the file is UTF-16 text; save it as CSV UTF-8"


def test_a_byte_order_mark_and_semicolons_are_understood(csv_file):
    path = csv_file("\ufeffcrm_id;name;domain\nC-1;Acme;acme.com\n")

    result = import_csv("accounts", path)

    assert result.created == 1 and Account.objects.get().crm_id == "C-1"


def test_a_missing_key_column_is_refused_naming_the_columns(csv_file):
    path = csv_file("name,segment\nAcme,smb\n")

    assert _refused("accounts", path) == (
        "the file needs one of the columns crm_id, billing_id, product_group_id, domain to match accounts "
        "(or --map one of them to a column of the file)"
    )


def test_a_missing_required_column_is_refused_naming_it(csv_file):
    assert _refused("tickets", csv_file("id,subject\n1,Help\n")) == (
        "the file has no 'external_id' column, which tickets need (name another column with --map "
        "external_id=COLUMN)"
    )


def test_mapping_an_unknown_field_is_refused_naming_the_fields(csv_file):
    path = csv_file("crm_id,name\nC-1,Acme\n")

    assert _refused("contacts", path, mapping=["mail=crm_id"]).startswith(
        "--map mail=crm_id: contacts have no field 'mail'; the fields are email, product_user_id,"
    )


def test_mapping_a_column_the_file_lacks_is_refused_naming_the_column(csv_file):
    path = csv_file("crm_id,name\nC-1,Acme\n")

    assert _refused("accounts", path, mapping=["domain=Website"]) == (
        "--map domain=Website: the file has no column 'Website'; its columns are 'crm_id', 'name'"
    )


def test_a_column_named_twice_in_the_header_is_refused(csv_file):
    assert _refused("accounts", csv_file("crm_id,name,name\nC-1,A,B\n")) == (
        "column 'name' appears twice in the header (columns 2 and 3)"
    )


def test_two_columns_naming_one_field_are_refused(csv_file):
    assert _refused("accounts", csv_file("crm_id,Name,name \nC-1,A,B\n")) == (
        "columns 'Name' and 'name' both name the field name; choose one with --map name=COLUMN"
    )
    assert _refused("accounts", csv_file("crm_id,CRM-ID\nC-1,A\n")) == (
        "columns 'crm_id' and 'CRM-ID' both name the field crm_id; choose one with --map crm_id=COLUMN"
    )


def test_an_unknown_kind_is_refused_naming_the_kinds(csv_file):
    assert _refused("widgets", csv_file("a\n1\n")).startswith("cannot import 'widgets'; choose one of accounts,")


def test_a_row_with_too_many_or_too_few_values_is_an_error(csv_file):
    result = import_csv("accounts", csv_file("crm_id,name\nC-1,Acme,extra\nC-2\n"))

    assert result.error_lines() == [
        "line 2: has 3 values but the header has 2 columns",
        "line 3: has 1 values but the header has 2 columns",
    ]


def test_line_numbers_count_lines_of_the_file_across_quoted_line_breaks_and_blank_lines(csv_file):
    path = csv_file('crm_id,name,notes\nC-1,Acme,"two\nlines"\n\nC-2,Globex,x\nC-3,,x\n')

    result = import_csv("accounts", path)

    assert result.error_lines() == ["line 6, column 'name': is required to create a new account"]


def test_errors_are_listed_up_to_the_limit_then_counted(csv_file):
    rows = "".join(f"C-{n},\n" for n in range(MAX_ERRORS + 7))
    result = import_csv("accounts", csv_file("crm_id,name\n" + rows))

    lines = result.error_lines()
    assert result.error_count == MAX_ERRORS + 7
    assert len(lines) == MAX_ERRORS + 1
    assert lines[0] == "line 2, column 'name': is required to create a new account"
    assert lines[-1] == "and 7 more"


def test_a_bad_row_after_written_chunks_leaves_the_database_untouched(csv_file):
    rows = "".join(f"C-{n},Account {n}\n" for n in range(9)) + "C-9,\n"

    result = import_csv("accounts", csv_file("crm_id,name\n" + rows), chunk_rows=3)

    assert result.created == 9 and result.error_count == 1
    assert not Account.objects.exists()


def test_a_dry_run_reports_the_counts_and_writes_nothing(csv_file):
    result = import_csv("accounts", csv_file("crm_id,name\nC-1,Acme\nC-2,Globex\n"), dry_run=True)

    assert (result.ok, result.dry_run, result.created) == (True, True, 2)
    assert not Account.objects.exists()


def test_the_preview_holds_the_first_parsed_rows(csv_file):
    result = import_csv("accounts", csv_file("CRM Id,Domain,name,Tier\nC-1,https://www.acme.com,Acme,gold\n"))

    assert result.columns == ["crm_id", "domain", "name", "custom.Tier"]
    assert [(p.line, p.action, p.values) for p in result.preview] == [
        (2, "created", {"crm_id": "C-1", "domain": "acme.com", "name": "Acme", "custom.Tier": "gold"})
    ]


def test_queries_per_import_do_not_grow_with_the_number_of_rows(csv_file, csm):
    def queries(rows: int, prefix: str) -> int:
        body = "".join(f"{prefix}{n},Account {n},{prefix}{n}.example,alice,gold\n" for n in range(rows))
        path = csv_file("crm_id,name,domain,owner,tier\n" + body, name=f"{prefix}.csv")
        with CaptureQueriesContext(connection) as ctx:
            assert import_csv("accounts", path).ok
        return len(ctx.captured_queries)

    # One lookup per key and one bulk write per chunk (the database may split a long INSERT in batches).
    assert queries(5, "a") == queries(60, "b")
    assert queries(1000, "c") <= 25


def test_a_line_repeated_cell_for_cell_is_skipped_but_a_key_reused_with_other_values_is_an_error(csv_file):

    repeated = import_csv("accounts", csv_file("crm_id,name\nC-1,Acme\nC-2,Globex\nC-1,Acme\n"))

    assert repeated.ok and (repeated.created, repeated.duplicates) == (2, 1)
    assert "1 duplicate lines skipped" in repeated.summary()
    clash = import_csv("accounts", csv_file("crm_id,name\nC-3,Initech\nC-3,Initrode\n", name="clash.csv"))
    assert clash.error_lines() == ["line 3, column 'crm_id': 'C-3' is also on line 2"]
    assert Account.objects.count() == 2
