import datetime as dt

from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from tenure.accounts.models import Account
from tenure.api_helpers import get_or_404
from tenure.usage.facts import account_usage, window

router = Router(tags=["usage"])


class FeatureUseOut(Schema):
    event: str
    label: str
    module: str
    is_key: bool
    users: int
    events: int
    share_of_active_users: float | None


class DailyOut(Schema):
    day: dt.date
    active_users: int
    logins: int


class UsageOut(Schema):
    account_id: int
    start: dt.date
    end: dt.date
    active_users: int
    dau: float
    wau: int
    mau: int
    logins: int
    events: int
    seats: int
    utilization: float | None
    key_features: int
    key_features_used: int
    breadth: float | None
    depth: float | None
    previous_active_users: int
    active_users_change: float | None
    previous_breadth: float | None
    breadth_change: float | None
    last_active_on: dt.date | None
    days_since_last_activity: int | None
    features: list[FeatureUseOut]
    daily: list[DailyOut]


EARLIEST, LATEST = dt.date(1970, 1, 1), dt.date(2199, 12, 31)


@router.get("/{int:account_id}/usage", response=UsageOut)
def get_account_usage(request, account_id: int, start: dt.date | None = None, end: dt.date | None = None):
    """Usage facts for one account over a window (default: the last 30 days), from the daily rollups."""
    account = get_or_404(Account, account_id)
    end = end or timezone.localdate()
    start = start or window(end, 30)[0]
    if end < start:
        raise HttpError(422, "end is before start")
    if start < EARLIEST or end > LATEST or (end - start).days > 3660:
        raise HttpError(422, f"the window must lie between {EARLIEST} and {LATEST} and span at most ten years")
    facts = account_usage(account.pk, start, end)
    data = facts.__dict__ | {"account_id": account.pk}
    data["features"] = [f.__dict__ for f in facts.features]
    data["daily"] = [{"day": d, "active_users": u, "logins": lg} for d, u, lg in facts.daily]
    return data
