"""Health scores: every change of state goes through here.

- ``score_accounts(account_ids, as_of)``: the health step of the account refresh (tenure/pipeline.py);
- ``backfill_health(...)``: snapshots for past days (the demo, an import of history);
- ``apply_scorecard(...)`` / ``create_scorecard(...)``: a new immutable version, then a re-score after commit;
- ``record_pulse(...)``: the CSM's reading;
- ``backtest(...)``: does the score N days before an outcome separate churn from renewal?
- ``suggest_weights(...)`` / ``accept_suggestion(...)``: weights fitted to that history, as a draft version.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from tenure import bulk
from tenure.accounts.models import Account
from tenure.billing.models import SubscriptionChange
from tenure.engagement.models import Pulse
from tenure.facts import AccountFacts, among, load_facts, load_facts_on_days
from tenure.facts import outcomes as facts_outcomes
from tenure.health import scoring, suggest
from tenure.health.measures import DEFAULT_DEFINITION, FACTS, raw_values
from tenure.health.models import AccountHealth, HealthSnapshot, Scorecard, ScorecardVersion, WeightSuggestion

log = logging.getLogger(__name__)

DEFAULT_SCORECARD = "Default"
WEEK = dt.timedelta(days=7)
BACKFILL_BATCH = 400
SCORE_BATCH = 200


# ---- scorecards ---------------------------------------------------------------------------------------------


def default_version() -> ScorecardVersion:
    """The default scorecard's version in force, created on first use."""
    card, _ = Scorecard.objects.get_or_create(segment="", stage="", defaults={"name": DEFAULT_SCORECARD})
    version = card.versions.order_by("-number").first()
    if version is None:
        version = ScorecardVersion.objects.create(scorecard=card, number=1, definition=DEFAULT_DEFINITION,
                                                  note="Tenure's default scorecard")
    return version


def current_versions() -> dict[tuple[str, str], ScorecardVersion]:
    """(segment, stage) → the newest version of the scorecard covering it. Two queries."""
    default_version()
    newest = {}
    for v in ScorecardVersion.objects.select_related("scorecard").order_by("scorecard_id", "number"):
        newest[v.scorecard_id] = v
    return {(v.scorecard.segment, v.scorecard.stage): v for v in newest.values()}


def version_for(segment: str, stage: str, versions: dict[tuple[str, str], ScorecardVersion]) -> ScorecardVersion:
    """The most specific scorecard: segment and stage, then stage, then segment, then the default."""
    for key in ((segment, stage), ("", stage), (segment, ""), ("", "")):
        if key in versions:
            return versions[key]
    raise LookupError("no default scorecard")


def covered_accounts(scorecard: Scorecard) -> list[int]:
    versions = current_versions()
    rows = Account.objects.values_list("pk", "segment", "stage")
    return [pk for pk, seg, stage in rows if version_for(seg, stage, versions).scorecard_id == scorecard.pk]


@db_task(retries=2, retry_delay=10)
def score_batch(account_ids: list[int], as_of: str) -> None:
    """A scorecard's re-score, one batch on a worker."""
    score_accounts(account_ids, dt.date.fromisoformat(as_of))


def _enqueue_rescore(account_ids: list[int]) -> None:
    ids, today = sorted(account_ids), timezone.localdate().isoformat()
    for start in range(0, len(ids), SCORE_BATCH):
        score_batch(ids[start : start + SCORE_BATCH], today)


@transaction.atomic
def apply_scorecard(scorecard: Scorecard, definition: dict, *, by=None, note: str = "") -> ScorecardVersion:
    """Save a new version of the scorecard (versions never change), then re-score its accounts after commit. A
    definition equal to the version in force changes nothing: that version is returned."""
    scoring.validate_definition(definition)
    current = scorecard.versions.order_by("-number").first()
    if current is not None and current.definition == definition:
        return current
    last = current.number if current is not None else 0
    version = ScorecardVersion.objects.create(scorecard=scorecard, number=last + 1, definition=definition,
                                              created_by=by, note=note[:300])
    transaction.on_commit(lambda: _enqueue_rescore(covered_accounts(scorecard)))
    return version


