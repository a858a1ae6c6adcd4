"""The schedule: every periodic job is declared in tenure/jobs.py, and each one calls down into its room."""

import datetime as dt

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from tenure import jobs
from tenure.health.models import AccountHealth
from tenure.renewals.models import Renewal
from tenure.risk.models import Signal, Task
from tenure.risk.work import open_task, snooze_task
from tests.factories import make_account, make_subscription

pytestmark = pytest.mark.django_db


def test_every_periodic_job_is_declared_in_the_schedule():
    periodic = {f"{task.__module__}.{task.__name__}" for task in HUEY._registry._periodic_tasks}
    assert periodic == {
        "tenure.jobs.refresh_changed_accounts", "tenure.jobs.requeue_stalled_refreshes", "tenure.jobs.retry_webhooks",
        "tenure.jobs.hourly_digests", "tenure.jobs.hourly_community_standings", "tenure.jobs.hourly_community_digests",
        "tenure.jobs.daily_churn_predictions", "tenure.jobs.daily_refresh", "tenure.jobs.weekly_churn_model_retrain",
        "tenure.jobs.maintain_event_log", "tenure.jobs.daily_sort_totals", "tenure.jobs.sync_connections",
    }


def test_the_daily_refresh_wakes_snoozed_tasks_and_runs_the_whole_pipeline_over_every_account(csm):
    today = timezone.localdate()
    account = make_account(owner=csm)
    make_subscription(account, start_date=today - dt.timedelta(days=300), end_date=today + dt.timedelta(days=30))
    task = open_task(account, title="Call")
    snooze_task(task, today + dt.timedelta(days=1))
    Task.objects.filter(pk=task.pk).update(snoozed_until=today)  # its day has come
    jobs.daily_refresh.call_local()
    task.refresh_from_db()
    assert task.status == "open"
    assert AccountHealth.objects.filter(account=account).exists()  # health
    assert Renewal.objects.filter(account=account, status="open").exists()  # renewals
    assert Signal.objects.filter(account=account, kind="renewal_due", resolved_on__isnull=True).exists()  # risk


def test_the_minute_job_refreshes_changed_accounts():
    account = make_account()
    make_subscription(account)
    jobs.refresh_changed_accounts.call_local()
    assert AccountHealth.objects.filter(account=account).exists()
