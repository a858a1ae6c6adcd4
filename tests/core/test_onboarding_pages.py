import datetime as dt

import pytest

from tenure.engagement.models import OnboardingTemplate, SuccessGoal
from tenure.engagement.onboarding import start_onboarding
from tests.factories import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    template = OnboardingTemplate.objects.create(
        name="Standard", milestones=[{"title": "Kick-off", "due_days": 2}, {"title": "First report", "due_days": 9,
                                                                           "first_value": True}])
    return start_onboarding(make_account(name="Initech"), template, started_on=dt.date.today() - dt.timedelta(days=5))


def test_csm_marks_a_milestone_done(csm_client, project):
    m = project.milestones.get(title="Kick-off")
    assert csm_client.post(f"/accounts/{project.account_id}/milestones/{m.pk}/done/").status_code == 302
    m.refresh_from_db()
    assert m.status == "done"


def test_read_only_cannot_mark_done(reader_client, project):
    m = project.milestones.first()
    assert reader_client.post(f"/accounts/{project.account_id}/milestones/{m.pk}/done/").status_code == 403
    m.refresh_from_db()
    assert m.status == "open"


def test_add_a_goal_and_record_progress_then_see_the_value_report(csm_client, project):
    account_id = project.account_id
    csm_client.post(f"/accounts/{account_id}/goals/", {"title": "Faster support", "metric": "handling time",
                                                       "unit": "min", "direction": "decrease", "baseline": "40",
                                                       "target": "28"})
    goal = SuccessGoal.objects.get()
    csm_client.post(f"/accounts/{account_id}/goals/{goal.pk}/progress/", {"current": "31"})
    page = csm_client.get(f"/accounts/{account_id}/value/").content.decode()
    assert "What Initech got from the product" in page
    assert "handling time: from 40 min to 28 min (30% less) — now 31 min, 75% of the way" in page
    assert "Print or save as PDF" in page


def test_a_bad_goal_number_is_named_and_nothing_stored(csm_client, project):
    response = csm_client.post(f"/accounts/{project.account_id}/goals/", {"title": "x", "metric": "y",
                                                                          "baseline": "lots", "target": "2"},
                               follow=True)
    assert "numbers for baseline and target" in response.content.decode()
    assert not SuccessGoal.objects.exists()
