import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from tenure.billing.models import BillingPeriod, SubscriptionStatus

# The stored convention (tenure.billing.services): inclusive end dates.
END_DATE = ("The last day the term covers (inclusive); the renewal is the day after. A billing system's "
            "period end (the next term's start) is one day later.")


class SubscriptionOut(Schema):
    id: int
    account_id: int
    external_id: str | None
    plan: str
    seats: int
    mrr: Decimal
    arr: Decimal
    currency: str
    start_date: dt.date
    end_date: dt.date | None = Field(..., description=END_DATE)
    status: SubscriptionStatus
    billing_period: BillingPeriod
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionChangeOut(Schema):
    effective_on: dt.date
    recorded_at: dt.datetime
    source: str
    plan: str
    seats: int
    mrr: Decimal
    currency: str
    start_date: dt.date
    end_date: dt.date | None = Field(..., description=END_DATE)
    status: SubscriptionStatus
    billing_period: BillingPeriod


class SubscriptionDetail(SubscriptionOut):
    history: list[SubscriptionChangeOut]


class SubscriptionCreate(Schema):
    account_id: int
    external_id: str | None = None
    plan: str = Field(min_length=1, max_length=100)
    seats: int = Field(0, ge=0)
    mrr: Decimal = Field(Decimal("0"), ge=0)
    currency: str = Field("USD", min_length=3, max_length=3)
    start_date: dt.date
    end_date: dt.date | None = Field(None, description=END_DATE)
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    billing_period: BillingPeriod = BillingPeriod.ANNUAL


class SubscriptionUpdate(Schema):
    external_id: str | None = None
    plan: str | None = Field(None, min_length=1, max_length=100)
    seats: int | None = Field(None, ge=0)
    mrr: Decimal | None = Field(None, ge=0)
    currency: str | None = Field(None, min_length=3, max_length=3)
    start_date: dt.date | None = None
    end_date: dt.date | None = Field(None, description=END_DATE)
    status: SubscriptionStatus | None = None
    billing_period: BillingPeriod | None = None
    effective_on: dt.date | None = Field(None, description="When the change took effect; default today.")
