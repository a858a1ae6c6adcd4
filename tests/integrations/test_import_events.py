import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from tenure.integrations.csv_import import import_csv
from tenure.usage.models import DailyAccountActivity, DailyFeatureUsage, Event
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts():
    return make_account(crm_id="CRM-1", name="Acme"), make_account(product_group_id="grp-2", name="Globex")


def write(tmp_path, text: str):
    path = tmp_path / "events.csv"
    path.write_text(text)
    return path


GOOD = """account_crm_id,user_id,event,timestamp,plan
crm-1,ann,Logged In,2026-03-01T09:00:00Z,pro
CRM-1,ann,Report Exported,2026-03-01T09:05:00Z,pro
crm-1,bob,Report Exported,2026-03-01T10:00:00Z,
"""


def test_backfill_goes_through_the_same_rollups_as_the_api(tmp_path, accounts):
    acme, _ = accounts
    result = import_csv("events", write(tmp_path, GOOD))
    assert result.ok and result.created == 3
    feature = DailyFeatureUsage.objects.get(account=acme, event="Report Exported")
    assert (feature.day, feature.count, feature.users) == (dt.date(2026, 3, 1), 2, 2)
    day = DailyAccountActivity.objects.get(account=acme)
    assert (day.active_users, day.logins) == (2, 1)
    assert Event.objects.get(user_id="ann", event="Logged In").payload["properties"] == {"plan": "pro"}


def test_reimporting_the_same_file_stores_nothing_twice(tmp_path, accounts):
    path = write(tmp_path, GOOD)
    import_csv("events", path)
    again = import_csv("events", path)
    assert (again.created, again.unchanged) == (0, 3)
    assert Event.objects.count() == 3
    assert DailyFeatureUsage.objects.get(event="Report Exported").count == 2


def test_a_bad_row_rejects_the_whole_file(tmp_path, accounts):
    text = GOOD + "crm-404,cy,Logged In,2026-03-02T09:00:00Z,\ncrm-1,dee,Logged In,not-a-time,\n"
    result = import_csv("events", write(tmp_path, text))
    assert not result.ok
    assert result.error_lines()[:2] == [
        "line 5, column 'account_crm_id': no account has the crm_id 'crm-404'",
        "line 6, column 'timestamp': " + result.errors[1].message,
    ]
    assert "not-a-time" in result.errors[1].message or "ISO" in result.errors[1].message
    assert not Event.objects.exists() and not DailyFeatureUsage.objects.exists()


def test_properties_column_must_be_a_json_object(tmp_path, accounts):
    text = "account_product_group_id,user_id,event,timestamp,properties\ngrp-2,u,X,2026-03-01T00:00:00Z,[1]\n"
    result = import_csv("events", write(tmp_path, text))
    assert result.error_lines() == ["line 2, column 'properties': is not a JSON object"]


def test_command_line(tmp_path, accounts, capsys):
    call_command("import", "events", str(write(tmp_path, GOOD)))
    assert Event.objects.count() == 3
    with pytest.raises(CommandError):
        call_command("import", "events", str(write(tmp_path, "user_id,event,timestamp\nu,X,2026-01-01T00:00Z\n")))
