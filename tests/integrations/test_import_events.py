import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from tenure.integrations.csv_import import ImportFileError, import_csv
from tenure.usage import backfill as usage_backfill
from tenure.usage.models import Backfill, DailyAccountActivity, DailyFeatureUsage, Event, ProductUser, SeenMessage
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


# -- large histories: chunks in their own transactions, visible only when the whole file is in -------------

TWINS = """account_crm_id,user_id,event,timestamp
crm-1,ann,Report Exported,2026-03-01T09:00:00Z
crm-1,ann,Report Exported,2026-03-01T09:00:00Z
crm-1,ann,Report Exported,2026-03-01T09:00:00Z
crm-1,bob,Report Exported,2026-03-01T09:00:00Z
"""


def test_identical_rows_in_the_same_second_are_each_stored_and_counted(tmp_path, accounts):
    result = import_csv("events", write(tmp_path, TWINS))
    assert (result.created, result.unchanged) == (4, 0)
    assert Event.objects.count() == 4
    assert DailyFeatureUsage.objects.get(event="Report Exported").count == 4


def test_reimporting_identical_rows_stores_nothing_twice(tmp_path, accounts):
    path = write(tmp_path, TWINS)
    import_csv("events", path)
    again = import_csv("events", path)
    assert (again.created, again.unchanged) == (0, 4)
    assert Event.objects.count() == 4
    assert DailyFeatureUsage.objects.get(event="Report Exported").count == 4


def test_a_file_with_one_more_identical_row_adds_only_that_one(tmp_path, accounts):
    import_csv("events", write(tmp_path, TWINS))
    more = import_csv("events", write(tmp_path, TWINS + "crm-1,ann,Report Exported,2026-03-01T09:00:00Z\n"))
    assert (more.created, more.unchanged) == (1, 4)
    assert DailyFeatureUsage.objects.get(event="Report Exported").count == 5


def test_derived_message_ids_begin_with_the_events_time_in_utc(tmp_path, accounts):
    text = "account_crm_id,user_id,event,timestamp\ncrm-1,ann,X,2026-03-01T10:30:05+01:00\n"
    import_csv("events", write(tmp_path, text))
    # Ids of a time-ordered history grow: the unique index of message ids is appended to, not rewritten all over.
    assert Event.objects.get().message_id.startswith("import:20260301T093005:")


def test_events_imported_when_ids_were_only_a_digest_are_not_stored_again(tmp_path, accounts):
    path = write(tmp_path, TWINS)
    import_csv("events", path)
    for event in Event.objects.all():  # as an import before ids began with the time stored them
        earlier = "import-" + event.message_id.split(":", 2)[2]
        SeenMessage.objects.filter(message_id=event.message_id).update(message_id=earlier)
        Event.objects.filter(pk=event.pk).update(message_id=earlier)
    again = import_csv("events", path)
    assert (again.created, again.unchanged) == (0, 4)
    assert Event.objects.count() == 4
    assert DailyFeatureUsage.objects.get(event="Report Exported").count == 4
    dry = import_csv("events", path, dry_run=True)
    assert (dry.created, dry.unchanged) == (0, 4)


def test_repeated_message_ids_are_counted_as_unchanged_not_created(tmp_path, accounts):
    text = "account_crm_id,user_id,event,timestamp,message_id\n" + "crm-1,ann,X,2026-03-01T09:00:00Z,m-1\n" * 2
    result = import_csv("events", write(tmp_path, text))
    assert (result.created, result.unchanged) == (1, 1)
    assert Event.objects.count() == 1


def _rows(count: int, start: int = 0) -> str:
    return "".join(f"crm-1,user{n % 7},Dashboard Viewed,2026-03-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:"
                   f"{n % 60:02d}Z\n" for n in range(start, start + count))


def _usage_visible() -> bool:
    return DailyFeatureUsage.objects.exists() or DailyAccountActivity.objects.exists() or ProductUser.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_bad_row_after_chunks_were_committed_leaves_nothing(tmp_path, accounts):
    text = "account_crm_id,user_id,event,timestamp\n" + _rows(25) + "crm-1,eve,Logged In,yesterday\n" + _rows(5, 25)
    result = import_csv("events", write(tmp_path, text), chunk_rows=10)
    assert result.error_lines() == ["line 27, column 'timestamp': " + result.errors[0].message]
    assert not Event.objects.exists() and not _usage_visible()
    assert not Backfill.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_import_shows_nothing_and_running_it_again_resumes(tmp_path, accounts, monkeypatch):
    path = write(tmp_path, "account_crm_id,user_id,event,timestamp\n" + _rows(30) + TWINS.split("\n", 1)[1])
    real_stage = usage_backfill.stage_backfill
    chunks = []

    def failing_stage(backfill, messages, **kwargs):
        if len(chunks) == 2:
            raise OperationalError("disk I/O error")  # the third chunk fails, two are committed
        chunks.append(len(messages))
        return real_stage(backfill, messages, **kwargs)

    monkeypatch.setattr(usage_backfill, "stage_backfill", failing_stage)
    with pytest.raises(ImportFileError, match=r"near line 31.*carries on from where it stopped"):
        import_csv("events", path, chunk_rows=10)
    assert Event.objects.count() == 20  # stored, but counted nowhere
    assert not _usage_visible()
    assert Backfill.objects.get().lines_done == 21

    monkeypatch.setattr(usage_backfill, "stage_backfill", real_stage)
    result = import_csv("events", path, chunk_rows=10)
    assert (result.rows, result.created, result.unchanged) == (34, 34, 0)
    assert Event.objects.count() == 34
    assert DailyAccountActivity.objects.get().events == 34
    assert Backfill.objects.get().status == Backfill.Status.COMPLETE
    again = import_csv("events", path, chunk_rows=10)
    assert (again.created, again.unchanged) == (0, 34)
    assert DailyAccountActivity.objects.get().events == 34


@pytest.mark.django_db(transaction=True)
def test_a_changed_file_does_not_resume_another_files_import(tmp_path, accounts, monkeypatch):
    first = write(tmp_path, "account_crm_id,user_id,event,timestamp\n" + _rows(30))
    monkeypatch.setattr(usage_backfill, "complete_backfill", lambda b: (_ for _ in ()).throw(OperationalError("x")))
    with pytest.raises(ImportFileError):
        import_csv("events", first, chunk_rows=10)
    monkeypatch.undo()
    other = tmp_path / "other.csv"
    other.write_text("account_crm_id,user_id,event,timestamp\n" + _rows(5, 100))
    result = import_csv("events", other)
    assert result.created == 5
    assert DailyAccountActivity.objects.get().events == 5  # the first file's 30 events still count nowhere
    resumed = import_csv("events", first, chunk_rows=10)
    assert (resumed.created, resumed.unchanged) == (30, 0)
    assert DailyAccountActivity.objects.get().events == 35


def test_a_dry_run_counts_without_storing(tmp_path, accounts):
    path = write(tmp_path, TWINS)
    result = import_csv("events", path, dry_run=True)
    assert (result.created, result.unchanged) == (4, 0)
    assert not Event.objects.exists() and not Backfill.objects.exists()


@pytest.mark.parametrize("when", ["9999-12-31T23:00:00-12:00", "1900-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00"])
def test_a_time_outside_the_calendar_is_a_row_error_not_a_traceback(tmp_path, accounts, when):
    result = import_csv("events", write(tmp_path, GOOD + f"crm-1,dee,Logged In,{when},\n"))
    assert not result.ok and "timestamp" in " ".join(result.error_lines())
    assert not Event.objects.exists()
