"""The churn model's verbs: load the history in bulk, train (with its back-test), score today's accounts.

``train()`` builds labelled observations (every account paying on each observation date, labelled by
whether it churned within the horizon), back-tests both candidates on later dates after training on
earlier ones, refits the winner on all observations, stores it (joblib file + ChurnModel row) and scores
every paying account (ChurnPrediction rows with drivers).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from threadpoolctl import threadpool_limits

from tenure.facts import days
from tenure.facts.history import event_labels, last_known_day, load_history
from tenure.health.models import HealthSnapshot
from tenure.metrics import calc
from tenure.metrics import services as metrics
from tenure.predict import drivers as drv
from tenure.predict import features as feat
from tenure.predict import observations as obs
from tenure.predict import training
from tenure.predict.models import ChurnModel, ChurnPrediction

log = logging.getLogger(__name__)

# One thread for the numeric libraries: on a busy machine OpenMP's spinning threads made training 7× slower
# (27.8 s against 3.8 s for the demo's model on two shared cores).
ONE_THREAD = 1

DEFAULT_HORIZON = 30
DEMO_STEP, DEMO_DATES, DEMO_TREE_BUDGET = 14, 26, 150
MIN_CHURNS = 5  # fewer churns than this in the history: nothing to learn from


def horizon_days() -> int:
    value = getattr(settings, "TENURE_CHURN_HORIZON_DAYS", None) or os.environ.get("TENURE_CHURN_HORIZON_DAYS")
    return int(value) if value else DEFAULT_HORIZON


class NotEnoughHistory(Exception):
    """Too little history (or too few churns) to train and back-test a model."""


# ---- loading ------------------------------------------------------------------------------------------


def load_inputs(until: dt.date | None = None, since: dt.date | None = None) -> feat.Inputs:
    """Everything the features read: the facts room's history (one query per table; ``until`` drops later rows,
    ``since`` skips usage rollups older than needed) and the health snapshots."""
    return feat.Inputs.of(load_history(until=until, since=since), _load_health(until))


def _load_health(until) -> pd.DataFrame:
    """Scores and, one column per measure ("m:<key>"), each measure's 0-100 score (NaN where it was missing)."""
    qs = HealthSnapshot.objects.filter(score__isnull=False)
    if until is not None:
        qs = qs.filter(day__lte=until)
    rows = list(qs.values_list("account_id", "day", "score", "measures").iterator(chunk_size=20000))
    df = pd.DataFrame([r[:3] for r in rows], columns=["account_id", "day", "score"])
    df["day"] = days.days(df["day"])
    df["score"] = df["score"].astype("float64")
    measures = pd.DataFrame([{f"m:{m['key']}": m.get("score") for m in (r[3] or [])
                              if isinstance(m, dict) and m.get("key") and not m.get("missing")} for r in rows],
                            index=df.index)
    return pd.concat([df, measures.astype("float64")], axis=1) if len(measures.columns) else df


def event_names() -> dict[str, str]:
    return {feat.slug(event): label for event, label in event_labels().items()}


# ---- training -----------------------------------------------------------------------------------------


@dataclass
class TrainingData:
    inputs: feat.Inputs
    spec: feat.Spec
    frame: pd.DataFrame  # account_id, as_of, label, features…
    columns: list[str]
    periods: pd.DataFrame
    observation: obs.Observation | None = None
    as_of: dt.date | None = None


def training_data(as_of: dt.date, horizon: int, grace: int, step: int | None = None, max_dates: int | None = None,
                  inputs: feat.Inputs | None = None) -> TrainingData:
    inputs = inputs or load_inputs(until=as_of)
    today = days.day_number(as_of)
    found = calc.active_periods(calc.coverage(inputs.changes, today), today, grace)
    observation = obs.plan_observations(inputs, today, horizon, grace, step=step, max_dates=max_dates)
    dates = observation.dates
    rows = obs.label_rows(found.periods, dates, horizon)
    spec = feat.make_spec(inputs)
    frame = feat.build_features(inputs, rows, spec)
    if len(frame):
        frame["label"] = rows["label"].to_numpy()
        scored = obs.at_renewal(frame, observation, horizon)
        # too few renewals decided in the observed span to score on: every observation is scored
        if scored is not None and frame.loc[scored.to_numpy(), "label"].sum() >= MIN_CHURNS:
            observation.renewals = True
            frame["scored"] = scored.to_numpy()
    columns = feat.feature_columns(frame) if len(frame) else []
    # A column that never varies carries nothing to learn.
    columns = [c for c in columns if frame[c].nunique(dropna=False) > 1]
    return TrainingData(inputs, spec, frame, columns, found.periods, observation, as_of)


