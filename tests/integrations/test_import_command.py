import importlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tenure.accounts.models import Account
from tenure.billing.models import SubscriptionChange

import_command = importlib.import_module("tenure.integrations.management.commands.import")

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_command_imports_a_file_and_reports_the_counts(csv_file):
    path = csv_file("crm_id,name\nC-1,Acme\nC-2,Globex\n")

    out, _ = run("accounts", str(path))

    assert out.strip() == "accounts: 2 rows, 2 created, 0 updated, 0 unchanged"
    assert Account.objects.count() == 2


def test_import_command_run_twice_reports_zero_created_and_zero_updated(csv_file):
    path = csv_file("crm_id,name\nC-1,Acme\nC-2,Globex\n")
    run("accounts", str(path))

    out, _ = run("accounts", str(path))

    assert out.strip() == "accounts: 2 rows, 0 created, 0 updated, 2 unchanged"


def test_import_command_dry_run_writes_nothing(csv_file):
    out, _ = run("accounts", str(csv_file("crm_id,name\nC-1,Acme\n")), "--dry-run")

    assert out.strip() == "accounts: 1 rows, 1 created, 0 updated, 0 unchanged (dry run: nothing was written)"
    assert not Account.objects.exists()


def test_import_command_maps_columns_with_map_options(csv_file):
    path = csv_file("Subscription,Customer,Plan,Start\nsub_1,C-1,Growth,2026-01-01\n")
    Account.objects.create(name="Acme", crm_id="C-1")

    run("subscriptions", str(path), "--map", "external_id=Subscription", "--map", "account_crm_id=Customer",
        "--map", "start_date=Start")

    assert SubscriptionChange.objects.get().subscription.external_id == "sub_1"


def test_import_command_rejects_a_bad_file_listing_line_column_and_reason(csv_file):
    path = csv_file("crm_id,name,stage\nC-1,Acme,\nC-2,,\nC-3,Initech,gold\n")

    with pytest.raises(CommandError) as caught:
        run("accounts", str(path))

    assert str(caught.value) == (
        f"{path}: rejected, nothing was imported; 2 errors:\n"
        "line 3, column 'name': is required to create a new account\n"
        "line 4, column 'stage': 'gold' is not one of: onboarding, adopting, mature, renewing, churned"
    )
    assert not Account.objects.exists()


def test_import_command_names_a_missing_column(csv_file):
    with pytest.raises(CommandError, match="the file has no 'external_id' column"):
        run("tickets", str(csv_file("id,subject\n1,Help\n")))


def test_import_command_refuses_an_unknown_map_field(csv_file):
    with pytest.raises(CommandError, match="--map colour=name: accounts have no field 'colour'"):
        run("accounts", str(csv_file("crm_id,name\nC-1,Acme\n")), "--map", "colour=name")


def test_import_command_refuses_an_unknown_kind(csv_file):
    with pytest.raises(CommandError, match="invalid choice: 'widgets'"):
        run("widgets", str(csv_file("a\n1\n")))


def test_import_command_shows_progress_on_stderr_for_large_files(csv_file, monkeypatch):
    monkeypatch.setattr(import_command, "LARGE_FILE", 10)
    path = csv_file("crm_id,name\n" + "".join(f"C-{n},Account {n}\n" for n in range(50)))

    _, err = run("accounts", str(path))

    assert "50 rows read (100% of" in err


def test_import_command_says_which_columns_it_ignored(csv_file):
    Account.objects.create(name="Acme", domain="acme.com")
    _, err = run("contacts", str(csv_file("email,account_domain,Shoe size\nann@acme.com,acme.com,42\n")))

    assert "ignored columns (no such contacts field): Shoe size" in err


def test_import_command_help_documents_the_columns_of_each_kind(capsys):
    parser = import_command.Command().create_parser("tenure", "import")
    parser.print_help()

    text = capsys.readouterr().out
    for line in ("accounts: customer companies", "  account_domain", "  effective_on", "  contact_email"):
        assert line in text
