"""Who may do what on the pages, checked in one place."""

from django.core.exceptions import PermissionDenied


def require_setup(request, what: str) -> None:
    """Refuse set-up changes to anyone but admins, CS leaders and CS operations (``what``: "change scorecards", ...)."""
    if not request.user.manages_setup:
        raise PermissionDenied(f"Only admins, CS leaders and CS operations {what}.")


def require_writer(request) -> None:
    """Refuse any change to a read-only user (they read every page)."""
    if not request.user.can_write:
        raise PermissionDenied("Read-only users read every page but change nothing.")
