"""The JSON API under /api/, documented at /api/docs. Each room contributes its router (the pieces the routers
share, such as ``require_writer``, are in tenure/api_helpers.py, so rooms never import this module)."""

import functools

from django.core.exceptions import ValidationError
from django.db import DataError, connection, transaction
from django.http import JsonResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from tenure.users import audit, throttle
from tenure.users.services import user_for_token


class SessionAuth(APIKeyCookie):
    """A logged-in browser session; unsafe methods need the CSRF token, as on any form."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class TokenAuth(HttpBearer):
    """`Authorization: Bearer tnr_…`, issued by `tenure token create`."""

    def authenticate(self, request, token):
        limits = throttle.for_token(throttle.address_of(request))
        wait = throttle.locked_for(limits)
        if wait:
            raise HttpError(429, f"too many wrong API tokens from this address; try again in "
                                 f"{throttle.wait_words(wait)}")
        user = user_for_token(token)
        if user is not None:
            request.user = user
            audit.set_actor(user, f"{user} through the API")
        else:
            throttle.failed(limits)
        return user


def signed_in_only(view):
    """The schema and its docs, like every call: for a signed-in user or a valid token (401 otherwise)."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        allowed = request.user.is_authenticated or (
            header.startswith("Bearer ") and user_for_token(header[7:].strip()) is not None)
        if not allowed:
            return JsonResponse({"detail": "Sign in or send Authorization: Bearer <token> to read the API "
                                           "schema"}, status=401)
        return view(request, *args, **kwargs)
    return wrapped


ERRORS = {  # what any call may answer besides its success, documented on every operation
    "400": "The request is malformed (its body is not JSON, or too large).",
    "401": "No session or token, or an unknown token.",
    "403": "The user's role may not do this (read-only users change nothing).",
    "404": "No such record.",
    "405": "The path does not take this method.",
    "422": "A parameter or field is invalid; `detail` says which and why.",
    "429": "Too many wrong tokens from this address: try again later.",
}


class TenureAPI(NinjaAPI):
    """The API, its schema listing the errors every call may answer (``ERRORS``), each a ``{"detail": …}``."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        error = {"type": "object", "properties": {"detail": {}}, "required": ["detail"]}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, text in ERRORS.items():
                    if code not in responses and int(code) not in responses:
                        responses[int(code)] = {"description": text, "content": {"application/json": {"schema": error}}}
        return schema


api = TenureAPI(
    title="Tenure API",
    version="1",
    description="Accounts, contacts, subscriptions, tickets and touches. Authenticate with a session or "
    "`Authorization: Bearer <token>` (create one with `tenure token create USERNAME NAME`).",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_decorator=signed_in_only,
)


def in_a_savepoint(operation):
    """On PostgreSQL each operation runs in its own transaction (or savepoint): a statement the database refuses (a
    number out of its range) rolls back just that operation, answered as a 4xx, and leaves the connection usable.
    SQLite neither needs it (an error does not poison the transaction) nor wants it (a write lock on every read)."""
    @functools.wraps(operation)
    def wrapped(request, *args, **kwargs):
        if connection.vendor != "postgresql":
            return operation(request, *args, **kwargs)
        with transaction.atomic():
            return operation(request, *args, **kwargs)
    return wrapped


api.add_decorator(in_a_savepoint)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def out_of_range(request, exc):
    """A number or date beyond what the database holds (an id of 2**70, an offset past 2**63): the request is
    wrong, not the server."""
    return api.create_response(request, {"detail": "a number or date in the request is out of range"}, status=422)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)


def _add_routers() -> None:
    from tenure.accounts.api import accounts_router, contacts_router
    from tenure.billing.api import router as subscriptions_router
    from tenure.engagement.api import router as touches_router
    from tenure.health.api import router as health_router
    from tenure.knowledge.api import router as knowledge_router
    from tenure.metrics.api import router as metrics_router
    from tenure.predict.api import router as churn_router
    from tenure.risk.api import signals_router, tasks_router
    from tenure.support.api import router as tickets_router
    from tenure.usage.api import router as usage_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/accounts", usage_router)
    api.add_router("/contacts", contacts_router)
    api.add_router("/subscriptions", subscriptions_router)
    api.add_router("/tickets", tickets_router)
    api.add_router("/touches", touches_router)
    api.add_router("/health", health_router)
    api.add_router("/signals", signals_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/metrics", metrics_router)
    api.add_router("/churn", churn_router)
    api.add_router("/knowledge", knowledge_router)


_add_routers()
