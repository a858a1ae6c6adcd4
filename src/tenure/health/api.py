"""Health over the API: an account's current score with its explanations, its history, pulses, the backtest."""

import datetime as dt

from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from tenure.accounts.models import Account
from tenure.api_helpers import get_or_404, require_writer
from tenure.engagement.models import PulseRating
from tenure.health import services
from tenure.health.explain import explain_snapshot

router = Router(tags=["health"])


class MeasureOut(Schema):
    key: str
    label: str
    raw: float | None
    unit: str
    score: float | None
    weight: float
    effective_weight: float
    points: float
    missing: bool
    change: float | None
    text: str


class HealthOut(Schema):
    account_id: int
    day: dt.date
    score: float | None
    band: str
    scorecard: str
    version: int
    measures: list[MeasureOut]


class SnapshotOut(Schema):
    day: dt.date
    score: float | None
    band: str


class PulseIn(Schema):
    rating: PulseRating
    comment: str = ""


class PulseOut(Schema):
    id: int
    account_id: int
    rating: str
    comment: str
    created_at: dt.datetime


@router.get("/accounts/{int:account_id}", response=HealthOut)
def account_health(request, account_id: int):
    account = get_or_404(Account, account_id)
    latest = account.health_snapshots.select_related("version__scorecard").order_by("-day").first()
    if latest is None:
        raise HttpError(404, "this account has not been scored yet")
    previous = services.previous_snapshot(account, latest)
    return {"account_id": account.pk, "day": latest.day, "score": latest.score, "band": latest.band,
            "scorecard": latest.version.scorecard.name, "version": latest.version.number,
            "measures": explain_snapshot(latest.measures, previous.measures if previous else None)}


@router.get("/accounts/{int:account_id}/history", response=list[SnapshotOut])
def account_history(request, account_id: int, days: int = Query(365, ge=1, le=3660)):
    return services.history(get_or_404(Account, account_id), days)


@router.post("/accounts/{int:account_id}/pulses", response={201: PulseOut})
def create_pulse(request, account_id: int, payload: PulseIn):
    require_writer(request)
    pulse = services.record_pulse(account=get_or_404(Account, account_id), rating=payload.rating,
                                  comment=payload.comment, author=request.auth)
    return Status(201, pulse)


@router.get("/backtest")
def backtest(request, days: int = Query(30, ge=1, le=3660)):
    return services.backtest(days=days).as_dict()
