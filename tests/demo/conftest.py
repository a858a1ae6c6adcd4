import datetime as dt

import pytest

from tenure.demo.services import build_demo

# A fixed "today": the demo must not depend on the day the tests run.
TODAY = dt.date(2026, 6, 15)
SMALL = 60


@pytest.fixture
def small_demo(db):
    """A 60-account demo: every scenario and churn cause, fast enough to build per test (usage has its own)."""
    return build_demo(seed=7, accounts=SMALL, today=TODAY, usage=False, churn_model=False)