@dataclass
class TrainResult:
    model: ChurnModel
    backtest: training.Backtest
    scored: int
    seconds: float


def model_dir():
    path = settings.DATA_DIR / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


MIN_TEST_DATES = 2  # the back-test needs a few dates after the first model's outcomes settled


def too_short(data: TrainingData, horizon: int, grace: int) -> str:
    """Why this history cannot train a model yet, and how much more it needs, in words."""
    obs = data.observation
    churns = int(data.frame["label"].sum()) if len(data.frame) else 0
    said = (f"{len(data.frame)} observations on {len(obs.dates) if obs else 0} dates with {churns} churns within "
            f"{horizon} days")
    if obs is None or obs.first_day is None:
        return said + ": import subscriptions with their start and end dates, and past usage"
    # a first model needs dates whose outcomes settled, then MIN_TEST_DATES more to test it on
    needed = obs.warmup + obs.settle + (MIN_TEST_DATES + 1) * obs.step + obs.settle
    have = days.day_number(data.as_of) - obs.first_day if data.as_of else None
    more = f"; the history needs about {needed} days from its first day" if have is None else (
        f"; the history spans {have} days and needs about {needed}" + (
            f" ({needed - have} more)" if needed > have else ""))
    if churns < MIN_CHURNS:
        more += f", and at least {MIN_CHURNS} churns in the observed span"
    return said + more + f" ({obs.describe()})"


def evaluate(as_of: dt.date | None = None, horizon: int | None = None, grace: int | None = None,
             step: int | None = None, max_dates: int | None = None, tree_budget: int = 300,
             data: TrainingData | None = None) -> tuple[training.Backtest, TrainingData]:
    """The time-ordered back-test of both candidates, without storing anything."""
    as_of = as_of or last_known_day()
    horizon = horizon or horizon_days()
    grace = metrics.grace_days() if grace is None else grace
    data = data or training_data(as_of, horizon, grace, step, max_dates)
    if not len(data.frame) or data.frame["label"].sum() < MIN_CHURNS:
        raise NotEnoughHistory(too_short(data, horizon, grace))
    with threadpool_limits(ONE_THREAD):
        bt = training.backtest(data.frame, data.columns, horizon + grace, tree_budget=tree_budget)
    if not bt.results:
        raise NotEnoughHistory("the back-test has no churns to learn from before its test dates: "
                               + too_short(data, horizon, grace))
    if not bt.chosen:
        raise NotEnoughHistory("every candidate failed: " + "; ".join(f"{k}: {v}" for k, v in bt.errors.items()))
    return bt, data


def summary(bt: training.Backtest, data: TrainingData, horizon: int, grace: int, settings: dict | None = None,
            ) -> dict:
    frame = data.frame
    return {
        "settings": settings or {},
        "backtest": {k: {kk: vv for kk, vv in v.items()} for k, v in bt.results.items()},
        "chosen": bt.chosen,
        "train_dates": [days.to_date(d).isoformat() for d in bt.train_dates],
        "test_dates": [days.to_date(d).isoformat() for d in bt.test_dates],
        "folds": [{"test_dates": [days.to_date(d).isoformat() for d in f["test_dates"]],
                   "train_dates": f["train_dates"], "last_train_date": days.to_date(f["last_train_date"]).isoformat()}
                  for f in bt.folds],
        "comparison": bt.comparison,
        "observations": len(frame), "churns": int(frame["label"].sum()),
        "accounts": int(frame["account_id"].nunique()),
        "observation_dates": [days.to_date(d).isoformat() for d in sorted(frame["as_of"].unique())],
        "horizon_days": horizon, "grace_days": grace, "features": len(data.columns),
        "observation": data.observation.describe() if data.observation else "",
        "errors": dict(bt.errors),
    }


