"""The as-of guard: what happened after the day scored never changes its score."""

import datetime as dt

import pytest

from tenure.health.models import HealthSnapshot
from tenure.health.services import record_pulse, score_accounts
from tenure.surveys.services import record_response
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch
from tests.health.conftest import TODAY, at, use

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def snapshot(account, day):
    score_accounts([account.pk], day)
    return HealthSnapshot.objects.get(account=account, day=day)


def test_touches_tickets_answers_and_usage_after_the_as_of_day_do_not_change_its_score(key_features):
    account = make_account()
    make_subscription(account)
    sponsor = make_contact(account, roles=["executive_sponsor"])
    make_touch(account, occurred_at=at(TODAY - 50 * DAY), contacts=[sponsor])
    use(account, TODAY - 5 * DAY, ["u1", "u2"], ("Report Exported",))
    before = snapshot(account, TODAY)

    later = TODAY + 3 * DAY
    make_touch(account, occurred_at=at(later), contacts=[sponsor], sentiment="negative")
    make_ticket(account, priority="urgent", opened_at=at(later))
    record_response(account=account, score=0, answered_at=at(later))
    record_pulse(account=account, rating="red", created_at=at(later))
    use(account, later, ["u3"], ("Alert Created",))
    make_touch(account, occurred_at=at(TODAY + DAY, hour=0), contacts=[sponsor])  # just after midnight

    after = snapshot(account, TODAY)
    assert after.score == before.score
    assert after.measures == before.measures
    assert snapshot(account, later).score != before.score
