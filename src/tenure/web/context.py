"""What every page's frame needs: the navigation a person may use, and which one item of it they are in."""

from functools import cache

from django.urls import reverse

MAIN = (
    ("risk:my_work", "My work"),
    ("accounts:list", "Accounts"),
    ("health:overview", "Health"),
    ("metrics:retention", "Retention"),  # its tabs: cohorts, the renewal forecast, book of business
    ("renewals:list", "Renewals"),
    ("surveys:overview", "Surveys"),
)
SETUP = (  # the pages CS operations use, under one menu; the others read most of them, to see how numbers are made
    ("integrations:import", "Import"),
    # In this menu, not the main bar: the bar is full at 1280 px (tests/web/test_browser_frame.py).
    ("knowledge:articles", "Knowledge base"),
    ("web:customerium", "Customerium map"),
    ("usage:setup", "Usage setup"),
    ("health:scorecards", "Scorecards"),
    ("risk:settings", "Signal settings"),
    ("accounts:assignment", "Assignment rules"),
    ("connectors:connections", "Connections"),
    ("connectors:mail", "Email capture"),  # every staff user's own capture address
    ("integrations:webhooks", "Webhooks"),
    ("web:audit", "Audit"),
)
# Who may open a set-up page at all (the rest are open to every role, read-only unless it manages set-up).
SETUP_OPENS = {"integrations:import": "can_write", "risk:settings": "manages_setup"}
# Pages that belong to another item than their address says.
BELONGS_TO = {"metrics:renewals": "renewals:list"}


@cache
def _paths() -> tuple[tuple[str, str], ...]:
    return tuple((name, reverse(name)) for name, _ in MAIN + SETUP)


def active_item(view_name: str, path: str) -> str | None:
    """The one navigation item a page is in: the item itself; else the item it belongs to; else the item whose
    address is the longest start of the page's (an account's page is in Accounts, a scorecard's in Scorecards);
    else the first main item of the same app. None outside every item."""
    names = [name for name, _ in _paths()]
    if view_name in names:
        return view_name
    if view_name in BELONGS_TO:
        return BELONGS_TO[view_name]
    prefixed = [(len(p), name) for name, p in _paths() if path.startswith(p) and p != "/"]
    if prefixed:
        return max(prefixed)[1]
    namespace = view_name.rpartition(":")[0]
    return next((name for name, _ in MAIN if namespace and name.rpartition(":")[0] == namespace), None)


def navigation(request):
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    active = active_item(match.view_name, request.path) if match else None
    setup = tuple((name, label) for name, label in SETUP
                  if name not in SETUP_OPENS or getattr(user, SETUP_OPENS[name], False))
    return {"nav_items": MAIN, "nav_setup": setup, "nav_active": active,
            "nav_exact": bool(match and match.view_name == active),
            "nav_in_setup": any(name == active for name, _ in setup)}