@transaction.atomic
def create_scorecard(*, name: str, segment: str = "", stage: str = "", by=None) -> Scorecard:
    """A scorecard for a segment and/or stage, starting from the default's rules."""
    definition = default_version().definition
    card = Scorecard(name=name.strip(), segment=segment.strip(), stage=stage)
    card.full_clean()
    card.save()
    apply_scorecard(card, definition, by=by, note="created from the default scorecard")
    return card


# ---- pulse --------------------------------------------------------------------------------------------------


@transaction.atomic
def record_pulse(*, account: Account, rating: str, comment: str = "", author=None,
                 created_at: dt.datetime | None = None) -> Pulse:
    """The CSM's reading of the account. The dispatcher sees the new row and re-scores within minutes."""
    pulse = Pulse(account=account, rating=rating, comment=comment.strip(), author=author,
                  created_at=created_at or timezone.now())
    pulse.full_clean()
    pulse.save()
    return pulse


def latest_pulse(account: Account) -> Pulse | None:
    return account.pulses.select_related("author").first()


# ---- scoring ------------------------------------------------------------------------------------------------


def compute(account_ids, days: list[dt.date], definition: dict | None = None,
            versions: dict | None = None) -> dict[dt.date, dict[int, tuple[ScorecardVersion | None, scoring.Scored]]]:
    """Score accounts on each day (from the account facts as of that day: nothing known later counts). With
    ``definition``, every account is scored with it; otherwise with the scorecard covering it. Only the facts the
    measures read are loaded, for all the days at once (``load_facts_on_days``)."""
    ids = sorted(account_ids)
    if not ids or not days:
        return {}
    facts = load_facts_on_days(ids, days, parts=FACTS)
    return {day: score_facts(facts.pop(day), definition, versions) for day in days}


def score_facts(facts: dict[int, AccountFacts], definition: dict | None = None,
                versions: dict | None = None) -> dict[int, tuple[ScorecardVersion | None, scoring.Scored]]:
    """Score already loaded facts (the refresh pipeline loads them once for every step)."""
    raws = raw_values(facts)
    if definition is not None:
        return {pk: (None, scoring.score(r, definition)) for pk, r in raws.items()}
    versions = versions or current_versions()
    out = {}
    for pk, r in raws.items():
        version = version_for(facts[pk].segment, facts[pk].stage, versions)
        out[pk] = (version, scoring.score(r, version.definition))
    return out


def _write_snapshots(results: dict, now: dt.datetime) -> int:
    rows = [HealthSnapshot(account_id=pk, day=day, score=s.score, band=s.band, version=v, measures=s.measures,
                           computed_at=now)
            for day, by_account in results.items() for pk, (v, s) in by_account.items()]
    bulk.insert(HealthSnapshot, rows, unique_fields=["account", "day"],
                update_fields=["score", "band", "version", "measures", "computed_at"])
    return len(rows)


def _refresh_current(account_ids: list[int], as_of: dt.date, scored: dict, now: dt.datetime) -> None:
    """Keep AccountHealth on the newest day; drop it for accounts no longer scored (no live subscription)."""
    newer = set(AccountHealth.objects.filter(among(account_ids), day__gt=as_of)
                .values_list("account_id", flat=True))
    if as_of >= timezone.localdate():
        AccountHealth.objects.filter(account_id__in=[a for a in account_ids if a not in scored]).delete()
    week_ago = {}
    for pk, _day, score in (HealthSnapshot.objects.filter(among(scored), day__lte=as_of - WEEK,
                                                         day__gt=as_of - 2 * WEEK)
                           .order_by("day").values_list("account_id", "day", "score")):
        week_ago[pk] = score  # ordered by day: the latest one wins
    rows = [AccountHealth(account_id=pk, day=as_of, score=s.score, band=s.band, version=v,
                          week_ago_score=week_ago.get(pk), updated_at=now)
            for pk, (v, s) in scored.items() if pk not in newer]
    before = dict(AccountHealth.objects.filter(among(r.account_id for r in rows))
                  .values_list("account_id", "band"))
    bulk.insert(AccountHealth, rows, unique_fields=["account"],
                update_fields=["day", "score", "band", "version", "week_ago_score", "updated_at"])
    _announce_band_changes(before, rows)


