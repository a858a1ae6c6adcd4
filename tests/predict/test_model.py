"""Labels, the time-ordered back-test, calibration, drivers in words, and the model on the pages."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tenure.metrics import calc
from tenure.predict import drivers, services, training
from tenure.predict import features as feat
from tenure.predict import observations as obs
from tenure.predict.models import ChurnPrediction
from tests.conftest import rows_for_a_module
from tests.metrics.histories import D, changes


def test_labels_mark_churn_within_the_horizon_only():
    frame = changes(
        (1, 1, D(2025, 1, 1), 100, "canceled", D(2025, 1, 1), D(2025, 6, 10)),  # churns on 11 June
        (2, 2, D(2025, 1, 1), 100, "active", D(2025, 1, 1), None),
    )
    today = calc.day_number(D(2025, 12, 31))
    found = calc.active_periods(calc.coverage(frame, today), today)
    dates = [calc.day_number(d) for d in (D(2025, 4, 1), D(2025, 5, 15), D(2025, 6, 10), D(2025, 7, 1))]
    rows = obs.label_rows(found.periods, dates, horizon=30)
    got = {(calc.to_date(r.as_of), r.account_id): r.label for r in rows.itertuples()}
    assert got == {
        (D(2025, 4, 1), 1): 0, (D(2025, 4, 1), 2): 0,
        (D(2025, 5, 15), 1): 1, (D(2025, 5, 15), 2): 0,  # 27 days before the churn day
        (D(2025, 6, 10), 1): 1, (D(2025, 6, 10), 2): 0,  # its last paid day
        (D(2025, 7, 1), 2): 0,  # gone: no longer observed
    }


def test_observation_dates_stop_where_labels_are_final():
    frame = changes((1, 1, D(2024, 1, 1), 100, "active", D(2024, 1, 1), None))
    inputs = feat.Inputs(frame, pd.DataFrame(), pd.DataFrame({"day": []}), *[pd.DataFrame()] * 5)
    today = calc.day_number(D(2025, 12, 31))
    dates = obs.observation_dates(inputs, today, horizon=30, grace=7, step=30, max_dates=6)
    assert len(dates) == 6 and dates[-1] == today - 37
    assert np.all(np.diff(dates) == 30)


def _synthetic(n_accounts=400, n_dates=8, seed=0):
    """Churn driven by what a straight line cannot draw: low usage AND a payment problem, and the first-renewal
    cliff (light users leave around their first anniversary, not before it and less after it)."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(n_dates):
        usage = rng.gamma(2, 10, n_accounts)
        past_due = rng.random(n_accounts) < 0.2
        tenure = rng.uniform(0, 1500, n_accounts)
        noise = rng.normal(size=(n_accounts, 3))
        first_renewal = (tenure >= 330) & (tenure <= 395)
        risk = 0.01 + 0.6 * ((usage < 8) & past_due) + 0.05 * (usage < 4) + 0.5 * (first_renewal & (usage < 15))
        label = (rng.random(n_accounts) < np.minimum(risk, 1)).astype(int)
        rows.append(pd.DataFrame({"account_id": np.arange(n_accounts), "as_of": 1000 + 30 * d, "label": label,
                                  "usage": usage, "past_due": past_due.astype(float), "tenure": tenure,
                                  "n1": noise[:, 0], "n2": noise[:, 1], "n3": noise[:, 2]}))
    return pd.concat(rows, ignore_index=True)


def test_backtest_trains_on_earlier_dates_and_tests_on_later_ones():
    data = _synthetic(n_dates=10)
    bt = training.backtest(data, ["usage", "past_due", "tenure", "n1", "n2", "n3"], settle_days=30, tree_budget=100)
    assert max(bt.train_dates) + 30 <= min(bt.test_dates)
    assert set(bt.results) == {"logistic", "gradient_boosting"}
    trees, line = bt.results["gradient_boosting"], bt.results["logistic"]
    assert trees["auc"] > line["auc"] and trees["auc"] > 0.85
    assert bt.chosen == "gradient_boosting"
    assert trees["top_decile_lift"] > 3
    # calibrated: the predicted rate matches the observed rate overall, within a few points
    table = trees["calibration"]
    predicted = sum(b["predicted"] * b["rows"] for b in table) / trees["rows"]
    assert abs(predicted - trees["base_rate"]) < 0.03


