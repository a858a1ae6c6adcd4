"""Fitting, calibrating and back-testing the churn models: plain functions over feature frames.

Two candidates: a regularised logistic regression (median imputation, signed-log scaling of counts,
standardisation, L2 penalty) and gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier,
which handles missing values itself). Both are calibrated on a held-out time slice — the latest
observation dates of the training period — with Platt scaling (a logistic fit on the model's log-odds), or
isotonic regression once that slice holds at least 50 churns.

The back-test is time-ordered: the last ~30% of observation dates are the test; training uses only dates
whose label window closed before the first test date (D + horizon <= first test date), so no outcome the
test is scored on was seen while fitting. Reported on the test: ROC AUC, top-decile lift (churn rate among
the 10% highest predicted ÷ churn rate overall), Brier score and a calibration table.
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
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

KINDS = ("logistic", "gradient_boosting")
LABELS = {"logistic": "Logistic regression (L2)", "gradient_boosting": "Gradient-boosted trees"}


def signed_log(x):
    return np.sign(x) * np.log1p(np.abs(x))


def make_estimator(kind: str, tree_budget: int = 300):
    if kind == "logistic":
        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            FunctionTransformer(signed_log),
            StandardScaler(),
            LogisticRegression(C=0.1, max_iter=3000),
        )
    if kind == "gradient_boosting":
        return HistGradientBoostingClassifier(
            max_iter=tree_budget, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20,
            l2_regularization=1.0, early_stopping=False, random_state=0,
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
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
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


def split_dates(dates, horizon: int, test_share: float = 0.3) -> tuple[list[int], list[int]]:
    """Train and test observation dates: test is the latest ~30%; train ends where labels would overlap."""
    dates = sorted(set(int(d) for d in dates))
    n_test = max(1, round(len(dates) * test_share))
    test = dates[-n_test:]
    train = [d for d in dates[:-n_test] if d + horizon <= test[0]]
    return train, test


def fit(kind: str, data: pd.DataFrame, columns: list[str], horizon: int, tree_budget: int = 300) -> Fitted:
    """Fit on all of ``data``; the calibrator learns from the latest dates, predicted by a model fitted on the
    dates whose labels closed before them (the refitted estimator then uses every date)."""
    dates = sorted(data["as_of"].unique())
    fit_dates, cal_dates = split_dates(dates, horizon, test_share=0.25) if len(dates) >= 3 else (dates, [])
    calibrator = Calibrator()
    if fit_dates and cal_dates:
        early = data[data["as_of"].isin(fit_dates)]
        late = data[data["as_of"].isin(cal_dates)]
        if early["label"].nunique() == 2 and late["label"].nunique() == 2:
            first = make_estimator(kind, tree_budget).fit(early[columns].to_numpy(dtype="float64"), early["label"])
            calibrator = Calibrator.fit(first.predict_proba(late[columns].to_numpy(dtype="float64"))[:, 1],
                                        late["label"])
    estimator = make_estimator(kind, tree_budget).fit(data[columns].to_numpy(dtype="float64"), data["label"])
    return Fitted(kind, estimator, calibrator, list(columns))


@dataclass
class Backtest:
    train_dates: list[int]
    test_dates: list[int]
    results: dict = field(default_factory=dict)  # kind -> scores
    chosen: str = ""


def backtest(data: pd.DataFrame, columns: list[str], horizon: int, kinds=KINDS, tree_budget: int = 300) -> Backtest:
    train_dates, test_dates = split_dates(data["as_of"].unique(), horizon)
    bt = Backtest(train_dates, test_dates)
    train = data[data["as_of"].isin(train_dates)]
    test = data[data["as_of"].isin(test_dates)]
    if train["label"].nunique() < 2 or not len(test):
        return bt
    for kind in kinds:
        model = fit(kind, train, columns, horizon, tree_budget)
        bt.results[kind] = scores(test["label"].to_numpy(), model.predict(test))
        bt.results[kind]["calibration_method"] = model.calibrator.method
    ranked = sorted(bt.results, key=lambda k: (bt.results[k]["auc"] or 0, bt.results[k]["top_decile_lift"] or 0),
                    reverse=True)
    bt.chosen = ranked[0] if ranked else ""
    return bt
