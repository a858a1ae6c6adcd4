"""The account refresh: its steps in order, the same for one account or many, and each change refreshed once."""

import datetime as dt

import pytest
from django.utils import timezone

from tenure import pipeline
from tenure.accounts.models import Account
from tenure.changes.models import Watermark
from tenure.changes.services import MIN_INTERVAL, OVERLAP, claim_changed_accounts
from tenure.health.models import AccountHealth
from tenure.support.models import Ticket
from tenure.usage.models import DailyAccountActivity
from tests.factories import make_account, make_subscription, make_ticket, make_touch

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def refreshed(monkeypatch):
    """The batches the pipeline was asked to refresh (the steps themselves are tested below and in their rooms)."""
    calls = []
    monkeypatch.setattr(pipeline, "refresh", lambda ids, as_of=None: calls.append(sorted(ids)))
    return calls


def stamp(row, when: dt.datetime, field: str = "updated_at") -> None:
    type(row).objects.filter(pk=row.pk).update(**{field: when})


def test_the_refresh_runs_every_step_in_order_on_real_rows(monkeypatch):
    account = make_account()
    make_subscription(account)
    order = []
    facts_seen = []

    def watch(name, step):
        def run(ids, as_of, *args, **kw):
            order.append(name)
            facts_seen.extend(a for a in (*args, *kw.values()) if isinstance(a, dict))
            return step(ids, as_of, *args, **kw)
        return run

    for name in ("refresh_assignments", "apply_templates", "load_facts", "score_accounts", "detect_signals"):
        monkeypatch.setattr(pipeline, name, watch(name, getattr(pipeline, name)))
    monkeypatch.setattr(pipeline.renewals, "refresh", watch("renewals", pipeline.renewals.refresh))
    pipeline.refresh([account.pk])
    assert order == ["refresh_assignments", "apply_templates", "load_facts", "score_accounts", "renewals",
                     "detect_signals"]
    # health, renewals and risk read the one batch of facts, loaded once
    assert len(facts_seen) == 3 and facts_seen[0] is facts_seen[1] is facts_seen[2]
    assert set(facts_seen[0]) == {account.pk}
    assert AccountHealth.objects.filter(account=account).exists()


def test_the_first_dispatch_refreshes_every_account(refreshed):
    a, b = make_account(), make_account()
    assert pipeline.refresh_changed() == 2
    assert refreshed == [[a.pk, b.pk]]


def test_a_later_dispatch_refreshes_only_changed_accounts(refreshed):
    _quiet, busy = make_account(), make_account()
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    Account.objects.update(updated_at=hour_ago)
    Watermark.objects.create(name="refresh", last_run=timezone.now() - dt.timedelta(minutes=10))
    make_ticket(busy)
    Account.objects.update(updated_at=hour_ago)  # only the ticket is new
    assert pipeline.refresh_changed() == 1
    assert refreshed == [[busy.pk]]


def test_a_second_dispatch_moments_later_does_nothing(refreshed):
    make_account()
    pipeline.refresh_changed()
    assert pipeline.refresh_changed() == 0
    assert pipeline.refresh_everyone() == 1


def test_accounts_are_queued_in_batches(refreshed, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 2)
    for _ in range(5):
        make_account()
    assert pipeline.batches(range(5), 2) == [[0, 1], [2, 3], [4]]
    pipeline.refresh_changed()
    assert [len(ids) for ids in refreshed] == [2, 2, 1]


def test_one_change_is_claimed_once_across_consecutive_minutes():
    start = timezone.now()
    account, other = make_account(), make_account()
    assert claim_changed_accounts(now=start) == [account.pk, other.pk]  # the first look: everyone
    make_ticket(account)
    claims = [claim_changed_accounts(now=start + n * MINUTE) for n in range(1, 5)]
    assert claims == [[account.pk], [], [], []]  # the ticket stays inside the look-back for two more minutes


def test_a_late_row_stamped_inside_the_look_back_is_still_claimed():
    start = timezone.now()
    account = make_account()
    claim_changed_accounts(now=start)
    touch = make_touch(account)
    stamp(touch, start + 50 * dt.timedelta(seconds=1), "created_at")
    assert claim_changed_accounts(now=start + MINUTE) == [account.pk]
    # Committed after that look, but stamped before it (and before the touch already handed out).
    late = make_ticket(account)
    stamp(late, start + 40 * dt.timedelta(seconds=1))
    assert start + MINUTE - late.updated_at < OVERLAP
    assert claim_changed_accounts(now=start + 2 * MINUTE) == [account.pk]
    assert claim_changed_accounts(now=start + 3 * MINUTE) == []


