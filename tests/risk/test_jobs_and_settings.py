"""Risk runs last in the refresh pipeline; the daily refresh; `tenure signals`; the settings page."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tenure import jobs, pipeline
from tenure.risk.models import RiskSettings, Signal, Task
from tenure.risk.work import open_task, snooze_task
from tests.factories import make_account, make_subscription


def test_risk_detection_runs_last_in_every_refresh(monkeypatch, db):
    steps = []
    for name in ("refresh_assignments", "apply_templates", "score_accounts", "detect_signals"):
        monkeypatch.setattr(pipeline, name, lambda *args, name=name, **kw: steps.append(name))
    monkeypatch.setattr(pipeline.renewals, "refresh", lambda *args: steps.append("renewals"))
    pipeline.refresh([1])
    assert steps[-1] == "detect_signals" and steps.index("score_accounts") < steps.index("detect_signals")


def test_the_daily_job_wakes_snoozed_tasks_and_checks_time_based_rules(csm, monkeypatch):
    today = timezone.localdate()
    account = make_account(owner=csm)
    make_subscription(account, start_date=today - dt.timedelta(days=300), end_date=today + dt.timedelta(days=30))
    task = open_task(account, title="Call")
    snooze_task(task, today + dt.timedelta(days=1))
    Task.objects.filter(pk=task.pk).update(snoozed_until=today)  # its day has come
    jobs.daily_refresh.call_local()
    task.refresh_from_db()
    assert task.status == "open"
    assert Signal.objects.filter(account=account, kind="renewal_due", resolved_on__isnull=True).exists()


def test_the_signals_command_checks_all_accounts(past_due_account):
    out = StringIO()
    call_command("signals", "--all", "--as-of", "2026-06-15", stdout=out)
    assert "1 accounts checked" in out.getvalue()
    assert Signal.objects.filter(account=past_due_account, kind="payment_failed").exists()


def test_leaders_change_thresholds_and_phrases_on_the_settings_page(leader, client):
    client.force_login(leader)
    form = client.get(reverse("risk:settings")).context["form"]
    data = {name: value for name, value in form.initial.items()}
    data.update(no_touch_days=45, competitor_names="Acme\nInitech")
    assert client.post(reverse("risk:settings"), data).status_code == 302
    row = RiskSettings.load()
    assert row.no_touch_days == 45 and row.competitor_names.splitlines() == ["Acme", "Initech"]
    assert row.updated_by == leader


@pytest.mark.parametrize("who", ["csm_client", "reader_client"])
def test_only_leaders_reach_the_settings_page(who, request):
    assert request.getfixturevalue(who).get(reverse("risk:settings")).status_code == 403


def test_detector_defaults_are_the_settings_a_new_workspace_starts_with():
    from tenure.risk.detectors import Thresholds

    assert Thresholds() == Thresholds.from_settings(RiskSettings())  # tests on Thresholds() run what production runs
