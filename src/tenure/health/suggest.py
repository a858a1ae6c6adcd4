"""Suggested weights, pure: fit a scorecard's measure weights (and band thresholds) to what really happened.

The samples are stored measure scores (0-100, as the snapshots keep them) some days before each renewal or
churn. The fit is a logistic regression of "churned" on those scores whose coefficients may not be negative
(a higher measure score never means more churn), so each coefficient reads as a weight: the suggested weights
are the coefficients shared out to 100. A measure the history says nothing about gets the least weight
(``MIN_WEIGHT``: an account with data on that measure only keeps a score). The modifier (renewal proximity) is
not weighed and keeps its weight.

Thresholds: red and green are the fitted score's cut-offs that split the samples into the three bands whose
churn rates explain the outcomes best (the binomial likelihood of each band's own rate), provided the rates fall
from red to yellow to green and each band holds at least ``MIN_BAND_SHARE`` of the samples: so a band means a
churn rate, and no band is too small for its rate to mean anything. Only when no split meets that do the bands
keep today's shares of the samples.

Scores under a new definition are computed by the scorecard's own math (``scoring.score``) over the stored
measure scores, so a suggestion's back-test is exactly what the new version would have scored on those days.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from tenure.health import scoring
from tenure.health.measures import CATALOG

IDENTITY = {"type": "linear", "zero": 0.0, "full": 100.0}  # a stored measure score maps to itself
PENALTY = 1.0  # ridge on the coefficients (scores in 0-1): keeps weights stable when measures move together
MIN_SAMPLES, MIN_CHURNS = 20, 5
MIN_WEIGHT = 1  # a measure the version weighs keeps at least this: an account with only its data stays scored
# Each suggested band holds at least this share of the outcomes. Smaller, and a band's churn rate rests on a
# handful of accounts (on the demo a red band of 3% held 4 accounts and its rate flipped out of sample).
MIN_BAND_SHARE = 0.15


class NotEnoughHistory(ValueError):
    pass


@dataclass(frozen=True)
class Sample:
    account_id: int
    outcome_day: object  # datetime.date of the renewal or churn
    scores: dict  # measure key -> stored measure score 0-100, None when missing
    churned: bool


def weighed_keys(definition: dict) -> list[str]:
    """The measures whose weights are fitted: every non-modifier measure of the catalog."""
    return [k for k, m in CATALOG.items() if not m.modifier]


def rescore(scores: dict, definition: dict) -> scoring.Scored:
    """The score ``definition`` gives an account whose measure scores are ``scores`` (its mappings already
    applied): the scorecard's own weighing, sharing and modifier."""
    same = {**definition, "measures": [{**m, "mapping": IDENTITY} for m in definition["measures"]]}
    return scoring.score({k: (math.nan if v is None else v) for k, v in scores.items()}, same)


def pairs(samples: list[Sample], definition: dict) -> list[tuple[float, str, bool]]:
    """(score, band, churned) for ``scoring.evaluate``; samples the definition cannot score are left out."""
    out = []
    for s in samples:
        scored = rescore(s.scores, definition)
        if scored.score is not None:
            out.append((scored.score, scored.band, s.churned))
    return out


def paired(samples: list[Sample], before: dict, after: list[dict] | dict,
           ) -> tuple[list[tuple[float, str, bool]], list[tuple[float, str, bool]], int]:
    """Pairs of both definitions over the same samples (those both can score), and how many samples ``after``
    cannot score (every measure it weighs is missing there). ``after`` may be one definition per sample."""
    afters = after if isinstance(after, list) else [after] * len(samples)
    out_before, out_after, unscored = [], [], 0
    for s, definition in zip(samples, afters, strict=True):
        a, b = rescore(s.scores, before), rescore(s.scores, definition)
        if b.score is None:
            unscored += 1
        if a.score is not None and b.score is not None:
            out_before.append((a.score, a.band, s.churned))
            out_after.append((b.score, b.band, s.churned))
    return out_before, out_after, unscored


