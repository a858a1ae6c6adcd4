"""The ticket rules exist once, in support.services, and every door (service, bulk, admin, import) follows them."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tenure.support import services
from tenure.support.models import Ticket
from tests.factories import make_account, make_contact, make_ticket, make_user

UTC = dt.UTC
NOON = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("status, given, expected", [
    ("open", NOON, None),  # an unresolved ticket has no resolution time, even one given
    ("pending", None, None),
    ("solved", NOON, NOON),  # a resolved one keeps the time given
    ("closed", None, NOON + dt.timedelta(hours=1)),  # or, without one, is resolved now
])
def test_resolution_time_follows_the_status(status, given, expected):
    assert services.resolution_time(status, given, now=NOON + dt.timedelta(hours=1)) == expected


def test_a_resolution_before_the_opening_is_an_error():
    assert services.times_error(NOON, NOON - dt.timedelta(days=1)) == "is before the ticket was opened"
    assert services.times_error(NOON, NOON) == ""




@pytest.mark.django_db
def test_update_tickets_resolves_and_reopens_and_leaves_an_unchanged_ticket_alone():
    solved, reopened, same = (make_ticket(status="open"), make_ticket(status="solved"), make_ticket(status="open"))
    stamp = same.updated_at

    changed = services.update_tickets([(solved, {"status": "solved"}), (reopened, {"status": "open"}),
                                       (same, {"status": "open"})])

    assert changed == [solved, reopened]
    assert Ticket.objects.get(pk=solved.pk).resolved_at is not None
    assert Ticket.objects.get(pk=reopened.pk).resolved_at is None
    assert Ticket.objects.get(pk=same.pk).updated_at == stamp
    assert set(Ticket.objects.unresolved()) == {reopened, same}


@pytest.mark.django_db
def test_create_tickets_refuses_a_contact_from_another_account():
    stranger = make_contact(make_account())

    with pytest.raises(Exception, match="belongs to another account"):
        services.create_tickets([Ticket(account=make_account(), contact=stranger, subject="Help",
                                        opened_at=timezone.now())])

    assert not Ticket.objects.exists()


@pytest.mark.django_db
def test_a_ticket_solved_in_the_admin_gets_its_resolution_time():
    ticket = make_ticket(status="open", opened_at=NOON)
    client = Client()
    client.force_login(make_user("admin", username="root", is_staff=True, is_superuser=True))
    form = {"account": ticket.account_id, "contact": "", "external_id": "", "subject": ticket.subject, "body": "",
            "category": "", "priority": "normal", "status": "solved", "opened_at_0": "2026-03-01",
            "opened_at_1": "12:00:00", "resolved_at_0": "", "resolved_at_1": "", "csat": ""}

    response = client.post(f"/admin/support/ticket/{ticket.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert ticket.status == "solved" and ticket.resolved_at is not None
