"""A customer's people, recorded by the CSM: added with their roles, changed, marked as left with a successor who
takes over their roles; each change on the timeline and picked up by the next refresh's signals."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tenure import pipeline
from tenure.accounts.models import Contact
from tenure.engagement.models import Touch
from tenure.risk.models import Signal, SignalKind
from tenure.users.models import Role
from tenure.users.services import issue_token
from tests.factories import make_account, make_contact, make_user, timeline_changes

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_csm_adds_a_person_with_their_roles_and_the_timeline_says_so(csm):
    account = make_account(name="Initech", owner=csm)
    c = client_for(csm)
    assert c.get(reverse("accounts:new_person", args=[account.pk])).status_code == 200
    response = c.post(reverse("accounts:new_person", args=[account.pk]), {
        "name": "Joanna Dalton", "email": "Joanna@Initech.example", "title": "COO",
        "roles": ["executive_sponsor", "billing"], "community_roles": ["promoter"]})
    assert response.status_code == 302 and response.url.endswith(f"/accounts/{account.pk}/#contacts")
    joanna = Contact.objects.get(account=account)
    assert (joanna.email, joanna.roles, joanna.community_roles) == (
        "joanna@initech.example", ["executive_sponsor", "billing"], ["promoter"])
    assert timeline_changes(account)[0] == f"{csm}: create contact Joanna Dalton: "
    # Told by the audit trail, not as a note: a note would count as a touch with the customer and hide a silence.
    assert not Touch.objects.filter(account=account).exists()


def test_the_sponsor_leaves_a_successor_takes_over_and_the_signal_resolves(csm):
    account = make_account(name="Initech", owner=csm)
    today = timezone.localdate()
    bill = make_contact(account, name="Bill Lumbergh", roles=["executive_sponsor", "user"])
    peter = make_contact(account, name="Peter Gibbons", roles=["champion"])
    c = client_for(csm)
    left = today - dt.timedelta(days=3)
    form = {"name": "Bill Lumbergh", "email": "", "title": "", "roles": ["executive_sponsor", "user"],
            "left_on": left.isoformat()}
    assert c.post(reverse("accounts:edit_person", args=[bill.pk]), form).status_code == 302
    pipeline.refresh([account.pk])
    signal = Signal.objects.get(account=account, kind=SignalKind.SPONSOR_LEFT)
    assert signal.resolved_on is None and "no successor" in signal.title
    latest = timeline_changes(account)[0]
    assert latest.startswith(f"{csm}: update contact Bill Lumbergh: ") and f"left on — → {left:%-d %b %Y}" in latest

    assert c.post(reverse("accounts:edit_person", args=[bill.pk]), {**form, "successor": peter.pk}).status_code == 302
    peter.refresh_from_db()
    bill.refresh_from_db()
    assert peter.roles == ["executive_sponsor", "champion"] and not peter.is_user  # "user" is not handed over
    assert bill.successor == peter
    assert timeline_changes(account)[:2] == [f"{csm}: update contact Bill Lumbergh: successor — → Peter Gibbons",
                                    f"{csm}: update contact Peter Gibbons: now executive sponsor"]
    assert not Touch.objects.filter(account=account).exists()
    pipeline.refresh([account.pk])
    signal.refresh_from_db()
    assert signal.resolved_on is not None


def test_only_the_accounts_csm_leaders_and_cs_operations_record_people(csm):
    account = make_account(owner=csm)
    person = make_contact(account, name="Bill")
    for role, allowed in ((Role.CSM, False), (Role.READ_ONLY, False), (Role.LEADER, True), (Role.CS_OPS, True)):
        response = client_for(make_user(role)).get(reverse("accounts:edit_person", args=[person.pk]))
        assert (response.status_code == 200) == allowed, role
        if not allowed:
            assert response.status_code == 403 and "record its people" in response.content.decode()


def test_a_successor_must_be_someone_still_at_this_account(csm):
    account = make_account(name="Initech", owner=csm)
    bill = make_contact(account, name="Bill", roles=["champion"])
    outsider = make_contact(make_account(name="Globex"), name="Hank")
    _, raw = issue_token(csm, "tests")
    api = Client(headers={"authorization": f"Bearer {raw}"})
    body = {"left_on": timezone.localdate().isoformat(), "successor_id": outsider.pk}
    response = api.patch(f"/api/contacts/{bill.pk}", json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and "Hank is not a person of this account" in response.content.decode()
    response = api.patch(f"/api/contacts/{bill.pk}", json.dumps({"successor_id": bill.pk}),
                         content_type="application/json")
    assert response.status_code == 422 and "when the person leaves" in response.content.decode()
    bill.refresh_from_db()
    assert bill.left_on is None and bill.successor is None  # nothing half-saved


def test_a_departure_in_the_future_is_refused(csm):
    account = make_account(owner=csm)
    bill = make_contact(account, name="Bill")
    response = client_for(csm).post(reverse("accounts:edit_person", args=[bill.pk]), {
        "name": "Bill", "left_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat()})
    assert response.status_code == 400 and "once it has happened" in response.content.decode()