def train(as_of: dt.date | None = None, horizon: int | None = None, grace: int | None = None,
          step: int | None = None, max_dates: int | None = None, tree_budget: int = 300, score: bool = True,
          ) -> TrainResult:
    started = time.perf_counter()
    as_of = as_of or last_known_day()
    horizon = horizon or horizon_days()
    grace = metrics.grace_days() if grace is None else grace
    bt, data = evaluate(as_of, horizon, grace, step, max_dates, tree_budget)
    settings = {"step": step, "max_dates": max_dates, "tree_budget": tree_budget}
    ranked = [bt.chosen, *(k for k in bt.results if k not in bt.errors and k != bt.chosen)]
    fitted = None
    for kind in ranked:  # the back-test's winner, else the next one that fits on all the history
        try:
            with threadpool_limits(ONE_THREAD):
                fitted = training.fit(kind, data.frame, data.columns, horizon + grace, tree_budget)
            break
        except Exception as exc:  # the next candidate may still fit
            bt.errors[f"{kind} (final fit)"] = f"{type(exc).__name__}: {exc}"
            log.warning("churn model: the %s candidate failed on all the history: %s", kind, exc)
    if fitted is None:
        raise NotEnoughHistory("no candidate could be fitted: " + "; ".join(bt.errors.values()))
    reference = drv.reference_row(data.frame[data.columns])
    version = (ChurnModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    # The time in the name: another database sharing DATA_DIR (tests, a second demo) never overwrites it.
    path = model_dir() / f"churn-v{version}-{timezone.now():%Y%m%d%H%M%S%f}.joblib"
    joblib.dump({"fitted": fitted, "spec": data.spec, "reference": reference, "horizon": horizon,
                 "grace": grace}, path)
    with transaction.atomic():
        ChurnModel.objects.filter(is_active=True).update(is_active=False)
        model = ChurnModel.objects.create(
            version=version, kind=fitted.kind, trained_at=timezone.now(), as_of=as_of, horizon_days=horizon,
            grace_days=grace, features=data.columns, metrics=summary(bt, data, horizon, grace, settings),
            file=path.name,
        )
    scored = predict(model, as_of, inputs=data.inputs) if score else 0
    return TrainResult(model, bt, scored, time.perf_counter() - started)


def retrain() -> TrainResult:
    """The scheduled retrain: the history so far, observed the way the active model was (its step between
    observation dates, how many, its tree budget), so a weekly retrain does not silently change the method."""
    model = active_model()
    kept = (model.metrics.get("settings") if model else None) or {}
    return train(**{k: v for k, v in kept.items() if k in ("step", "max_dates", "tree_budget")})


def active_model() -> ChurnModel | None:
    return ChurnModel.active()


def load_model(model: ChurnModel) -> dict:
    return joblib.load(model_dir() / model.file)


def score_frame(stored: dict, inputs: feat.Inputs, as_of: dt.date, account_ids) -> pd.DataFrame:
    fitted: training.Fitted = stored["fitted"]
    X = feat.features_as_of(inputs, days.day_number(as_of), account_ids, stored["spec"])
    for column in fitted.columns:
        if column not in X:
            X[column] = np.nan
    X["probability"] = fitted.predict(X) if len(X) else []
    return X


def predict(model: ChurnModel | None = None, as_of: dt.date | None = None, inputs: feat.Inputs | None = None,
            ) -> int:
    """Score every account that pays on ``as_of`` (default: the last known day) and replace the stored
    predictions. Returns how many. With nobody to score, the stored predictions stay as they are: a day without
    paying accounts (a history read on the wrong day) must not erase yesterday's scores."""
    model = model or active_model()
    if model is None:
        return 0
    as_of = as_of or last_known_day()
    stored = load_model(model)
    inputs = inputs or load_inputs(since=as_of - dt.timedelta(days=200))
    today = days.day_number(as_of)
    cov = calc.coverage(inputs.changes, today)
    paying = np.unique(cov.loc[(cov["start"] <= today) & (cov["end"] >= today), "account_id"].to_numpy())
    fitted = stored["fitted"]
    names = event_names()
    with threadpool_limits(ONE_THREAD):
        X = score_frame(stored, inputs, as_of, paying)
        contrib = drv.contributions(fitted, X, stored["reference"]) if len(X) else pd.DataFrame()
    now = timezone.now()
    rows = []
    for account_id in X.index:
        values = X.loc[account_id]
        rows.append(ChurnPrediction(
            account_id=int(account_id), model=model, probability=float(values["probability"]),
            drivers=drv.words(values, contrib.loc[account_id], stored["reference"], names),
            as_of=as_of, scored_at=now,
        ))
    if not rows:
        log.warning("churn model v%s: nobody pays on %s; the stored predictions are kept", model.version, as_of)
        return 0
    with transaction.atomic():
        ChurnPrediction.objects.all().delete()
        ChurnPrediction.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def train_for_demo(today: dt.date) -> ChurnModel | None:
    """The demo's model: its one year of history observed every week (monthly dates would give a year only
    nine), a smaller tree budget to keep the demo within its minute; nothing when the demo is too small to
    learn from (the tests' tiny demos)."""
    try:
        return train(as_of=today, step=DEMO_STEP, max_dates=DEMO_DATES, tree_budget=DEMO_TREE_BUDGET).model
    except NotEnoughHistory as exc:
        log.info("no churn model for this demo: %s", exc)
        return None
