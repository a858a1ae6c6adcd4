"""A business that imports its accounts, subscriptions (start and end dates) and past usage through the real
importers gets correct metrics and a trained, back-tested model with no other setup."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from tenure.integrations.csv_import import import_csv
from tenure.metrics import calc
from tenure.metrics import services as metrics
from tenure.predict import services as predict
from tenure.predict.models import ChurnModel, ChurnPrediction
from tests.predict.imported import AS_OF, write_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    made = write_history(tmp_path)
    for kind in ("accounts", "subscriptions", "events"):
        result = import_csv(kind, made["paths"][kind])
        assert result.ok, result.errors[:3]
    return made["truth"]


def test_metrics_and_model_from_imported_history(imported, capsys):
    history = metrics.load_history(as_of=AS_OF)
    churned = history.periods[history.periods["churned"]]
    assert len(churned) == len(imported["churned"])  # every cancelled subscription is one churn
    report = metrics.retention(metrics.Filters(months=18), history=history)
    assert report.summary["ending_mrr"] == Decimal(str(imported["mrr_now"])).quantize(Decimal("0.01"))
    months = report.months
    assert int(months["churned_logos"].sum()) == len(imported["churned"])
    assert int(months["reactivated_logos"].sum()) == len(imported["reactivated"])
    for row in months.to_dict("records"):
        assert calc.adds_up({k: int(row[k] * 100) if k.endswith("mrr") or k in calc.MOVEMENTS else row[k]
                             for k in row})

    result = predict.train(as_of=AS_OF)
    model = result.model
    assert ChurnModel.objects.get() == model and model.is_active
    scores = model.metrics["backtest"]
    assert set(scores) == {"logistic", "gradient_boosting"}
    assert scores[model.kind]["auc"] > 0.7
    assert model.metrics["churns"] >= 5
    assert max(model.metrics["test_dates"]) <= (AS_OF - dt.timedelta(days=37)).isoformat()
    for fold in model.metrics["folds"]:  # trained only on labels settled (horizon 30 + grace 7) by its first test date
        settled = dt.date.fromisoformat(fold["last_train_date"]) + dt.timedelta(days=37)
        assert settled <= dt.date.fromisoformat(fold["test_dates"][0])
    # columns the importer was not told about became custom attributes, and model features
    assert any(f.startswith("custom.channel=") for f in model.features)
    assert any(f.startswith("segment=") for f in model.features)
    assert ChurnPrediction.objects.count() == result.scored > 0
    paying = history.periods[history.periods["end"] >= calc.day_number(AS_OF)]
    assert result.scored == len(paying)

    call_command("model", "evaluate", "--json", "--as-of", AS_OF.isoformat())
    import json

    report = json.loads(capsys.readouterr().out)
    assert report["backtest"]["logistic"]["auc"] is not None and report["churns"] >= 5
