import datetime as dt

import pytest

from tenure.integrations.csv_import import import_csv
from tenure.support.models import Ticket
from tests.factories import make_account, make_contact, make_ticket

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.fixture
def acme():
    return make_account(name="Acme", domain="acme.com")


def test_good_tickets_file_creates_tickets_with_the_support_rules(csv_file, acme):
    ann = make_contact(acme, email="ann@acme.com")
    path = csv_file("""
        external_id,account_domain,contact_email,subject,priority,status,opened_at,resolved_at,csat
        T-1,acme.com,ANN@acme.com,Cannot export,High,open,2026-03-01T09:30:00Z,,
        T-2,acme.com,,Invoice question,,solved,2026-03-02 10:00,2026-03-02T12:00:00+02:00,5
        T-3,acme.com,,Login broken,urgent,closed,2026-03-03,,
    """)

    result = import_csv("tickets", path)

    assert result.ok, result.error_lines()
    assert result.created == 3
    t1 = Ticket.objects.get(external_id="T-1")
    assert (t1.contact, t1.priority, t1.status, t1.opened_at, t1.resolved_at) == (
        ann, "high", "open", dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC), None
    )
    t2 = Ticket.objects.get(external_id="T-2")
    assert (t2.priority, t2.csat, t2.resolved_at) == ("normal", 5, dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    t3 = Ticket.objects.get(external_id="T-3")
    assert t3.resolved_at is not None  # a resolved ticket without a resolution time is resolved now

    again = import_csv("tickets", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_tickets_match_by_external_id_ignoring_case(csv_file, acme):
    ticket = make_ticket(acme, external_id="ZD-100", subject="Old")
    path = csv_file("""
        external_id,subject
        zd-100,New subject
    """)

    result = import_csv("tickets", path)

    assert result.updated == 1
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.account) == ("New subject", acme)


def test_bad_ticket_rows_reject_the_file_with_line_column_and_reason(csv_file, acme):
    other = make_account(name="Globex", domain="globex.com")
    make_contact(other, email="gus@globex.com")
    path = csv_file("""
        external_id,account_domain,contact_email,subject,status,opened_at,resolved_at,csat
        T-1,acme.com,gus@globex.com,Help,open,2026-03-01T09:00:00Z,,
        T-2,acme.com,nobody@acme.com,Help,open,2026-03-01T09:00:00Z,,
        T-3,acme.com,,Help,solved,2026-03-01T09:00:00Z,2026-02-01T00:00:00Z,
        T-4,acme.com,,Help,open,yesterday,,6
        T-5,acme.com,,Help,open,,,
    """)

    result = import_csv("tickets", path)

    assert result.error_lines() == [
        "line 2, column 'contact_email': belongs to another account",
        "line 3, column 'contact_email': no contact has the email 'nobody@acme.com'",
        "line 4, column 'resolved_at': is before the ticket was opened",
        "line 5, column 'opened_at': 'yesterday' is not a date-time; expected ISO 8601, such as "
        "2026-03-01T09:30:00Z or 2026-03-01",
        "line 6, column 'opened_at': is required to create a new ticket",
    ]
    assert not Ticket.objects.exists()


def test_csat_outside_one_to_five_is_refused_by_the_model_rule(csv_file, acme):
    path = csv_file("""
        external_id,account_domain,subject,opened_at,csat
        T-1,acme.com,Help,2026-03-01,6
    """)

    result = import_csv("tickets", path)

    assert result.error_lines() == ["line 2, column 'csat': Ensure this value is less than or equal to 5."]