def _announce_band_changes(before: dict[int, str], rows: list[AccountHealth]) -> None:
    """A band change (green to yellow, …) goes to webhooks; a first score is not a change."""
    from django.conf import settings

    from tenure.integrations.webhooks import emit_many

    emit_many([
        ("health.band_changed", {
            "summary": f"Health of account {r.account_id} moved from {before[r.account_id]} to {r.band}"
                       f" (score {r.score})", "account_id": r.account_id, "from": before[r.account_id],
            "to": r.band, "score": r.score, "url": f"{settings.TENURE_BASE_URL}/accounts/{r.account_id}/#health"})
        for r in rows if r.account_id in before and before[r.account_id] and r.band and before[r.account_id] != r.band
    ])


def score_accounts(account_ids: list[int], as_of: dt.date, facts: dict[int, AccountFacts] | None = None) -> dict:
    """Score the accounts on ``as_of``: a snapshot each (replacing that day's) and their current score. Returns
    account id → (version, scored) for the accounts that have a score."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    scored = score_facts(facts if facts is not None else load_facts(ids, as_of, parts=FACTS))
    now = timezone.now()
    with transaction.atomic():
        _write_snapshots({as_of: scored}, now)
        _refresh_current(ids, as_of, scored, now)
    return scored


def backfill_days(today: dt.date, days: int = 365, step: int = 7) -> list[dt.date]:
    """today, today − step, … back ``days``: the grid of past snapshots (and of the backtest)."""
    return [today - dt.timedelta(days=k) for k in range(0, days + 1, step)][::-1]


def backfill_health(*, today: dt.date | None = None, days: int = 365, step: int = 7,
                    account_ids=None) -> int:
    """Snapshots every ``step`` days over the past ``days`` (and today), each from what was known that day."""
    today = today or timezone.localdate()
    ids = sorted(account_ids if account_ids is not None else Account.objects.values_list("pk", flat=True))
    grid = backfill_days(today, days, step)
    versions = current_versions()
    written = 0
    for i in range(0, len(ids), BACKFILL_BATCH):
        batch = ids[i:i + BACKFILL_BATCH]
        results = compute(batch, grid, versions=versions)
        now = timezone.now()
        with transaction.atomic():
            written += _write_snapshots(results, now)
            _refresh_current(batch, today, results.get(today, {}), now)
    return written


def score_all(as_of: dt.date | None = None, account_ids=None, batch_size: int | None = None) -> int:
    """Score now, synchronously, in batches. Returns how many accounts were looked at."""
    as_of, size = as_of or timezone.localdate(), batch_size or SCORE_BATCH
    ids = sorted(account_ids if account_ids is not None else Account.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), size):
        score_accounts(ids[start : start + size], as_of)
    return len(ids)


# ---- what the pages show ------------------------------------------------------------------------------------


def history(account: Account, days: int = 180, today: dt.date | None = None) -> list[HealthSnapshot]:
    today = today or timezone.localdate()
    return list(HealthSnapshot.objects.filter(account_id=account.pk, day__gt=today - dt.timedelta(days=days),
                                              day__lte=today).order_by("day").only("day", "score", "band"))


def previous_snapshot(account: Account, snapshot: HealthSnapshot) -> HealthSnapshot | None:
    """The snapshot about a week before (the latest one 7 to 13 days earlier)."""
    return (account.health_snapshots.filter(day__lte=snapshot.day - WEEK, day__gt=snapshot.day - 2 * WEEK)
            .order_by("-day").first())


# ---- backtest -----------------------------------------------------------------------------------------------


def outcomes(today: dt.date | None = None) -> list[facts_outcomes.Outcome]:
    """Renewals and churns settled by ``today``: the same definition as the retention metrics and the churn
    model (a churn dated the day after the paid term ends, free subscriptions not counting, the configured
    grace)."""
    today = today or timezone.localdate()
    changes = facts_outcomes.history_frame(SubscriptionChange.objects.values_list(*facts_outcomes.HISTORY_FIELDS)
                                           .iterator(chunk_size=5000))
    return facts_outcomes.outcomes(changes, facts_outcomes.day_number(today), facts_outcomes.grace_days())


def grid_day(day: dt.date, today: dt.date, step: int = 7) -> dt.date:
    """The latest day of the snapshot grid (today, today − 7, …) on or before ``day``."""
    behind = (today - day).days
    return today - dt.timedelta(days=-(-behind // step) * step)


def _before_outcomes(days: int, today: dt.date, step: int, account_ids=None, fields=("score", "band"),
                     ) -> tuple[dict[dt.date, list[facts_outcomes.Outcome]], dict]:
    """Each settled outcome's grid day ``days`` before it, kept only where a stored snapshot with a score exists
    that day; and those snapshots' ``fields`` by (account, day)."""
    found = [o for o in outcomes(today) if o.day <= today
             and (account_ids is None or o.account_id in account_ids)]
    wanted: dict[dt.date, list[facts_outcomes.Outcome]] = defaultdict(list)
    for o in found:
        wanted[grid_day(o.day - dt.timedelta(days=days), today, step)].append(o)
    accounts = {o.account_id for o in found}
    # The filter is a cross product of accounts and days: find the wanted snapshots' ids first, then read their
    # fields (a snapshot's measures are a large JSON value, not worth decoding for snapshots nobody asked for).
    pairs = {(o.account_id, day) for day, items in wanted.items() for o in items}
    ids = {(pk, d): sid for sid, pk, d in HealthSnapshot.objects.filter(
        account_id__in=accounts, day__in=list(wanted), score__isnull=False)
        .values_list("pk", "account_id", "day").iterator(chunk_size=5000) if (pk, d) in pairs}
    by_id = {sid: rest for sid, *rest in HealthSnapshot.objects.filter(pk__in=list(ids.values()))
             .values_list("pk", *fields).iterator(chunk_size=2000)}
    stored = {key: by_id[sid] for key, sid in ids.items()}
    wanted = {day: [o for o in items if (o.account_id, day) in stored] for day, items in wanted.items()}
    return {day: items for day, items in wanted.items() if items}, stored


