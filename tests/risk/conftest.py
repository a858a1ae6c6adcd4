import datetime as dt

import pytest

from tenure.risk.detectors import AccountFacts, Thresholds

AS_OF = dt.date(2026, 6, 15)


@pytest.fixture
def t():
    return Thresholds()


def facts(**kw) -> AccountFacts:
    """One account's facts, healthy unless told otherwise."""
    values = {"account_id": 1, "as_of": AS_OF, "stage": "mature", "customer_since": dt.date(2025, 1, 1),
              "seats": 20, "seats_before": 20, "active_users": 12, "active_users_earlier": 12, "logins": 40,
              "logins_before": 40, "last_touch_on": AS_OF - dt.timedelta(days=5), "last_active_on": AS_OF,
              "usage_known_since": dt.date(2025, 1, 1)}
    values.update(kw)
    return AccountFacts(**values)


@pytest.fixture
def past_due_account(csm):
    """An account of alice's, a customer for 40 days, whose payment failed 20 days before AS_OF."""
    from tenure.billing import services as billing
    from tests.factories import make_account, make_subscription

    account = make_account(name="Initech", owner=csm, stage="mature")
    sub = make_subscription(account, start_date=AS_OF - dt.timedelta(days=40), end_date=dt.date(2027, 12, 31))
    billing.update_subscription(sub, status="past_due", effective_on=AS_OF - dt.timedelta(days=20))
    account.sub = sub
    return account
