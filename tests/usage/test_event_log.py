"""Raw events age out by month of arrival, to an archive file that loads back; rollups never change; a retry is
recognised across months (on PostgreSQL, where each month is a partition of its own)."""

import datetime as dt
import gzip

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test import override_settings

from tenure.usage import event_log, rollups, services
from tenure.usage.models import DailyFeatureUsage, Event, SeenMessage

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


def _arrive(month: dt.date, n: int, prefix: str) -> None:
    """n track events received on the 10th of ``month`` (its partition made first, as the daily job would)."""
    event_log.ensure_partitions(months=[month])
    received = dt.datetime.combine(month.replace(day=10), dt.time(12), tzinfo=dt.UTC)
    services.ingest([{"type": "group", "messageId": f"{prefix}-g", "userId": "ann", "groupId": "acme"}],
                    received_at=received)
    services.ingest([{"type": "track", "messageId": f"{prefix}-{i}", "userId": "ann", "event": "Report Run",
                      "timestamp": received.isoformat()} for i in range(n)], received_at=received)


def _counted() -> int:
    return DailyFeatureUsage.objects.aggregate(n=Sum("count"))["n"] or 0


@pytest.fixture
def archive_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    return tmp_path / "event-archive"


@override_settings(TENURE_RAW_EVENT_MONTHS=2)
def test_months_past_retention_age_out_to_a_file_that_loads_back(archive_dir):
    _arrive(dt.date(2026, 8, 1), 5, "aug")
    _arrive(dt.date(2026, 9, 1), 4, "sep")
    _arrive(dt.date(2026, 10, 1), 3, "oct")
    counted = _counted()
    assert counted == 12

    aged = event_log.age_out(TODAY)  # keeps October and November (and December, the current month)

    assert sorted(Event.objects.filter(type="track").values_list("message_id", flat=True)) == [
        f"oct-{i}" for i in range(3)]
    assert _counted() == counted  # rollups stay: they were counted when the events arrived
    assert sum(a.rows for a in aged) == 5 + 4 + 2  # each month's track events and group call
    files = sorted(archive_dir.glob("*.csv.gz"))
    assert files and all(a.file in files for a in aged if a.file)
    assert event_log.age_out(TODAY) == []  # nothing more to do

    for f in files:
        event_log.restore_file(f)
    assert Event.objects.filter(type="track").count() == 12
    assert event_log.restore_file(files[0]) == 0  # loading a file twice adds nothing
    assert rollups.roll_up_pending() == 0 and _counted() == counted  # restored events are not counted again


def test_archive_command_takes_one_past_month(archive_dir):
    _arrive(dt.date(2026, 9, 1), 3, "sep")
    _arrive(dt.date(2026, 10, 1), 2, "oct")
    out = _call("archive", "2026-09")
    assert "archived 4 events of 2026-09" in out  # three track events and the group call
    assert set(Event.objects.values_list("message_id", flat=True)) == {"oct-g", "oct-0", "oct-1"}
    (path,) = archive_dir.glob("events-2026-09*.csv.gz")
    with gzip.open(path, "rt") as f:
        assert f.readline().startswith("id,message_id,type")
    assert "restored 4 events" in _call("restore", str(path))
    assert Event.objects.count() == 7


@pytest.mark.parametrize("month", ["2026-13", "September", "2999-01"])
def test_archive_command_names_a_bad_or_unfinished_month(month):
    with pytest.raises(CommandError, match=r"YYYY-MM|not over yet"):
        _call("archive", month)


def test_restore_refuses_a_file_that_is_not_an_archive(tmp_path):
    bad = tmp_path / "x.csv.gz"
    with gzip.open(bad, "wt") as f:
        f.write("name,email\nann,ann@example.com\n")
    with pytest.raises(CommandError, match="not an event archive"):
        _call("restore", str(bad))
    damaged = tmp_path / "damaged.csv.gz"
    with gzip.open(damaged, "wt") as f:
        f.write(",".join(event_log.COLUMNS) + "\nnot-a-number,m,track,E,u,,,yesterday,,,now,,{,\n")
    with pytest.raises(CommandError, match=r"damaged\.csv\.gz"):
        _call("restore", str(damaged))
    not_gzip = tmp_path / "plain.csv.gz"
    not_gzip.write_text("id,message_id\n")
    with pytest.raises(CommandError, match=r"plain\.csv\.gz"):
        _call("restore", str(not_gzip))
    assert not Event.objects.exists()


def test_a_retry_is_recognised_in_a_later_month():
    _arrive(dt.date(2026, 10, 1), 2, "oct")
    again = services.ingest([{"type": "track", "messageId": "oct-1", "userId": "ann", "event": "Report Run"}])
    assert (again.accepted, again.duplicates) == (0, 1)
    assert Event.objects.filter(message_id="oct-1").count() == 1


@override_settings(TENURE_DEDUP_DAYS=30, TENURE_RAW_EVENT_MONTHS=0)
def test_the_retry_memory_is_pruned_after_its_window_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite recognises retries by the event log itself, for as long as events are kept")
    _arrive(dt.date(2026, 10, 1), 2, "oct")
    _arrive(dt.date(2026, 11, 1), 2, "nov")
    event_log.age_out(TODAY)  # 30 days before 1 Dec: October's ids are forgotten, November's kept
    assert set(SeenMessage.objects.values_list("message_id", flat=True)) == {"nov-g", "nov-0", "nov-1"}
    assert Event.objects.count() == 6  # retention 0: raw events are kept forever


def test_partitions_are_made_ahead_and_catch_what_arrived_without_one():
    if connection.vendor != "postgresql":
        pytest.skip("the event log is partitioned on PostgreSQL only")
    far = dt.date(2027, 6, 1)  # no partition yet: the default one catches it
    received = dt.datetime(2027, 6, 5, tzinfo=dt.UTC)
    services.ingest([{"type": "track", "messageId": "june", "userId": "ann", "event": "X",
                      "timestamp": received.isoformat()}], received_at=received)
    made = event_log.ensure_partitions(far)
    assert "usage_event_2027_06" in made and "usage_event_2027_08" in made
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM usage_event_2027_06")
        assert cursor.fetchone()[0] == 1  # moved out of the default partition
    assert event_log.ensure_partitions(far) == []


def _call(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()