def test_each_retrain_learns_only_from_outcomes_known_before_the_dates_it_predicts():
    data = _synthetic(n_dates=12)
    bt = training.backtest(data, ["usage", "past_due", "n1", "n2", "n3"], settle_days=45, tree_budget=50)
    dates = sorted(data["as_of"].unique())
    assert len(bt.folds) == 3 and bt.test_dates == [int(d) for d in dates[-4:]]  # 30% of 12 dates, in 3 blocks
    assert [d for f in bt.folds for d in f["test_dates"]] == bt.test_dates
    for fold in bt.folds:
        assert fold["last_train_date"] + 45 <= fold["test_dates"][0]
        assert fold["train_dates"] == sum(1 for d in dates if d + 45 <= fold["test_dates"][0])
    # pooled: every test row of every block is scored once
    assert bt.results["logistic"]["rows"] == int(data["as_of"].isin(bt.test_dates).sum())
    later = bt.folds[-1]
    assert later["train_dates"] > bt.folds[0]["train_dates"]  # a later retrain knows more


def test_each_candidate_tunes_and_calibrates_on_accounts_it_was_not_fitted_on():
    data = _synthetic(n_dates=6)
    columns = ["usage", "past_due", "tenure", "n1", "n2", "n3"]
    params, raw = training.out_of_fold("gradient_boosting", data, columns, tree_budget=80)
    assert training.MIN_TREES <= params["max_iter"] <= 80 and len(raw) == len(data)
    params, raw = training.out_of_fold("logistic", data, columns)
    assert params["C"] in training.C_GRID and len(raw) == len(data)
    fitted = training.fit("gradient_boosting", data, columns, tree_budget=80)
    assert fitted.estimator.max_iter == fitted.params["max_iter"] <= 80  # the refit keeps what was chosen
    assert fitted.calibrator.method == "isotonic"  # hundreds of churns out of fold: isotonic, used and shown


def test_a_feature_without_information_in_the_training_rows_is_left_out_not_fatal():
    data = _synthetic(n_dates=6)
    data["mrr_change_90"] = np.nan  # cannot exist yet on these dates
    data["constant"] = 1.0
    columns = ["usage", "past_due", "tenure", "mrr_change_90", "constant"]
    for kind in training.KINDS:
        fitted = training.fit(kind, data, columns, tree_budget=40)
        assert fitted.columns == ["usage", "past_due", "tenure"]
        assert len(fitted.predict(data)) == len(data)


def test_a_failing_candidate_is_reported_and_the_other_still_counts():
    data = _synthetic(n_dates=10)
    bt = training.backtest(data, ["usage", "past_due", "tenure"], settle_days=30, tree_budget=40,
                           kinds=("logistic", "no_such_model"))
    assert bt.chosen == "logistic" and bt.results["logistic"]["auc"] > 0.6
    assert "unknown model kind" in bt.results["no_such_model"]["error"]


def test_backtest_of_nothing_is_empty_not_an_error():
    empty = _synthetic().iloc[0:0]
    bt = training.backtest(empty, ["usage"], settle_days=30)
    assert not bt.results and not bt.test_dates and not bt.chosen


def test_weighted_auc_matches_scikit_learn_with_ties_and_weights():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.25).astype(float)
    p = np.round(rng.random(400) + 0.4 * y, 1)  # rounded: many ties
    w = rng.integers(0, 4, 400).astype(float)
    groups = np.unique(p, return_inverse=True)[1]
    assert training.weighted_auc(groups, y, w) == pytest.approx(roc_auc_score(y, p, sample_weight=w))


