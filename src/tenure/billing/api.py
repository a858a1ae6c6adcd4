from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from tenure.accounts.models import Account
from tenure.api_helpers import changes_from, get_or_404, require_writer, resolve
from tenure.billing import services
from tenure.billing.models import Subscription, SubscriptionStatus
from tenure.billing.schemas import SubscriptionCreate, SubscriptionDetail, SubscriptionOut, SubscriptionUpdate

router = Router(tags=["subscriptions"])


class SubscriptionFilters(Schema):
    account_id: int | None = None
    status: SubscriptionStatus | None = None
    plan: str = ""


@router.get("", response=list[SubscriptionOut])
@paginate
def list_subscriptions(request, filters: Query[SubscriptionFilters]):
    qs = Subscription.objects.all()
    if filters.account_id:
        qs = qs.filter(account_id=filters.account_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.plan:
        qs = qs.filter(plan__iexact=filters.plan)
    return qs.order_by("pk")


@router.get("/{int:subscription_id}", response=SubscriptionDetail)
def get_subscription(request, subscription_id: int):
    """A subscription with its full history: one entry per change, each with the day it took effect."""
    return get_or_404(Subscription.objects.prefetch_related("history"), subscription_id)


@router.post("", response={201: SubscriptionOut})
def create_subscription(request, payload: SubscriptionCreate):
    require_writer(request)
    data = payload.dict()
    data["account"] = resolve(Account, data.pop("account_id"), "account_id")
    return Status(201, services.create_subscription(source="api", **data))


@router.patch("/{int:subscription_id}", response=SubscriptionOut)
def update_subscription(request, subscription_id: int, payload: SubscriptionUpdate):
    require_writer(request)
    sub = get_or_404(Subscription, subscription_id)
    changes = changes_from(payload)
    effective_on = changes.pop("effective_on", None)
    services.update_subscription(sub, effective_on=effective_on, source="api", **changes)
    return sub
