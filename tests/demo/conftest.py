import datetime as dt

import pytest

from tenure.demo.services import build_demo
from tests.conftest import rows_for_a_module

# A fixed "today": the demo must not depend on the day the tests run.
TODAY = dt.date(2026, 6, 15)
SMALL = 60


@pytest.fixture(scope="module")
def _small_demo_of_the_module(django_db_setup, django_db_blocker):
    with rows_for_a_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = build_demo(seed=7, accounts=SMALL, today=TODAY, usage=False, churn_model=False)
        yield built


@pytest.fixture
def small_demo(_small_demo_of_the_module, db):
    """A 60-account demo: every scenario and churn cause (usage has its own), built once per module; each test
    reads it in its own transaction, so what one test changes the next does not see."""
    return _small_demo_of_the_module