def test_comparison_interval_brackets_a_real_difference_and_straddles_none():
    rng = np.random.default_rng(4)
    accounts = np.repeat(np.arange(300), 3)
    y = (rng.random(900) < 0.2).astype(int)
    good = y + rng.normal(0, 0.6, 900)
    poor = y + rng.normal(0, 2.0, 900)
    clear = training.compare(y, accounts, good, poor)
    assert clear["auc_difference"] > 0 and clear["interval_90"][0] > 0
    same = training.compare(y, accounts, good, good + rng.normal(0, 0.01, 900))
    assert same["interval_90"][0] < 0 < same["interval_90"][1] or same["interval_90"] == [0.0, 0.0]


def test_lift_and_calibration_by_hand():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1] * 2)
    p = np.linspace(1, 0, 20)
    assert training.top_decile_lift(y, p) == pytest.approx(0.5 / 0.2)
    table = training.calibration_table(y, p, bins=2)
    assert [b["rows"] for b in table] == [10, 10]


def test_drivers_name_the_feature_that_moves_the_risk():
    data = _synthetic()
    columns = ["usage", "past_due", "n1", "n2", "n3"]
    model = training.fit("logistic", data, columns, settle_days=30)
    reference = drivers.reference_row(data[columns])
    X = pd.DataFrame([{"usage": 2.0, "past_due": 1.0, "n1": 0.0, "n2": 0.0, "n3": 0.0}], index=[7])
    contrib = drivers.contributions(model, X, reference)
    assert contrib.loc[7].idxmax() in ("usage", "past_due")
    words = drivers.words(X.loc[7], contrib.loc[7], reference, {})
    assert words[0]["direction"] == "up" and "raises the risk" in words[0]["text"]


def test_feature_words_read_like_a_csm_would_say_them():
    assert drivers.describe("mau_30", {})[0] == "Active users, last 30 days"
    label, _unit, section = drivers.describe("ev:report_viewed:change_30", {"report_viewed": "View a report"})
    assert label == "'View a report' vs the 30 days before" and section == "usage"
    label, _unit, section = drivers.describe("hm:open_high_tickets")
    assert label == "Health: Open high-priority tickets (measure score, 0-100)" and section == "health"
    assert drivers.fmt(np.log1p(5) - np.log1p(9), "logchange") == "-40%"
    assert drivers.fmt(0.42, "percent") == "42%"


