# The event log becomes a table partitioned by month of arrival on PostgreSQL, so old months can be dropped
# whole (tenure.usage.event_log); retries are then recognised in SeenMessage. SQLite keeps one table.

import datetime as dt

from django.db import migrations, models


def _month(day: dt.date, ahead: int = 0) -> dt.date:
    months = day.year * 12 + day.month - 1 + ahead
    return dt.date(months // 12, months % 12 + 1, 1)


def partition_event_log(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as c:
        c.execute("ALTER TABLE usage_event RENAME TO usage_event_before_partitions")
        c.execute("ALTER INDEX usage_event_pkey RENAME TO usage_event_before_partitions_pkey")
        c.execute("SELECT MAX(id), MAX(received_at) FROM usage_event_before_partitions")
        last_id, last_received = c.fetchone()
        c.execute("CREATE SEQUENCE usage_event_log_id_seq")
        c.execute("SELECT setval('usage_event_log_id_seq', %s, false)", [(last_id or 0) + 1])
        c.execute("CREATE TABLE usage_event (LIKE usage_event_before_partitions INCLUDING DEFAULTS) "
                  "PARTITION BY RANGE (received_at)")
        c.execute("ALTER TABLE usage_event ALTER COLUMN id SET DEFAULT nextval('usage_event_log_id_seq')")
        c.execute("ALTER SEQUENCE usage_event_log_id_seq OWNED BY usage_event.id")
        c.execute("ALTER TABLE usage_event ADD PRIMARY KEY (id, received_at)")
        c.execute("INSERT INTO usage_seenmessage (message_id, received_at) "
                  "SELECT message_id, received_at FROM usage_event_before_partitions ON CONFLICT DO NOTHING")
        today = dt.datetime.now(dt.UTC).date()
        if last_id is None:
            c.execute("DROP TABLE usage_event_before_partitions")
            first = _month(today)
        else:
            # The events so far stay where they are, as one partition up to the month after the last of them.
            first = _month(last_received.date(), 1)
            c.execute("ALTER TABLE usage_event_before_partitions ALTER COLUMN id DROP IDENTITY IF EXISTS")
            # The log's key becomes (id, received_at), built on the partition as it is attached.
            c.execute("ALTER TABLE usage_event_before_partitions DROP CONSTRAINT usage_event_before_partitions_pkey")
            c.execute(f"ALTER TABLE usage_event ATTACH PARTITION usage_event_before_partitions "
                      f"FOR VALUES FROM (MINVALUE) TO ('{first.isoformat()} 00:00:00+00')")
        month = first
        while month <= _month(today, 2):
            after = _month(month, 1)
            c.execute(f"CREATE TABLE usage_event_{month:%Y_%m} PARTITION OF usage_event "
                      f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{after.isoformat()} 00:00:00+00')")
            month = after
        c.execute("CREATE TABLE usage_event_default PARTITION OF usage_event DEFAULT")


class Migration(migrations.Migration):

    dependencies = [
        ('usage', '0006_daily_activity_day_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='SeenMessage',
            fields=[
                ('message_id', models.CharField(max_length=200, primary_key=True, serialize=False)),
                ('received_at', models.DateTimeField()),
            ],
        ),
        migrations.RunPython(partition_event_log, migrations.RunPython.noop),
    ]
