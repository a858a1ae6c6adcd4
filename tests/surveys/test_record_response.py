import pytest
from django.core.exceptions import ValidationError

from tenure.surveys.models import SurveyResponse
from tenure.surveys.services import nps_category, record_response
from tests.factories import make_account, make_contact

pytestmark = pytest.mark.django_db


def test_an_nps_answer_is_recorded_with_its_person_and_comment():
    account = make_account()
    person = make_contact(account)
    response = record_response(account=account, contact=person, score=9, comment=" Love it ")
    stored = SurveyResponse.objects.get()
    assert stored == response
    assert (stored.kind, stored.score, stored.comment, stored.contact) == ("nps", 9, "Love it", person)
    assert stored.answered_at is not None


@pytest.mark.parametrize("kind,score", [("nps", 11), ("csat", 0), ("csat", 6), ("nps", None), ("ces", 3)])
def test_answers_outside_the_scale_are_refused(kind, score):
    with pytest.raises(ValidationError):
        record_response(account=make_account(), kind=kind, score=score)
    assert not SurveyResponse.objects.exists()


def test_a_person_of_another_account_is_refused():
    with pytest.raises(ValidationError):
        record_response(account=make_account(), contact=make_contact(), score=5)


def test_nps_categories():
    assert [nps_category(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"]
