"""Date the renewal play's steps back from the renewal, and gather the tasks open before play runs existed into
runs, so the next refresh does not open a second set: one run per account and driver for the signals' tasks
(every step counted as opened, as they were), one per open renewal for its renewal tasks."""

from django.db import migrations

from tenure.risk.plays import date_steps_before_events


def forwards(apps, schema_editor):
    Play, PlayStep = apps.get_model("risk", "Play"), apps.get_model("risk", "PlayStep")
    PlayRun, Task, Signal = apps.get_model("risk", "PlayRun"), apps.get_model("risk", "Task"), apps.get_model(
        "risk", "Signal")
    Renewal = apps.get_model("renewals", "Renewal")
    date_steps_before_events(Play, PlayStep)
    active = Task.objects.filter(status__in=["open", "snoozed"], run__isnull=True)
    groups: dict[tuple[int, str], list] = {}
    for task in active.filter(signal__isnull=False).exclude(signal__driver="lifecycle").select_related("signal"):
        groups.setdefault((task.account_id, task.signal.driver), []).append(task)
    for (account_id, driver), tasks in groups.items():
        run = PlayRun.objects.create(
            account_id=account_id, key=f"driver:{driver}", play_id=tasks[0].play_id, priority=min(
                t.priority for t in tasks), started_on=min(t.created_at for t in tasks).date(), next_order=100)
        run.signals.set(Signal.objects.filter(account_id=account_id, driver=driver, resolved_on__isnull=True))
        Task.objects.filter(pk__in=[t.pk for t in tasks]).update(run=run)
    for renewal in Renewal.objects.filter(status="open"):
        tasks = active.filter(_renewal_tasks(renewal.pk), account_id=renewal.account_id)
        if tasks.exists():
            run = PlayRun.objects.create(account_id=renewal.account_id, key=f"renewal:{renewal.pk}",
                                         play=Play.objects.filter(key="renewal-90").first(), started_on=min(
                                             t.created_at for t in tasks).date(), event_on=renewal.renewal_on,
                                         next_order=100)
            tasks.update(run=run)


def _renewal_tasks(renewal_pk: int):
    from django.db.models import Q

    return (Q(dedupe_key__startswith=f"renewal:{renewal_pk}:") | Q(play__key="renewal-90")
            | Q(signal__kind="renewal_due"))


class Migration(migrations.Migration):
    dependencies = [("risk", "0004_play_runs"), ("renewals", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
