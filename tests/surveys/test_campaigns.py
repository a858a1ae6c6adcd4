"""NPS campaigns end to end: a real SMTP server on loopback receives the invitation, the test follows the link
like the person would (no login), answers, and the answer shows on the account, in health and as a signal."""

import datetime as dt
import re
from email import message_from_bytes

import pytest
from django.test import Client
from django.utils import timezone

from tenure import pipeline
from tenure.risk.models import Signal, Task
from tenure.surveys.campaigns import audience, nps, nps_by, send_campaign
from tenure.surveys.models import SurveyCampaign, SurveyInvitation, SurveyResponse
from tests.factories import make_account, make_contact, make_subscription

pytestmark = pytest.mark.django_db




def link_in(envelope) -> str:
    message = message_from_bytes(envelope.content)
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    return re.search(r"http://testserver(/s/[^\s]+/)", text).group(1)


def test_pure_nps():
    assert nps([10, 9, 8, 7, 6, 0]) == 0
    assert nps([10, 10, 3]) == 33
    assert nps([]) is None
    assert nps_by([("smb", 10), ("smb", 2), ("enterprise", 9)]) == {"enterprise": (100, 1), "smb": (0, 2)}


def test_audience_by_segment_role_and_eligibility():
    smb, ent = make_account(segment="smb"), make_account(segment="enterprise")
    sponsor = make_contact(ent, roles=["executive_sponsor"])
    make_contact(ent, roles=["user"])
    make_contact(smb, roles=["executive_sponsor"])
    make_contact(ent, roles=["executive_sponsor"], left_on=dt.date(2026, 1, 1))
    campaign = SurveyCampaign.objects.create(name="Q3", segment="enterprise", roles=["executive_sponsor"])
    assert list(audience(campaign)) == [sponsor]
    earlier = SurveyCampaign.objects.create(name="Q2")
    SurveyInvitation.objects.create(campaign=earlier, contact=sponsor, sent_at=timezone.now() - dt.timedelta(days=30))
    assert list(audience(campaign)) == []  # asked 30 days ago, eligibility 90


def test_emailed_link_answer_reaches_account_health_and_a_detractor_signal(smtp, django_capture_on_commit_callbacks):
    account = make_account(name="Initech", segment="enterprise")
    make_subscription(account, start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 12, 31))  # a live customer
    bill = make_contact(account, name="Bill", email="bill@initech.example", roles=["executive_sponsor"])
    campaign = SurveyCampaign.objects.create(name="Sponsors Q3", roles=["executive_sponsor"])
    assert send_campaign(campaign) == (1, 0)
    assert smtp[0].rcpt_tos == ["bill@initech.example"]
    path = link_in(smtp[0])

    person = Client()  # not logged in
    page = person.get(path + "?score=3")
    assert page.status_code == 200 and 'value="3" checked' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = person.post(path, {"score": "3", "comment": "Reports keep failing"})
    assert "Thank you, Bill" in done.content.decode()
    pipeline.refresh_changed()  # the next minute's refresh

    response = SurveyResponse.objects.get()
    assert (response.account, response.contact, response.score) == (account, bill, 3)
    signal = Signal.objects.get(account=account, kind="detractor", resolved_on__isnull=True)
    # One play per driver: the detractor's disconnection is worked in the account's open disconnection play.
    assert Task.objects.filter(account=account, status="open", run__key=f"driver:{signal.driver}").exists()
    from tenure.health.models import HealthSnapshot

    snapshot = HealthSnapshot.objects.get(account=account, day=timezone.localdate())
    sentiment = next(m for m in snapshot.measures if m["key"] == "sentiment")
    assert sentiment["missing"] is False

    # The same link again corrects the answer instead of adding a second one.
    with django_capture_on_commit_callbacks(execute=True):
        person.post(path, {"score": "9"})
    assert SurveyResponse.objects.get().score == 9


def test_a_forged_or_mangled_link_is_refused(smtp):
    account = make_account()
    make_contact(account)
    campaign = SurveyCampaign.objects.create(name="All")
    send_campaign(campaign)
    path = link_in(smtp[0])
    assert Client().get(path[:-4] + "xx/").status_code == 404
    assert Client().post(path, {"score": "11"}).status_code == 400
    assert not SurveyResponse.objects.exists()


def test_a_failed_send_is_recorded_and_retried_without_asking_twice(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    make_contact(make_account())
    campaign = SurveyCampaign.objects.create(name="All")
    with pytest.raises(OSError):
        send_campaign(campaign)  # nothing listens: the connection itself fails
    invitation = SurveyInvitation.objects.get()
    assert invitation.sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_campaign(campaign) == (1, 0)
    assert SurveyInvitation.objects.count() == 1


def test_leader_creates_and_sends_a_campaign_from_the_page(client, leader, smtp):
    make_contact(make_account(segment="smb"), roles=["champion"])
    client.force_login(leader)
    client.post("/surveys/", {"name": "Champions", "kind": "nps", "question": "Would you recommend us?",
                              "roles": ["champion"], "eligibility_days": 90})
    campaign = SurveyCampaign.objects.get()
    page = client.post(f"/surveys/{campaign.pk}/send/", follow=True).content.decode()
    assert "Sent 1 invitation" in page and len(smtp) == 1


def test_csm_cannot_send(csm_client):
    campaign = SurveyCampaign.objects.create(name="x")
    assert csm_client.post(f"/surveys/{campaign.pk}/send/").status_code == 403


def test_overview_shows_nps_by_segment_month_and_account(csm_client):
    from tenure.surveys.services import record_response

    low, high = make_account(name="Lowco", segment="smb"), make_account(name="Highco", segment="enterprise")
    for score in (2, 5):
        record_response(account=low, score=score)
    record_response(account=high, score=10)
    page = csm_client.get("/surveys/").content.decode()
    assert "NPS by account" in page
    assert page.index("Lowco") < page.index("Highco")  # lowest first
    assert "<td>enterprise</td><td class=\"num\">100</td>" in page


def test_overview_counts_each_campaign_without_a_query_per_campaign(csm_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenure.surveys.services import record_response

    contact = make_contact(make_account(), roles=["champion"])

    def campaign_with(sent: int, answered: int) -> None:
        campaign = SurveyCampaign.objects.create(name=f"Q{SurveyCampaign.objects.count()}")
        for i in range(sent):
            person = contact if i == 0 else make_contact(contact.account)
            response = record_response(account=contact.account, contact=person, score=9) if i < answered else None
            SurveyInvitation.objects.create(campaign=campaign, contact=person, sent_at=timezone.now(),
                                            response=response)

    campaign_with(2, 1)
    with CaptureQueriesContext(connection) as one:
        first = csm_client.get("/surveys/").content.decode()
    campaign_with(3, 2)
    campaign_with(1, 0)
    with CaptureQueriesContext(connection) as three:
        csm_client.get("/surveys/")
    assert len(three) == len(one)
    assert '<td class="num">2</td><td class="num">1</td>' in first  # invited, answered
