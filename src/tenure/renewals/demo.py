"""The demo's renewals: closed ones read from the subscription history the demo wrote (a new term that starts
where the last ended is a renewal: more MRR expanded, less downgraded), the churned accounts closed as churned
with the reason their story gives, open ones (with their tasks) for the renewals coming up, and the
opportunities usage shows today."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from tenure.accounts.models import Account
from tenure.billing.models import LIVE_STATUSES, SubscriptionChange
from tenure.demo.models import DemoScenario
from tenure.facts import AccountFacts
from tenure.renewals.models import ChurnReason, Renewal, RenewalOutcome, RenewalStatus
from tenure.renewals.services import sync_opportunities, sync_renewals

CAUSE_REASON = {
    "sponsor_left": ChurnReason.SPONSOR_LEFT, "sponsor_silent": ChurnReason.SPONSOR_LEFT,
    "usage_decline": ChurnReason.LOW_ADOPTION, "seat_cut": ChurnReason.BUDGET_CUTS,
    "payment_failed": ChurnReason.PAYMENT_PROBLEMS, "competitor": ChurnReason.COMPETITOR,
}


def _closed_at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def seed_demo_renewals(today: dt.date, facts: dict[int, AccountFacts] | None = None) -> dict[str, int]:
    """The demo's renewals: the past ones closed with their outcomes (a churn with its cause's reason), then the
    open ones and the opportunities as the refresh opens them (``facts``: every account's, when already loaded)."""
    history = defaultdict(list)
    for row in SubscriptionChange.objects.order_by("subscription_id", "effective_on", "pk").values_list(
            "subscription_id", "subscription__account_id", "start_date", "end_date", "mrr", "status"):
        history[row[0]].append(row[1:])
    rows: dict[tuple[int, dt.date], Renewal] = {}
    last_live: dict[int, tuple[int, Decimal]] = {}  # account -> (subscription, ARR) before the cancel
    for sub_id, entries in history.items():
        for (account_id, start, end, mrr, status), (_, nstart, _, nmrr, nstatus) in itertools.pairwise(entries):
            if nstart != start and status in LIVE_STATUSES and nstatus in LIVE_STATUSES and end and nstart > end:
                before, after = mrr * 12, nmrr * 12
                outcome = (RenewalOutcome.EXPANDED if after > before else RenewalOutcome.DOWNGRADED
                           if after < before else RenewalOutcome.RENEWED)
                rows[sub_id, end] = Renewal(
                    account_id=account_id, subscription_id=sub_id, renewal_on=end, arr_before=before,
                    arr_after=after, status=RenewalStatus.CLOSED, outcome=outcome, closed_at=_closed_at(end))
        live = [e for e in entries if e[4] in LIVE_STATUSES]
        if live:
            account_id, mrr = live[-1][0], live[-1][3]
            best = last_live.get(account_id)
            arr = mrr * 12 + (best[1] if best else 0)
            last_live[account_id] = (sub_id if best is None or mrr * 12 > best[1] else best[0], arr)
    churned = DemoScenario.objects.filter(churned_on__isnull=False).values_list("account_id", "churned_on", "cause")
    for account_id, on, cause in churned:
        if account_id in last_live:
            sub_id, arr = last_live[account_id]
            rows[sub_id, on] = Renewal(
                account_id=account_id, subscription_id=sub_id, renewal_on=on, arr_before=arr, arr_after=Decimal(0),
                status=RenewalStatus.CLOSED, outcome=RenewalOutcome.CHURNED,
                reason=CAUSE_REASON.get(cause, ChurnReason.OTHER), closed_at=_closed_at(on),
                note="Recorded by the demo from the account's story.")
    Renewal.objects.bulk_create(rows.values(), ignore_conflicts=True)
    ids = list(Account.objects.values_list("pk", flat=True))
    opened = sync_renewals(ids, today, facts=facts)
    return {"renewals closed": len(rows), "renewals open": opened["renewals opened"],
            "opportunities": sync_opportunities(ids, today, facts=facts)}