def test_a_row_written_again_is_a_new_change_but_the_same_write_is_not():
    start = timezone.now()
    account = make_account()
    ticket = make_ticket(account)
    claim_changed_accounts(now=start)
    stamp(ticket, start + 30 * dt.timedelta(seconds=1))  # written again (live usage rollups work the same way)
    assert claim_changed_accounts(now=start + MINUTE) == [account.pk]
    assert claim_changed_accounts(now=start + 2 * MINUTE) == []


def test_live_usage_is_a_change_each_minute_it_arrives():
    start = timezone.now()
    account = make_account()
    claim_changed_accounts(now=start)
    day = DailyAccountActivity.objects.create(account=account, day=start.date(), events=1, updated_at=start)
    for n in (1, 2):
        stamp(day, start + n * MINUTE - dt.timedelta(seconds=5))
        assert claim_changed_accounts(now=start + n * MINUTE) == [account.pk]
    assert claim_changed_accounts(now=start + 3 * MINUTE) == []  # the traffic stopped


def test_a_worker_claiming_moments_after_another_gets_nothing_unless_forced():
    start = timezone.now()
    make_account()
    claim_changed_accounts(now=start)
    make_ticket(Account.objects.get())
    assert claim_changed_accounts(now=start + MIN_INTERVAL / 2) == []
    assert claim_changed_accounts(now=start + MIN_INTERVAL / 2, force=True) == [Account.objects.get().pk]


def test_refreshing_everyone_counts_the_changes_seen_so_far_as_handled(refreshed):
    account = make_account()
    make_ticket(account)
    pipeline.refresh_everyone()
    assert Ticket.objects.exists() and refreshed == [[account.pk]]
    mark = Watermark.objects.get()
    assert claim_changed_accounts(now=mark.last_run + MINUTE) == []


def test_a_corrected_survey_answer_is_a_change():
    from tenure.surveys.services import record_response

    start = timezone.now()
    account = make_account()
    response = record_response(account=account, score=9)
    claim_changed_accounts(now=start)
    stamp(response, start + 30 * dt.timedelta(seconds=1), "answered_at")  # answered again through its link
    assert claim_changed_accounts(now=start + MINUTE) == [account.pk]


def test_a_batch_claimed_and_never_finished_is_queued_again_and_a_done_one_is_not(db):
    import datetime as dt

    from django.utils import timezone

    from tenure.changes.models import RefreshBatch
    from tenure.changes.services import claim_batch, record_batches

    stalled, finished = record_batches([[1, 2], [3]], None)
    claim_batch(stalled)  # a worker took it and was killed
    claim_batch(finished)
    RefreshBatch.objects.filter(pk=finished).update(done_at=timezone.now())
    assert pipeline.requeue_stalled() == 0  # claimed a moment ago: its worker may be busy with it
    RefreshBatch.objects.update(claimed_at=timezone.now() - dt.timedelta(minutes=11))
    assert pipeline.requeue_stalled() == 1  # queued again; jobs run inline in tests: done now
    assert not RefreshBatch.objects.filter(done_at__isnull=True).exists()
    assert RefreshBatch.objects.get(pk=stalled).attempts == 2


def test_a_batch_recorded_but_never_queued_is_queued_again_after_a_while(db):
    import datetime as dt

    from django.utils import timezone

    from tenure.changes.models import RefreshBatch
    from tenure.changes.services import record_batches

    (lost,) = record_batches([[1, 2]], None)  # its process died before pushing it to the queue
    assert pipeline.requeue_stalled() == 0  # it may just be waiting behind others
    RefreshBatch.objects.filter(pk=lost).update(queued_at=timezone.now() - dt.timedelta(minutes=31))
    assert pipeline.requeue_stalled() == 1
    assert RefreshBatch.objects.get(pk=lost).done_at is not None


def test_the_claim_of_changed_accounts_and_their_batches_commit_together(db, monkeypatch):
    from tenure.changes.models import RefreshBatch, Watermark

    make_account(name="Changed")
    monkeypatch.setattr(pipeline, "record_batches", lambda chunks, as_of: 1 / 0)  # the process dies in between
    with pytest.raises(ZeroDivisionError):
        pipeline.refresh_changed()
    assert not Watermark.objects.exclude(last_run=None).exists()  # nothing claimed: the next run claims it
    assert not RefreshBatch.objects.exists()
