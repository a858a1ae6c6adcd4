"""Retention metrics over the JSON API: the same figures as the pages (money in USD, as decimals)."""

import datetime as dt

from ninja import Query, Router, Schema

from tenure.metrics import services

router = Router(tags=["metrics"])


class FilterQuery(Schema):
    segment: str = ""
    plan: str = ""
    owner: str = ""
    cohort: str = ""
    months: int = services.DEFAULT_MONTHS
    as_of: dt.date | None = None  # default: today, or the last day a history that stopped knows


def _history(q: FilterQuery) -> services.History:
    return services.load_history(q.as_of)


def _filters(q: FilterQuery) -> services.Filters:
    return services.Filters.from_query(q.dict())


def _clean(value):
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


@router.get("/retention", summary="Monthly MRR movements, GRR, NRR and logo churn")
def retention(request, q: Query[FilterQuery]):
    report = services.retention(_filters(q), history=_history(q))
    months = [{k: _clean(v) for k, v in m.items()} for m in report.months.to_dict("records")]
    return {"as_of": report.as_of.isoformat(), "currency": report.currency, "grace_days": report.grace_days,
            "accounts": report.accounts, "filters": report.filters.as_dict(),
            "summary": {k: _clean(v) for k, v in report.summary.items()}, "months": months}


@router.get("/cohorts", summary="Cohort retention curves (logos and revenue) by start month")
def cohorts(request, q: Query[FilterQuery]):
    table = services.cohorts(_filters(q), history=_history(q))
    return {"cohorts": [{k: _clean(v) for k, v in r.items()} for r in table.to_dict("records")]}


@router.get("/renewals", summary="Renewals in the next 30, 90 or 180 days with ARR at risk")
def renewals(request, days: int = 90, sort: str = "date", as_of: dt.date | None = None):
    days = days if days in services.RENEWAL_WINDOWS else 90
    rows = services.renewals(days, as_of=as_of, sort=sort)
    return {"days": days, "currency": "USD", "renewals": [{k: _clean(v) for k, v in r.items()} for r in rows]}


@router.get("/book", summary="Each CSM's book of business against capacity")
def book(request, as_of: dt.date | None = None):
    data = services.book_of_business(as_of)
    return {"as_of": data["as_of"].isoformat(), "currency": "USD",
            "owners": [{k: _clean(v) for k, v in r.items()} for r in data["rows"]]}
