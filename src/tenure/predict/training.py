"""Fitting, calibrating and back-testing the churn models: plain functions over feature frames.

Two candidates: a regularised logistic regression (median imputation, signed-log scaling of counts,
standardisation, L2 penalty) and gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier,
which handles missing values itself). Each model is fitted only on the columns that carry information in its
own training rows (a feature that cannot exist yet on early dates is left out, not fatal). Each tunes its one
complexity knob — the L2 strength, the number of boosting iterations — by log loss on out-of-fold predictions
(folds of whole accounts, so no account is on both sides), and is calibrated on those same out-of-fold
predictions with Platt scaling (a logistic fit on the model's log-odds), or isotonic regression once they hold
at least 50 churns. Every training row serves: a short history cannot spare a time slice for tuning.

Where renewals decide churn (most observations' terms end within the horizon, as monthly payers' do), the
back-test scores each renewal once, one to two weeks before it is decided (``observations.at_renewal``), and
reports every observation's scores beside (``all_observations``); the models learn from every observation.

The back-test is time-ordered with a rolling origin: the last ~30% of observation dates are test dates,
split into up to three blocks; each block is predicted by models fitted on the dates whose label window had
settled by the block's first date (D + horizon + grace <= that date), as a model retrained then would have been, and
used until the next retrain. The predictions of all blocks are pooled, so the comparison rests on every
churn of the test period rather than on one slice. A candidate that fails is reported with its error and the
others still count.
Reported: ROC AUC, top-decile lift (churn rate among the 10% highest predicted ÷ churn rate overall), Brier
score, a calibration table, and how sure the comparison is — a paired bootstrap over accounts of the
difference in AUC between the two candidates (a 90% interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

KINDS = ("logistic", "gradient_boosting")


def signed_log(x):
    return np.sign(x) * np.log1p(np.abs(x))


# The logistic regression's L2 strengths to choose from. Weekly observations of the same accounts are far from
# independent (a few thousand accounts, not tens of thousands of rows): on a public-like history the
# out-of-fold log loss kept choosing the strongest of (0.01, 0.1, 1), and 0.001-0.003 ranked better still.
C_GRID = (0.001, 0.003, 0.01, 0.1, 1.0)
MIN_TREES = 20


def min_leaf_rows(rows: int) -> int:
    """Rows each leaf of a tree must hold: 1% of the training rows, at least 20 and at most 300."""
    return int(min(300, max(20, rows // 100)))


def make_estimator(kind: str, tree_budget: int = 300, C: float = 0.1, min_leaf: int = 20):
    if kind == "logistic":
        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            FunctionTransformer(signed_log),
            StandardScaler(),
            LogisticRegression(C=C, max_iter=3000),
        )
    if kind == "gradient_boosting":
        # Small trees with many rows in each leaf: with a few percent churning and each account observed
        # week after week, 15-leaf trees learned its noise within ~30 iterations and ranked worse than the
        # logistic regression (bench/churn_model_history.py).
        return HistGradientBoostingClassifier(
            max_iter=tree_budget, learning_rate=0.05, max_leaf_nodes=4, min_samples_leaf=min_leaf,
            l2_regularization=1.0, early_stopping=False, random_state=0,
            max_bins=63,  # half the fitting time of 255 bins; rates and counts need no finer cut
        )
    raise ValueError(f"unknown model kind {kind!r}")


def logit(p):
    p = np.clip(np.asarray(p, dtype="float64"), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


@dataclass
class Calibrator:
    method: str = "none"
    platt: LogisticRegression | None = None
    isotonic: IsotonicRegression | None = None

    @classmethod
    def fit(cls, raw, y) -> Calibrator:
        y = np.asarray(y)
        if len(set(y.tolist())) < 2:
            return cls()
        if y.sum() >= 50:
            # a slice of a few hundred observations cannot support certainty either way: never 0% or 100%
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.001, y_max=0.99).fit(raw, y)
            return cls("isotonic", isotonic=iso)
        platt = LogisticRegression(C=1e4, max_iter=1000).fit(logit(raw).reshape(-1, 1), y)
        return cls("sigmoid", platt=platt)

    def __call__(self, raw):
        raw = np.asarray(raw, dtype="float64")
        if self.method == "isotonic":
            return self.isotonic.predict(raw)
        if self.method == "sigmoid":
            return self.platt.predict_proba(logit(raw).reshape(-1, 1))[:, 1]
        return raw


@dataclass
class Fitted:
    kind: str
    estimator: object
    calibrator: Calibrator
    columns: list[str]
    params: dict = field(default_factory=dict)  # the complexity chosen on the latest training dates

    def raw(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(X[self.columns].to_numpy(dtype="float64"))[:, 1]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.calibrator(self.raw(X))


def top_decile_lift(y, p) -> float | None:
    y, p = np.asarray(y), np.asarray(p)
    if not len(y) or not y.sum():
        return None
    k = max(1, math.ceil(len(y) * 0.1))
    top = np.argsort(-p, kind="mergesort")[:k]
    return float(y[top].mean() / y.mean())


def calibration_table(y, p, bins: int = 10) -> list[dict]:
    y, p = np.asarray(y), np.asarray(p)
    if not len(y):
        return []
    order = np.argsort(p, kind="mergesort")
    out = []
    for chunk in np.array_split(order, min(bins, len(y))):
        if len(chunk):
            out.append({"rows": len(chunk), "predicted": float(p[chunk].mean()),
                        "observed": float(y[chunk].mean())})
    return out


def scores(y, p) -> dict:
    y, p = np.asarray(y), np.asarray(p)
    both = len(set(y.tolist())) == 2
    return {
        "auc": float(roc_auc_score(y, p)) if both else None,
        "top_decile_lift": top_decile_lift(y, p),
        "brier": float(brier_score_loss(y, p)) if len(y) else None,
        "rows": len(y), "churns": int(y.sum()), "base_rate": float(y.mean()) if len(y) else None,
        "calibration": calibration_table(y, p),
    }


def split_dates(dates, settle_days: int, test_share: float = 0.3) -> tuple[list[int], list[int]]:
    """Train and test observation dates: test is the latest ~30%; train keeps the dates whose label had settled
    by the first test date. ``settle_days``: how long after an observation its label is final — the horizon
    plus the grace period (a subscription resumed within the grace is no churn)."""
    dates = sorted(set(int(d) for d in dates))
    n_test = max(1, round(len(dates) * test_share))
    test = dates[-n_test:]
    train = [d for d in dates[:-n_test] if d + settle_days <= test[0]]
    return train, test


TUNING_FOLDS = 3


def log_losses(y, staged: np.ndarray) -> np.ndarray:
    """The log loss of each row of predictions (one per boosting iteration), in one pass: scikit-learn's
    log_loss validates its inputs on every call, which cost more than the fitting at 150 iterations."""
    p = np.clip(staged, 1e-15, 1 - 1e-15)
    y = np.asarray(y, dtype="float64")
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(axis=1)


def informative_columns(data: pd.DataFrame, columns: list[str]) -> list[str]:
    """The columns with information in these rows: some value known, and not the same everywhere (missing counts
    as a value: the trees read it)."""
    return [c for c in columns if data[c].notna().any() and data[c].nunique(dropna=False) > 1]


def out_of_fold(kind: str, data: pd.DataFrame, columns: list[str], tree_budget: int = 300,
                ) -> tuple[dict, np.ndarray] | None:
    """Each candidate's one complexity knob — boosting iterations for the trees, the L2 strength for the
    logistic regression — chosen by the log loss of out-of-fold predictions, folds of whole accounts. Returns
    the parameters and the out-of-fold raw predictions made with them (for the calibrator); None when the rows
    cannot be split into folds that each hold both outcomes."""
    groups = data["account_id"].to_numpy()
    y = data["label"].to_numpy()
    folds = min(TUNING_FOLDS, len(np.unique(groups)))
    if folds < 2:
        return None
    splits = list(GroupKFold(n_splits=folds).split(data, y, groups))
    if any(len(set(y[train].tolist())) < 2 or len(set(y[test].tolist())) < 2 for train, test in splits):
        return None
    X = data[columns].to_numpy(dtype="float64")
    if kind == "gradient_boosting":
        staged = np.zeros((tree_budget, len(y)))
        for train, test in splits:
            model = make_estimator(kind, tree_budget, min_leaf=min_leaf_rows(len(train))).fit(X[train], y[train])
            for i, p in enumerate(model.staged_predict_proba(X[test])):
                staged[i, test] = p[:, 1]
        best = min(tree_budget, max(MIN_TREES, int(np.argmin(log_losses(y, staged))) + 1))
        return {"max_iter": best}, staged[best - 1]
    tried = []
    for C in C_GRID:
        p = np.zeros(len(y))
        for train, test in splits:
            p[test] = make_estimator(kind, C=C).fit(X[train], y[train]).predict_proba(X[test])[:, 1]
        tried.append((log_loss(y, p, labels=[0, 1]), C, p))
    _, C, p = min(tried, key=lambda t: t[0])
    return {"C": C}, p


def fit(kind: str, data: pd.DataFrame, columns: list[str], settle_days: int = 0, tree_budget: int = 300) -> Fitted:
    """Fit on all of ``data`` (every row's label has settled: the caller chose the dates), on the columns with
    information here. Tuned and calibrated on out-of-fold predictions first, then refitted on every row.
    ``settle_days`` is kept for callers; the folds need no gap since they split accounts, not time."""
    columns = informative_columns(data, list(columns))
    if not columns:
        raise ValueError("no feature carries information in the training rows")
    calibrator, params = Calibrator(), {}
    tuned = out_of_fold(kind, data, columns, tree_budget) if data["label"].nunique() == 2 else None
    if tuned is not None:
        params, raw = tuned
        calibrator = Calibrator.fit(raw, data["label"])
    estimator = make_estimator(kind, params.get("max_iter", tree_budget), params.get("C", 0.1),
                               min_leaf_rows(len(data)))
    estimator.fit(data[columns].to_numpy(dtype="float64"), data["label"])
    return Fitted(kind, estimator, calibrator, list(columns), params)


@dataclass
class Backtest:
    train_dates: list[int]  # the first retrain's dates (later retrains also learn from the earlier test dates)
    test_dates: list[int]
    folds: list[dict] = field(default_factory=list)  # per retrain: the test dates it predicts, what it learned from
    results: dict = field(default_factory=dict)  # kind -> scores
    comparison: dict = field(default_factory=dict)  # trees vs baseline: AUC difference and its interval
    chosen: str = ""
    errors: dict = field(default_factory=dict)  # kind -> why it failed (it is left out of the comparison)


BOOTSTRAP_RESAMPLES = 200
RETRAINS = 3  # the test period is split in this many blocks; each is predicted by a model retrained at its start


def weighted_auc(groups: np.ndarray, y: np.ndarray, weight: np.ndarray) -> float:
    """ROC AUC with observation weights (ties count half). ``groups`` numbers the distinct scores in ascending
    order, so one sort serves every bootstrap resample."""
    pos = np.bincount(groups, weight * y)
    neg = np.bincount(groups, weight * (1 - y))
    below = np.cumsum(neg) - neg
    return float((pos * (below + 0.5 * neg)).sum() / (pos.sum() * neg.sum()))


def compare(y, accounts, p_new, p_base, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict:
    """AUC(new) − AUC(base) on the pooled test, and its 90% interval from a paired bootstrap that resamples
    accounts (an account's observations stay together: they are not independent of each other)."""
    y = np.asarray(y, dtype="float64")
    if len(set(y.tolist())) < 2:
        return {}
    codes, _ = pd.factorize(np.asarray(accounts))
    n = codes.max() + 1
    new_groups = np.unique(np.asarray(p_new), return_inverse=True)[1]
    base_groups = np.unique(np.asarray(p_base), return_inverse=True)[1]
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(resamples):
        weight = np.bincount(rng.integers(0, n, n), minlength=n)[codes].astype("float64")
        if not (weight * y).any() or not (weight * (1 - y)).any():
            continue
        diffs.append(weighted_auc(new_groups, y, weight) - weighted_auc(base_groups, y, weight))
    ones = np.ones_like(y)
    out = {"auc_difference": weighted_auc(new_groups, y, ones) - weighted_auc(base_groups, y, ones),
           "interval_90": None, "resamples": len(diffs)}
    if diffs:
        out["interval_90"] = [float(v) for v in np.percentile(diffs, [5, 95])]
    return out


def backtest(data: pd.DataFrame, columns: list[str], settle_days: int, kinds=KINDS, tree_budget: int = 300,
             test_share: float = 0.3, retrains: int = RETRAINS) -> Backtest:
    dates = sorted(int(d) for d in data["as_of"].unique())
    bt = Backtest([], [])
    if not dates:
        return bt
    _, test_dates = split_dates(dates, settle_days, test_share)
    predicted: dict[str, list] = {kind: [] for kind in kinds}
    everywhere: dict[str, list] = {kind: [] for kind in kinds}  # every test observation, when not all are scored
    tested = []
    for block in np.array_split(np.asarray(test_dates), min(retrains, len(test_dates))):
        first = int(block[0])
        known = [d for d in dates if d + settle_days <= first]
        train = data[data["as_of"].isin(known)]
        test = data[data["as_of"].isin(block.tolist())]
        every = test
        if "scored" in test:  # the observations the back-test scores (each renewal once); models learn from all
            test = test[test["scored"].to_numpy(dtype=bool)]
        if train["label"].nunique() < 2 or not len(test):
            continue  # nothing to learn from yet
        for kind in kinds:
            if kind in bt.errors:
                continue
            try:
                model = fit(kind, train, columns, settle_days, tree_budget)
                predicted[kind].append((model.predict(test), model.calibrator.method, model.params))
                if every is not test:
                    everywhere[kind].append((every["label"].to_numpy(), model.predict(every)))
            except Exception as exc:  # one candidate's failure must not cost the other's result
                bt.errors[kind] = f"{type(exc).__name__}: {exc}"
        tested.append(test)
        bt.test_dates += [int(d) for d in block]
        bt.folds.append({"test_dates": [int(d) for d in block], "train_dates": len(known),
                         "last_train_date": known[-1]})
    if not tested:
        return bt
    bt.train_dates = [d for d in dates if d + settle_days <= bt.test_dates[0]]
    pooled = pd.concat(tested, ignore_index=True)
    y = pooled["label"].to_numpy()
    probabilities = {}
    for kind, error in bt.errors.items():
        bt.results[kind] = {"error": error, "auc": None, "top_decile_lift": None}
    for kind in kinds:
        if kind in bt.errors:
            continue
        probabilities[kind] = np.concatenate([p for p, _, _ in predicted[kind]])
        bt.results[kind] = scores(y, probabilities[kind])
        bt.results[kind]["calibration_method"] = predicted[kind][-1][1]  # the latest retrain's
        bt.results[kind]["calibration_methods"] = [method for _, method, _ in predicted[kind]]
        bt.results[kind]["params"] = [params for _, _, params in predicted[kind]]  # per retrain
        if everywhere[kind]:
            bt.results[kind]["all_observations"] = scores(np.concatenate([y for y, _ in everywhere[kind]]),
                                                          np.concatenate([p for _, p in everywhere[kind]]))
    if {"logistic", "gradient_boosting"} <= set(probabilities):
        bt.comparison = compare(y, pooled["account_id"].to_numpy(), probabilities["gradient_boosting"],
                                probabilities["logistic"])
    ranked = sorted((k for k in bt.results if k not in bt.errors),
                    key=lambda k: (bt.results[k]["auc"] or 0, bt.results[k]["top_decile_lift"] or 0),
                    reverse=True)
    bt.chosen = ranked[0] if ranked else ""
    return bt