@pytest.mark.django_db
def test_evaluate_without_history_says_why(capsys, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with pytest.raises(CommandError, match="churns"):
        call_command("model", "evaluate")


@pytest.fixture(scope="module")
def _trained_of_the_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """An imported history and its trained model, built once for the module's tests (each test runs in its own
    transaction over them)."""
    from django.test import override_settings

    from tenure.integrations.csv_import import import_csv
    from tests.predict.imported import AS_OF, write_history

    data_dir = tmp_path_factory.mktemp("trained")
    with override_settings(DATA_DIR=data_dir), rows_for_a_module(django_db_blocker):
        with django_db_blocker.unblock():
            made = write_history(data_dir, accounts=50)
            for kind in ("accounts", "subscriptions", "events"):
                assert import_csv(kind, made["paths"][kind]).ok
            result = services.train(as_of=AS_OF, tree_budget=80)
        yield result


@pytest.fixture
def trained(_trained_of_the_module, db):
    return _trained_of_the_module


def test_train_command_prints_auc_and_lift(trained, capsys):
    from tests.predict.imported import AS_OF

    call_command("model", "train", "--as-of", AS_OF.isoformat())
    out = capsys.readouterr().out
    assert "Logistic regression" in out and "Gradient-boosted trees" in out
    assert "AUC" in out and "top-decile lift" in out and "Model v2 stored" in out
    call_command("model", "evaluate", "--json", "--as-of", AS_OF.isoformat())
    report = json.loads(capsys.readouterr().out)
    assert {"auc", "top_decile_lift", "calibration", "brier"} <= set(report["backtest"]["gradient_boosting"])


def test_account_page_shows_probability_and_drivers(trained, reader_client):
    prediction = ChurnPrediction.objects.order_by("-probability").first()
    response = reader_client.get(reverse("accounts:detail", args=[prediction.account_id]))
    text = response.content.decode()
    assert 'id="churn-risk"' in text
    assert f"{prediction.probability * 100:.0f}%" in text
    assert prediction.drivers and prediction.drivers[0]["label"] in text.replace("&#x27;", "'")


def test_accounts_list_sorts_by_churn_risk_in_sql(trained, reader_client, django_assert_max_num_queries):
    from tests.facts.test_queries import facts_queries

    with django_assert_max_num_queries(12 + facts_queries()):  # the page's rows read one batch of account facts
        response = reader_client.get(reverse("accounts:list"), {"sort": "-churn"})
    text = response.content.decode()
    assert "Churn risk" in text
    top = ChurnPrediction.objects.order_by("-probability", "account__name").select_related("account").first()
    first_row = text.index('class="account-name"')
    assert top.account.name in text[first_row:first_row + 300]


def test_renewals_and_api_use_the_predictions(trained, reader_client):
    data = reader_client.get("/api/churn/model").json()["model"]
    assert data["kind"] in ("logistic", "gradient_boosting") and data["metrics"]["backtest"]
    listed = reader_client.get("/api/churn/predictions?limit=5").json()
    assert len(listed["predictions"]) == 5
    probabilities = [p["probability"] for p in listed["predictions"]]
    assert probabilities == sorted(probabilities, reverse=True)
    one = listed["predictions"][0]
    assert reader_client.get(f"/api/churn/accounts/{one['account_id']}").json()["drivers"] == one["drivers"]


def test_the_scheduled_retrain_keeps_the_active_models_settings(trained):
    from tests.predict.imported import AS_OF

    first = services.train(as_of=AS_OF, step=14, max_dates=10, tree_budget=60).model
    assert first.metrics["settings"] == {"step": 14, "max_dates": 10, "tree_budget": 60}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "last_known_day", lambda: AS_OF)
        again = services.retrain().model
    assert again.version == first.version + 1 and again.metrics["settings"] == first.metrics["settings"]
    dates = [dt.date.fromisoformat(d) for d in again.metrics["observation_dates"]]
    assert len(dates) <= 10 and set(np.diff(np.array(dates, dtype="datetime64[D]")).astype(int).tolist()) == {14}


def test_predict_replaces_the_scores(trained):
    from tests.predict.imported import AS_OF

    before = ChurnPrediction.objects.count()
    assert services.predict(as_of=AS_OF) == before
    assert ChurnPrediction.objects.count() == before
    assert services.predict(as_of=dt.date(2024, 1, 1)) == 0  # nobody paid yet: nothing to score…
    assert ChurnPrediction.objects.count() == before  # …and yesterday's scores are not erased


def test_the_predict_command_says_what_it_scored_and_keeps_scores_when_nobody_pays(trained, capsys):
    from tests.predict.imported import AS_OF

    call_command("model", "predict", "--as-of", AS_OF.isoformat())
    assert f"paying on {AS_OF}" in capsys.readouterr().out
    assert set(ChurnPrediction.objects.values_list("as_of", flat=True)) == {AS_OF}
    call_command("model", "predict", "--as-of", "2024-01-01")
    assert "Nobody pays on 2024-01-01" in capsys.readouterr().out
    assert ChurnPrediction.objects.count() == trained.scored


def test_the_staged_log_losses_are_scikit_learns():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    staged = rng.uniform(0.01, 0.99, (5, 200))
    assert training.log_losses(y, staged) == pytest.approx([log_loss(y, p) for p in staged])
