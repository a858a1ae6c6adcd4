import datetime as dt

import pytest
from django.utils import timezone

from tenure import jobs
from tenure.web.models import JobWatermark
from tests.factories import make_account, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(monkeypatch):
    calls = []
    monkeypatch.setattr(jobs, "ACCOUNT_REFRESHERS", ["tests.core.test_jobs.record"])
    monkeypatch.setattr("tests.core.test_jobs.CALLS", calls)
    return calls


CALLS: list = []


def record(account_ids, as_of):
    CALLS.append((sorted(account_ids), as_of))


def test_first_dispatch_refreshes_every_account(seen):
    a, b = make_account(), make_account()
    assert jobs.dispatch() == 2
    assert seen == [([a.pk, b.pk], timezone.localdate())]


def test_later_dispatch_refreshes_only_changed_accounts(seen):
    quiet, busy = make_account(), make_account()
    JobWatermark.objects.create(name="refresh", last_run=timezone.now() - dt.timedelta(minutes=10))
    # Both accounts were created "now", inside the look-back window; age the quiet one.
    type(quiet).objects.filter(pk=quiet.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    type(busy).objects.filter(pk=busy.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    make_ticket(busy)
    assert jobs.dispatch() == 1
    assert seen == [([busy.pk], timezone.localdate())]


def test_a_second_dispatch_moments_later_does_nothing(seen):
    make_account()
    jobs.dispatch()
    assert jobs.dispatch() == 0
    assert jobs.dispatch(all_accounts=True) == 1


def test_accounts_are_refreshed_in_batches(seen, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    for _ in range(5):
        make_account()
    assert jobs.batches(range(5), 2) == [[0, 1], [2, 3], [4]]
    jobs.dispatch()
    assert [len(ids) for ids, _ in seen] == [2, 2, 1]