def backtest(*, days: int = 30, version: ScorecardVersion | None = None, today: dt.date | None = None,
             step: int = 7) -> scoring.Backtest:
    """How well the score ``days`` before each renewal or churn separated the two.

    The score is the one on the snapshot grid (every ``step`` days back from today) at least ``days`` before the
    outcome. Without ``version``, stored snapshots are used (each made by the version then in force); with it,
    history is re-scored as of those days with that version's rules, so two versions compare on the same ground.
    """
    today = today or timezone.localdate()
    # Only the history that was scored (stored snapshots) counts, whichever version: the same samples for all.
    wanted, stored = _before_outcomes(days, today, step)
    pairs = []
    if version is None:
        for day, items in wanted.items():
            for o in items:
                s, b = stored[(o.account_id, day)]
                pairs.append((s, b, o.churned))
        label = "stored snapshots"
    else:
        ids = sorted({o.account_id for items in wanted.values() for o in items})
        for i in range(0, len(ids), BACKFILL_BATCH):
            batch = set(ids[i:i + BACKFILL_BATCH])
            results = compute(batch, sorted(wanted), definition=version.definition)
            for day, items in wanted.items():
                for o in items:
                    hit = results.get(day, {}).get(o.account_id)
                    if o.account_id in batch and hit is not None and hit[1].score is not None:
                        pairs.append((hit[1].score, hit[1].band, o.churned))
        label = str(version)
    return scoring.evaluate(pairs, days, label)


