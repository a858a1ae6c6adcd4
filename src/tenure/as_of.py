"""``?as_of=YYYY-MM-DD``: the day a report's figures stand on, read the same way by every report page."""

import datetime as dt
import functools

from django.http import HttpRequest, HttpResponseBadRequest


class BadDay(ValueError):
    pass


def as_of(request: HttpRequest) -> dt.date | None:
    """The chosen day, or None (the report's own default). A malformed one raises BadDay naming it."""
    text = request.GET.get("as_of", "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadDay(f"as_of: {text[:40]!r} is not a date; use YYYY-MM-DD") from None


def bad_day_is_400(view):
    """A malformed as_of answers 400 with the reason, not a 500."""
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadDay as exc:
            return HttpResponseBadRequest(str(exc))
    return wrapped