def design(samples: list[Sample], keys: list[str], fill: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores as a 0-1 matrix (a missing score takes the measure's mean, ``fill``), and the mean used."""
    X = np.array([[np.nan if s.scores.get(k) is None else s.scores[k] / 100.0 for k in keys] for s in samples],
                 dtype="float64").reshape(len(samples), len(keys))
    if fill is None:
        with warnings.catch_warnings():  # a measure nobody has data on (e.g. knowledge engagement) is all NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            fill = np.nanmean(X, axis=0) if len(X) else np.zeros(len(keys))
        fill = np.where(np.isnan(fill), 0.5, fill)
    X = np.where(np.isnan(X), fill[None, :], X)
    return X, fill


def fit_coefficients(X: np.ndarray, y: np.ndarray, penalty: float = PENALTY) -> tuple[float, np.ndarray]:
    """P(churn) = σ(a − X·b) with b ≥ 0, by L-BFGS-B on the mean log-loss plus a small ridge on b."""
    n, k = X.shape
    y = y.astype("float64")

    def loss(theta):
        a, b = theta[0], theta[1:]
        z = a - X @ b
        # log(1 + e^z) − y·z, written to stay finite for large |z|
        value = np.mean(np.logaddexp(0.0, z) - y * z) + penalty / (2 * n) * b @ b
        p = 1.0 / (1.0 + np.exp(-z))
        grad_z = (p - y) / n
        grad = np.concatenate([[grad_z.sum()], -(X.T @ grad_z) + penalty / n * b])
        return value, grad

    start = np.zeros(k + 1)
    base = min(max(y.mean(), 1e-3), 1 - 1e-3)
    start[0] = math.log(base / (1 - base))
    found = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=[(None, None)] + [(0.0, None)] * k)
    return float(found.x[0]), np.clip(found.x[1:], 0.0, None)


def shares(bands: list[str]) -> tuple[float, float]:
    """Share of red and of red-or-yellow among banded samples."""
    n = len(bands) or 1
    red = sum(b == "red" for b in bands) / n
    return red, red + sum(b == "yellow" for b in bands) / n


def thresholds_for(scores: list[float], red_share: float, not_green_share: float) -> dict:
    """Whole-number red and green thresholds that put about these shares of ``scores`` below them."""
    values = np.sort(np.asarray(scores, dtype="float64"))
    if not len(values):
        return {"red": 50, "green": 75}

    def cut(share: float) -> float:
        best, gap = 0.0, math.inf
        for t in range(0, 101):
            off = abs(float(np.mean(values < t)) - share)
            if off < gap - 1e-12:
                best, gap = float(t), off
        return best

    red, green = cut(red_share), cut(not_green_share)
    return {"red": red, "green": max(red, green)}


def _log_likelihood(n: np.ndarray, churned: np.ndarray) -> np.ndarray:
    """Binomial log-likelihood of ``churned`` of ``n`` at their own rate (0 for an empty band)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, churned / np.maximum(n, 1), 0.0)
        kept = n - churned
        return (np.where(churned > 0, churned * np.log(np.where(rate > 0, rate, 1.0)), 0.0)
                + np.where(kept > 0, kept * np.log(np.where(rate < 1, 1.0 - rate, 1.0)), 0.0))


def separating_thresholds(scores: list[float], churned: list[bool], min_share: float = MIN_BAND_SHARE,
                          ) -> dict | None:
    """Whole-number red and green thresholds whose bands separate churn best: among the splits where each
    band holds at least ``min_share`` of the samples and the churn rate falls strictly from red to yellow to
    green, the one whose band rates give the outcomes the highest likelihood. None when no split qualifies."""
    s, y = np.asarray(scores, dtype="float64"), np.asarray(churned, dtype=bool)
    n = len(s)
    if not n:
        return None
    cuts = np.arange(0, 102)  # a threshold of 101 puts every score (at most 100) below it
    below = (s[None, :] < cuts[:, None])
    n_below, c_below = below.sum(axis=1), (below & y[None, :]).sum(axis=1)
    red, green = np.meshgrid(cuts, cuts, indexing="ij")
    n_red, c_red = n_below[red], c_below[red]
    n_green, c_green = n - n_below[green], c_below[-1] - c_below[green]
    n_yellow, c_yellow = n - n_red - n_green, c_below[-1] - c_red - c_green
    least = max(math.ceil(min_share * n), 1)
    allowed = ((green >= red) & (n_red >= least) & (n_yellow >= least) & (n_green >= least)
               # rates compared by cross-multiplying: red's above yellow's above green's
               & (c_red * n_yellow > c_yellow * n_red) & (c_yellow * n_green > c_green * n_yellow))
    if not allowed.any():
        return None
    fit = _log_likelihood(n_red, c_red) + _log_likelihood(n_yellow, c_yellow) + _log_likelihood(n_green, c_green)
    i, j = np.unravel_index(np.argmax(np.where(allowed, fit, -np.inf)), fit.shape)
    return {"red": float(cuts[i]), "green": float(cuts[j])}


@dataclass
class Suggestion:
    definition: dict
    coefficients: dict  # measure key -> fitted coefficient (log-odds per 100 points of that measure)
    intercept: float
    samples: int
    churned: int


def suggest(samples: list[Sample], definition: dict, penalty: float = PENALTY, keep_thresholds: bool = False,
            ) -> Suggestion:
    """New weights (and thresholds) for ``definition`` fitted on ``samples``; mappings stay as they are."""
    churned = sum(s.churned for s in samples)
    if len(samples) < MIN_SAMPLES or churned < MIN_CHURNS or churned == len(samples):
        raise NotEnoughHistory(f"{len(samples)} outcomes with {churned} churns: need at least {MIN_SAMPLES} "
                               f"outcomes with {MIN_CHURNS} churns and some renewals")
    keys = weighed_keys(definition)
    X, _ = design(samples, keys)
    y = np.array([s.churned for s in samples])
    intercept, b = fit_coefficients(X, y, penalty)
    if b.sum() <= 0:
        raise NotEnoughHistory("no measure separates churns from renewals in this history")
    weights = dict(zip(keys, np.round(100.0 * b / b.sum()).astype(int).tolist(), strict=True))
    if not any(weights.values()):
        weights[keys[int(np.argmax(b))]] = 100
    by_key = {m["key"]: m for m in definition["measures"]}
    from tenure.health.measures import DEFAULT_DEFINITION

    defaults = {m["key"]: m for m in DEFAULT_DEFINITION["measures"]}
    measures = []
    for key in CATALOG:
        base = by_key.get(key) or defaults[key]
        weight = base["weight"] if CATALOG[key].modifier else weights[key]
        if key in by_key and base["weight"] > 0 and not CATALOG[key].modifier:
            weight = max(weight, MIN_WEIGHT)  # so every account the version scores keeps a score
        if key in by_key or weight > 0:
            measures.append({"key": key, "weight": weight, "mapping": base["mapping"]})
    new = {"thresholds": dict(definition["thresholds"]), "measures": measures}
    if not keep_thresholds:
        fitted = pairs(samples, new)
        new["thresholds"] = (separating_thresholds([s for s, _, _ in fitted], [c for _, _, c in fitted])
                             or thresholds_for([s for s, _, _ in fitted],
                                               *shares([b for _, b, _ in pairs(samples, definition)])))
    scoring.validate_definition(new)
    return Suggestion(new, dict(zip(keys, [round(float(v), 3) for v in b], strict=True)), round(intercept, 3),
                      len(samples), churned)


def bands_today(current_scores: list[dict], before: dict, after: dict) -> dict:
    """How many of today's accounts (their latest stored measure scores) each definition puts in each band: what
    accepting the draft would do to the book, shown before it is accepted."""
    out = {"before": dict.fromkeys(scoring.BANDS, 0), "after": dict.fromkeys(scoring.BANDS, 0)}
    for scores in current_scores:
        for side, definition in (("before", before), ("after", after)):
            band = rescore(scores, definition).band
            if band:
                out[side][band] += 1
    return out


# ---- honest figures: in sample, and out of sample ------------------------------------------------------------


def split_by_time(samples: list[Sample], share: float = 2 / 3) -> tuple[list[Sample], list[Sample]]:
    """Earlier outcomes to fit on, later ones to test on: the suggestion never sees the future it is tested on."""
    ordered = sorted(samples, key=lambda s: (s.outcome_day, s.account_id))
    cut = int(len(ordered) * share)
    if 0 < cut < len(ordered):  # keep all outcomes of one day on the same side
        day = ordered[cut].outcome_day
        while cut > 0 and ordered[cut - 1].outcome_day == day:
            cut -= 1
    return ordered[:cut], ordered[cut:]


def folds_by_account(samples: list[Sample], k: int = 5) -> list[tuple[list[Sample], list[Sample]]]:
    """k (train, test) splits in which an account's outcomes are all on one side."""
    from sklearn.model_selection import GroupKFold

    groups = [s.account_id for s in samples]
    k = min(k, len(set(groups)))
    if k < 2:
        return []
    return [([samples[i] for i in train], [samples[i] for i in test])
            for train, test in GroupKFold(n_splits=k).split(samples, groups=groups)]


def _compare(samples: list[Sample], before: dict, after, days: int, label: str) -> dict:
    """Back-test figures of both definitions on the same samples."""
    a, b, unscored = paired(samples, before, after)
    return {"before": scoring.evaluate(a, days, "current").as_dict(),
            "after": scoring.evaluate(b, days, label).as_dict(), "unscored": unscored}


def report(samples_by_days: dict[int, list[Sample]], fit_days: int, definition: dict, suggestion: Suggestion,
           penalty: float = PENALTY) -> dict:
    """Back-test of the current definition ("before") and the suggestion ("after") at each horizon: in sample
    (the suggestion was fitted on these outcomes), on later outcomes (fitted on the earlier ones only), and
    on other accounts (five folds by account, each fitted without the accounts it is tested on)."""
    fit_on = samples_by_days[fit_days]
    earlier, later = split_by_time(fit_on)
    cut_day = later[0].outcome_day if later else None
    out = {"fit_days": fit_days, "samples": suggestion.samples, "churned": suggestion.churned,
           "coefficients": suggestion.coefficients, "split_day": cut_day.isoformat() if cut_day else None,
           "horizons": {}}
    try:
        on_earlier = suggest(earlier, definition, penalty).definition
    except NotEnoughHistory:
        on_earlier = None
    accounts = sorted({s.account_id for s in fit_on})
    folds = folds_by_account(fit_on)
    fold_of = {s.account_id: f for f, (_, test) in enumerate(folds) for s in test}
    fitted_without = {}
    for f, (train, _) in enumerate(folds):
        with contextlib.suppress(NotEnoughHistory):  # a fold without churns has nothing to fit
            fitted_without[f] = suggest(train, definition, penalty).definition
    for days, samples in sorted(samples_by_days.items()):
        row = {"in_sample": _compare(samples, definition, suggestion.definition, days, "suggested")}
        if on_earlier is not None and cut_day is not None:
            test = [s for s in samples if s.outcome_day >= cut_day]
            row["later_outcomes"] = _compare(test, definition, on_earlier, days, "fitted on earlier")
        if fitted_without:
            test = [s for s in samples if fold_of.get(s.account_id) in fitted_without]
            row["other_accounts"] = _compare(test, definition, [fitted_without[fold_of[s.account_id]] for s in test],
                                             days, "fitted on other accounts")
        out["horizons"][str(days)] = row
    out["accounts"] = len(accounts)
    return out
