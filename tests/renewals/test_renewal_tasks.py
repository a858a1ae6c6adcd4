"""A renewal opens 120 days out and starts the renewal play: its steps are due before the renewal date, open one
after another, and this room alone opens them (the risk room's renewal signal only shows)."""

import datetime as dt
from decimal import Decimal

import pytest

from tenure.renewals.models import Renewal
from tenure.renewals.services import refresh, sync_renewals
from tenure.risk.models import PlayRun, Signal, Task
from tenure.risk.services import detect_signals
from tenure.risk.work import close_task
from tests.factories import make_account, make_subscription, make_user

pytestmark = pytest.mark.django_db
RENEWAL = dt.date(2026, 12, 31)


def days_before(n: int) -> dt.date:
    return RENEWAL - dt.timedelta(days=n)


@pytest.fixture
def account():
    account = make_account(name="Initech", owner=make_user(username="carla"))
    make_subscription(account, mrr=Decimal("1000"), start_date=dt.date(2026, 1, 1), end_date=RENEWAL)
    return account


def active(account):
    return list(Task.objects.filter(account=account, status__in=["open", "snoozed"]).order_by("pk"))


def test_no_renewal_before_the_largest_offset(account):
    sync_renewals([account.pk], days_before(121))
    assert not Renewal.objects.exists()
    assert not Task.objects.exists()


def test_the_renewal_opens_120_days_out_with_the_plays_first_step_due_90_days_before_it(account):
    result = sync_renewals([account.pk], days_before(120))
    renewal = Renewal.objects.get()
    assert (renewal.renewal_on, renewal.arr_before, renewal.status) == (RENEWAL, Decimal("12000"), "open")
    [task] = active(account)
    assert task.play.key == "renewal-90" and task.step.order == 0 and task.owner == account.owner
    assert task.due_on == days_before(90) and task.run.event_on == RENEWAL
    assert result == {"renewals opened": 1, "renewal tasks opened": 1}


def test_every_step_of_the_renewal_play_falls_due_before_the_renewal(account):
    for day in range(120, 0, -1):
        refresh([account.pk], days_before(day))
        detect_signals([account.pk], days_before(day))
    steps = list(Task.objects.filter(account=account, play__key="renewal-90").order_by("pk"))
    assert [t.step.order for t in steps] == [0, 1, 2, 3]  # one after another, each once
    assert [t.due_on for t in steps] == [days_before(b) for b in (90, 75, 45, 15)]


def test_a_renewal_found_28_days_out_gets_its_steps_compressed_before_it(account):
    for day in range(28, 0, -1):
        sync_renewals([account.pk], days_before(day))
        detect_signals([account.pk], days_before(day))
    dues = [t.due_on for t in Task.objects.filter(account=account, play__key="renewal-90").order_by("pk")]
    assert len(dues) == 4 and dues[0] == days_before(28) and all(d < RENEWAL for d in dues)


def test_the_risk_renewal_signal_shows_but_never_opens_a_second_set_of_renewal_tasks(account):
    sync_renewals([account.pk], days_before(120))
    [first] = active(account)
    close_task(first, "completed", "no_change", by=account.owner)
    detect_signals([account.pk], days_before(90))  # the renewal_due signal fires
    assert Signal.objects.filter(account=account, kind="renewal_due", resolved_on__isnull=True).exists()
    steps = list(Task.objects.filter(account=account, play__key="renewal-90").values_list("step__order", "status")
                 .order_by("pk"))
    assert steps == [(0, "done"), (1, "open")]  # the closed step did not come back
    assert PlayRun.objects.filter(account=account, key__startswith="renewal:").count() == 1
    assert not Task.objects.filter(account=account, signal__kind="renewal_due").exists()


def test_offsets_come_from_the_setting(account, settings):
    settings.TENURE_RENEWAL_OFFSETS = (45, 10)
    sync_renewals([account.pk], days_before(60))
    assert not Renewal.objects.exists()
    sync_renewals([account.pk], days_before(45))
    assert Renewal.objects.count() == 1 and len(active(account)) == 1


def test_without_an_active_renewal_play_one_task_prepares_the_renewal_before_it(account):
    from tenure.risk.models import Play

    Play.objects.filter(key="renewal-90").update(is_active=False)
    sync_renewals([account.pk], days_before(20))
    [task] = active(account)
    assert task.title.startswith("Prepare the renewal: Initech") and task.due_on < RENEWAL


def test_canceled_subscriptions_and_churned_accounts_have_no_renewal():
    gone = make_account(stage="churned")
    make_subscription(gone, end_date=RENEWAL)
    canceled = make_account()
    make_subscription(canceled, end_date=RENEWAL, status="canceled")
    refresh([gone.pk, canceled.pk], days_before(30))
    assert not Renewal.objects.exists()


def test_every_account_refresh_runs_the_renewals_step(account):
    from tenure import pipeline

    pipeline.refresh([account.pk], days_before(100))
    assert Renewal.objects.filter(account=account, status="open").count() == 1
