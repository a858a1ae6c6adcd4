"""Property-based fuzzing of the JSON API against its own schema (schemathesis, on hypothesis): whatever a client
sends, as an admin or as a read-only user, the API answers with a status its schema documents — never a 5xx."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import status_code_conformance

from tenure.api import api
from tenure.users.models import Role
from tenure.users.services import issue_token
from tests.factories import make_account, make_contact, make_subscription, make_ticket, make_touch, make_user

pytestmark = pytest.mark.django_db
schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
EXAMPLES = 8  # per operation: the whole run stays within a minute or two


@pytest.fixture
def tokens(db):
    account = make_account(name="Acme")
    make_subscription(account)
    contact = make_contact(account)
    make_ticket(account)
    make_touch(account, contacts=[contact])
    return [issue_token(make_user(role, username=f"fuzz-{role}"), "fuzz")[1] for role in (Role.ADMIN, Role.READ_ONLY)]


@pytest.fixture
def app():
    """The WSGI application, keeping the test's database connection across requests (as Django's test client
    does): a real request ends by closing its connections, which would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_request_gets_a_server_error_or_an_undocumented_status(case, tokens, app):
    for raw in tokens:
        response = case.call(app=app, headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code < 500, (case.method, case.formatted_path, response.status_code,
                                            response.text[:300])
        case.validate_response(response, checks=[status_code_conformance])
