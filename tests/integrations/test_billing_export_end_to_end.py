"""A business's billing and product exports (``tests/othergen.py``: one row per term, exclusive end dates,
reactivations, seat changes, empty quantities, late renewals, repeated lines, six months of history) go through
``tenure import``, and the retention metrics match the generator's own count; the churn model trains on it."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from tenure.accounts.models import Account
from tenure.billing.models import Subscription
from tenure.metrics import services as metrics
from tenure.usage.models import Event
from tests import othergen

pytestmark = pytest.mark.django_db

MAPS = {
    "accounts": ["billing_id=customer_id", "product_group_id=workspace_id", "name=company", "domain=website"],
    "subscriptions": ["external_id=id", "account_billing_id=customer", "plan=plan_name", "seats=quantity",
                      "start_date=current_period_start", "end_date=current_period_end", "billing_period=interval"],
    "events": ["account_product_group_id=workspace", "user_id=user", "event=event_name", "timestamp=ts"],
}


@pytest.fixture
def exported(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    data = othergen.generate(customers=150, seed=11)
    paths = data.write(tmp_path)
    summaries = {}
    for kind in ("accounts", "subscriptions", "events"):
        out = io.StringIO()
        options = ["--end-dates", "exclusive"] if kind == "subscriptions" else []
        args = [a for m in MAPS[kind] for a in ("--map", m)]
        call_command("import", kind, str(paths[kind]), *args, *options, stdout=out, stderr=io.StringIO())
        summaries[kind] = out.getvalue()
    return data, summaries


def test_imported_exports_give_the_generators_mrr_movements(exported):
    data, summaries = exported
    assert Account.objects.count() == len(data.customers)
    assert Subscription.objects.count() == len(data.terms)
    # Two identical usage lines are two events (a double click happens): each is stored and counted.
    assert Event.objects.count() == len(data.events) + data.repeated["events"]
    for kind in ("accounts", "subscriptions"):
        assert f"{data.repeated[kind]} duplicate lines skipped" in summaries[kind]

    report = metrics.retention(metrics.Filters(months=6), as_of=othergen.AS_OF)
    got = {row["month"]: row for row in report.months.to_dict("records")}
    truth = data.truth_movements()
    assert sorted(got) == sorted(truth)
    columns = ("starting_mrr", *othergen.MOVES, "ending_mrr")
    for month, expected in truth.items():
        assert {c: int(got[month][c] * 100) for c in columns} == {c: expected[c] for c in columns}, month
        assert {c: got[month][c] for c in ("new_logos", "reactivated_logos", "churned_logos")} == {
            c: expected[c] for c in ("new_logos", "reactivated_logos", "churned_logos")}, month
    # The history has every kind of movement, so the comparison above means something.
    assert all(sum(m[c] for m in truth.values()) > 0 for c in othergen.MOVES)


def test_the_churn_model_trains_on_the_imported_exports_with_its_defaults(exported):
    """Six months of history: features that cannot exist yet on the first dates (90-day changes) are left out
    of those fits, not fatal; the history that stopped is read as of its last day without being told."""
    from tenure.predict.models import ChurnModel, ChurnPrediction

    out = io.StringIO()
    call_command("model", "train", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "Chosen for this history:" in text and "stored" in text
    model = ChurnModel.objects.get(is_active=True)
    assert model.as_of <= othergen.AS_OF and model.metrics["backtest"][model.kind]["auc"] is not None
    # most pay month by month, each term ending on the next one's start: each renewal is scored once, and
    # every test observation's scores are shown beside
    assert "scores each renewal once" in model.metrics["observation"]
    scored, every = model.metrics["backtest"][model.kind], model.metrics["backtest"][model.kind]["all_observations"]
    assert 0 < scored["rows"] < every["rows"] and scored["churns"] <= every["churns"]
    assert othergen.AS_OF - dt.timedelta(days=7) <= model.as_of <= othergen.AS_OF  # its last usage, not today
    assert ChurnPrediction.objects.filter(as_of=model.as_of).exists()
