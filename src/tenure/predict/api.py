"""The churn model over the JSON API: the active model's back-test and the latest predictions."""

from django.shortcuts import get_object_or_404
from ninja import Query, Router

from tenure.predict.models import ChurnModel, ChurnPrediction

router = Router(tags=["churn model"])


def _model(m: ChurnModel | None) -> dict | None:
    if m is None:
        return None
    return {"version": m.version, "kind": m.kind, "trained_at": m.trained_at.isoformat(), "as_of": m.as_of.isoformat(),
            "horizon_days": m.horizon_days, "grace_days": m.grace_days, "features": m.features,
            "metrics": m.metrics}


def _prediction(p: ChurnPrediction) -> dict:
    return {"account_id": p.account_id, "account": p.account.name, "probability": p.probability,
            "drivers": p.drivers, "as_of": p.as_of.isoformat(), "scored_at": p.scored_at.isoformat(),
            "model_version": p.model.version}


@router.get("/model", summary="The active churn model and its back-test (AUC, top-decile lift, calibration)")
def model(request):
    return {"model": _model(ChurnModel.active())}


@router.get("/predictions", summary="Accounts by churn probability, highest first")
def predictions(request, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=10**9)):
    qs = ChurnPrediction.objects.select_related("account", "model").order_by("-probability", "account_id")
    return {"count": qs.count(), "predictions": [_prediction(p) for p in qs[offset : offset + limit]]}


@router.get("/accounts/{account_id}", summary="One account's churn probability and its drivers")
def account_prediction(request, account_id: int):
    p = get_object_or_404(ChurnPrediction.objects.select_related("account", "model"), account_id=account_id)
    return _prediction(p)