# ---- suggested weights --------------------------------------------------------------------------------------

SUGGEST_DAYS = 90
REPORT_DAYS = (30, 90)


def suggestion_samples(*, days: int, today: dt.date, account_ids=None, step: int = 7) -> list[suggest.Sample]:
    """The stored measure scores ``days`` before each settled outcome (the back-test's samples)."""
    wanted, stored = _before_outcomes(days, today, step, account_ids, fields=("measures",))
    return [suggest.Sample(o.account_id, o.day, {m["key"]: None if m["missing"] else m["score"]
                                                 for m in stored[(o.account_id, day)][0]}, o.churned)
            for day, items in sorted(wanted.items()) for o in items]


def latest_measure_scores(account_ids) -> list[dict]:
    """Each account's stored measure scores on its latest snapshot (the one its current score was made from)."""
    latest = dict(AccountHealth.objects.filter(account_id__in=account_ids).values_list("account_id", "day"))
    rows = HealthSnapshot.objects.filter(account_id__in=latest, day__in=set(latest.values())).order_by()
    return [{m["key"]: None if m["missing"] else m["score"] for m in measures}
            for account_id, day, measures in rows.values_list("account_id", "day", "measures")
            if latest[account_id] == day]


def suggest_weights(scorecard: Scorecard | None = None, *, days: int = SUGGEST_DAYS, today: dt.date | None = None,
                    by=None) -> WeightSuggestion:
    """Fit the scorecard's weights and thresholds to its accounts' history; store the draft with its back-test.

    Raises ``suggest.NotEnoughHistory`` when the history holds too few renewals and churns to fit."""
    today = today or timezone.localdate()
    scorecard = scorecard or default_version().scorecard
    current = scorecard.versions.order_by("-number").first()
    accounts = set(covered_accounts(scorecard))
    by_days = {d: suggestion_samples(days=d, today=today, account_ids=accounts) for d in sorted({*REPORT_DAYS, days})}
    found = suggest.suggest(by_days[days], current.definition)
    figures = suggest.report(by_days, days, current.definition, found)
    figures["today"] = suggest.bands_today(latest_measure_scores(accounts), current.definition, found.definition)
    return WeightSuggestion.objects.create(scorecard=scorecard, based_on=current, definition=found.definition,
                                           days=days, report=figures, created_by=by)


def open_suggestion(scorecard: Scorecard) -> WeightSuggestion | None:
    """The newest draft not yet accepted or discarded, if it was fitted on the version still in force."""
    draft = scorecard.suggestions.select_related("based_on").first()
    current = scorecard.versions.order_by("-number").first()
    if draft is None or not draft.is_open or draft.based_on_id != current.pk:
        return None
    return draft


@transaction.atomic
def accept_suggestion(draft: WeightSuggestion, *, by=None) -> ScorecardVersion:
    """Save the draft as the scorecard's next version (re-scoring its accounts, as any save does)."""
    draft = WeightSuggestion.objects.select_for_update().get(pk=draft.pk)
    if not draft.is_open:
        raise ValueError("this suggestion was already accepted or discarded")
    horizon = draft.report.get("horizons", {}).get(str(draft.days), {})
    auc = horizon.get("in_sample", {}).get("after", {}).get("auc")
    note = f"suggested weights, fitted on {draft.report.get('samples', 0)} outcomes {draft.days} days before"
    note += f" (AUC {auc})" if auc is not None else ""
    version = apply_scorecard(draft.scorecard, draft.definition, by=by, note=note)
    draft.accepted_as = version
    draft.save(update_fields=["accepted_as"])
    return version


def discard_suggestion(draft: WeightSuggestion) -> None:
    WeightSuggestion.objects.filter(pk=draft.pk, accepted_as=None).update(discarded=True)
