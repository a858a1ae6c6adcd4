"""Account pages: the list (search, filters, sort, pages) and one account with its timeline."""

import hashlib

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from tenure.accounts import columns, saved_views
from tenure.accounts.forms import UNASSIGNED, AccountFilterForm, BulkAccountsForm, TouchForm
from tenure.accounts.models import Account, CommunityRole, RelationshipRole, SavedView
from tenure.accounts.people import may_edit_people
from tenure.accounts.services import search_accounts, update_accounts
from tenure.engagement.services import record_touch
from tenure.engagement.timeline import account_timeline
from tenure.engagement.views import plan_context
from tenure.exports import csv_response
from tenure.facts import load_facts
from tenure.facts.account import KEY_ROLES, ROLE_LABELS
from tenure.health.panels import account_health_panel
from tenure.predict.panels import account_panel as account_churn_panel
from tenure.renewals.panels import account_billing_panel
from tenure.risk.services import account_signals_panel, account_tasks_panel
from tenure.support.models import UNRESOLVED_STATUSES, TicketPriority
from tenure.usage.panels import account_usage_panel
from tenure.users.models import User
from tenure.web import account_cells

PER_PAGE = 50
PAGE_FIELDS = ("name", "domain", "crm_id", "industry", "segment", "stage", "coverage", "owner",
               "owner__first_name", "owner__last_name", "owner__username",
               "health__day", "health__score", "health__band", "health__week_ago_score",
               "churn_prediction__probability")
TICKETS_SHOWN = 50
# The account facts the page shows: the key numbers (subscriptions), the key people with their last touch (people)
# and the usage panel (usage, key features).
PAGE_FACTS = ("subscriptions", "people", "usage", "features", "knowledge")


def _ordering(sort: str) -> list:
    key = sort.lstrip("-")
    descending = sort.startswith("-")

    def by(field):
        expr = F(field)
        # Empty values (no owner, no live subscription) sink to the bottom either way.
        return expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True)

    columns = {
        "name": ["name"],
        "segment": ["segment"],
        "stage": ["stage"],
        "owner": ["owner__first_name", "owner__last_name", "owner__username"],
        # The totals stored for sorting (billing.services.store_live_totals): an index walk, not a sum per account.
        "seats": ["sort_seats"],
        "mrr": ["sort_mrr"],
        "renewal": ["sort_renewal"],
        "score": ["health__score"],
        "churn": ["churn_prediction__probability"],
        "arr": ["sort_mrr"],
        "days_to_renewal": ["sort_renewal"],
    }[key]
    # name and pk break ties so pages never overlap or skip a row.
    return [*(by(c) for c in columns), "name", "pk"]


EXPORT_BATCH = 1000


def _export_rows(accounts, chosen: list[columns.Column]):
    """Every account of the list's view, the view's columns, their facts read a batch at a time (memory flat in
    the list's size)."""
    today = timezone.localdate()
    parts = columns.facts_parts(chosen)
    rows = list(accounts.values_list("pk", flat=True))
    for i in range(0, len(rows), EXPORT_BATCH):
        ids = rows[i:i + EXPORT_BATCH]
        facts = load_facts(ids, today, parts=parts)
        by_id = {a.pk: a for a in Account.objects.filter(pk__in=ids).select_related("owner", "health",
                                                                                     "churn_prediction")}
        for pk in ids:
            a, f = by_id[pk], facts[pk]
            yield [cell for c in chosen for cell in columns.csv_cells(c, a, f, today)]


# Counting a large list is most of what its database time costs (80,000 active accounts: 9 ms of index scan per
# page view): a count this large is reused for a short while, per web process. Smaller ones are always exact.
LARGE_COUNT, COUNT_SECONDS = 10_000, 30


def _count(found) -> int:
    """The number of accounts the list's filters find (without the page's joins)."""
    sql, params = found.query.sql_with_params()
    key = "accounts:count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    n = found.count()
    if n >= LARGE_COUNT:
        cache.set(key, n, COUNT_SECONDS)
    return n


def _list_query(request: HttpRequest, views: list[SavedView]) -> tuple[QueryDict, SavedView | None]:
    """The query the list applies: an opened view's filters, columns and order (``?view=``, one the person may
    see), with whatever the request itself says on top (a sort or a filter changed since opening it)."""
    raw = request.GET.get("view", "")
    chosen = next((v for v in views if str(v.pk) == raw), None) if raw.isdigit() else None
    if chosen is None:
        return request.GET, None
    data = saved_views.as_query(chosen)
    for key in request.GET:
        if key != "view":
            data.setlist(key, request.GET.getlist(key))
    return data, chosen


def account_list(request: HttpRequest) -> HttpResponse:
    views = list(saved_views.visible_views(request.user))
    data, view = _list_query(request, views)
    form = AccountFilterForm(data if data else None)
    sort = form.chosen_sort()
    chosen = form.chosen_columns()
    found = search_accounts(**form.filters())
    if request.GET.get("export") == "csv":
        header = [h for c in chosen for h in c.csv_header]
        return csv_response("accounts", header, _export_rows(found.order_by(*_ordering(sort)), chosen))
    # What the cells show and no more: the churn prediction's drivers alone were most of a row's width.
    accounts = found.select_related("owner", "health", "churn_prediction").only(*PAGE_FIELDS)
    paginator = Paginator(accounts.order_by(*_ordering(sort)), PER_PAGE)
    paginator.count = _count(found)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    # Each column names the account facts it shows: those groups only, read for the page's rows whatever the order
    # (the stored sort totals only order the list).
    parts = columns.facts_parts(chosen)
    today = timezone.localdate()
    facts = load_facts([a.pk for a in page.object_list], today, parts=parts) if parts else {}
    url_of = account_cells.account_urls()
    for a in page.object_list:
        a.facts = f = facts.get(a.pk)
        live = f is not None and bool(f.subscriptions)  # no live subscription: empty cells, not zeros
        a.live_seats, a.live_mrr, a.next_renewal = (f.seats, f.mrr, f.next_renewal_on) if live else (None, None, None)
        a.live_arr, a.renewal_days = (f.arr, f.days_to_renewal) if live else (None, None)
        a.cells = account_cells.html_cells(chosen, a, f, today, url_of)

    # Links that change only the sort or only the page keep every filter, the columns and the opened view.
    list_url = reverse("accounts:list")
    kept = request.GET.copy()
    for key in ("page", "sort", "export"):
        kept.pop(key, None)
    shown = [
        {
            "key": c.key,
            "label": c.label,
            "title": c.title,
            "numeric": c.numeric,
            "sortable": c.sort,
            "direction": "ascending" if sort == c.key else "descending" if sort == f"-{c.key}" else "",
            "href": f"{list_url}?{_with(kept, sort=f'-{c.key}' if sort == c.key else c.key)}",
        }
        for c in chosen
    ]
    picked = {c.key for c in chosen}
    may_save = saved_views.may_save(request.user)
    context = {
        "form": form,
        "page": page,
        "accounts": page.object_list,
        "sort": sort,
        "columns": shown,
        "column_choices": [{"key": c.key, "label": c.label, "checked": c.key in picked, "fixed": c.key == "name"}
                           for c in columns.CATALOGUE],
        "page_url": f"{list_url}?{_with(kept, sort=sort)}&page=",
        "is_filtered": form.is_filtered(),
        "can_bulk": may_change_in_bulk(request.user),
        "bulk_form": BulkAccountsForm() if may_change_in_bulk(request.user) else None,
        "export_url": f"{list_url}?{_with(kept, sort=sort, export='csv')}",
        "today": today,
        "views": views,
        "view": view,
        "my_views": [v for v in views if v.owner_id == request.user.pk],
        "shared_views": [v for v in views if v.owner_id != request.user.pk],
        "may_save": may_save,
        "may_share": saved_views.may_share(request.user),
        "may_change_view": view is not None and saved_views.may_change(request.user, view),
        # What "save" stores: the list as shown (filters, columns, order), whatever the request spelled out.
        "view_query": _view_query(form, chosen, sort),
        "back_query": request.GET.urlencode(),
    }
    # An htmx request from the filters or a table link swaps just the table; a history restore needs it all.
    partial = request.htmx and not request.htmx.history_restore_request and not request.htmx.boosted
    template = "accounts/_account_table.html" if partial else "accounts/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _view_query(form: AccountFilterForm, chosen: list[columns.Column], sort: str) -> str:
    query = QueryDict(mutable=True)
    data = form.cleaned_data if form.is_bound else {}
    for key in saved_views.FILTER_KEYS:
        if data.get(key):
            query[key] = data[key]
    query.setlist("cols", [c.key for c in chosen])
    query["sort"] = sort
    return query.urlencode()


def _back(query: str, view: SavedView | None = None) -> str:
    """The list again: the opened view, or the query it was left at (only printable text comes back)."""
    if view is not None:
        return f"{reverse('accounts:list')}?view={view.pk}"
    return reverse("accounts:list") + (f"?{query}" if query and query.isprintable() else "")


@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    """Save the list as shown under a name (shared with the team when a leader or CS operations ticks it)."""
    try:
        view = saved_views.create_view(owner=request.user, name=request.POST.get("name", ""),
                                       query=request.POST.get("query", ""), shared=request.POST.get("shared") == "on")
    except ValidationError as exc:
        messages.error(request, "The view was not saved: " + " ".join(exc.messages))
        return redirect(_back(request.POST.get("query", "")))
    messages.success(request, f"View \u201c{view.name}\u201d saved.")
    return redirect(_back("", view))


def _own_view(request: HttpRequest, pk: int) -> SavedView:
    view = get_object_or_404(saved_views.visible_views(request.user), pk=pk)
    if not saved_views.may_change(request.user, view):
        raise PermissionDenied("Only the view's owner changes it.")
    return view


@require_POST
def change_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The owner re-saves the list as shown into the view, renames it, or shares / unshares it."""
    view = _own_view(request, pk)
    post = request.POST
    try:
        saved_views.update_view(view, by=request.user, name=post.get("name") if "name" in post else None,
                                query=post.get("query") if "query" in post else None,
                                shared=(post.get("shared") == "on") if "share_sent" in post else None)
    except ValidationError as exc:
        messages.error(request, "The view was not changed: " + " ".join(exc.messages))
    else:
        messages.success(request, f"View \u201c{view.name}\u201d saved.")
    return redirect(_back("", view))


@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = _own_view(request, pk)
    name = view.name
    saved_views.delete_view(view, by=request.user)
    messages.success(request, f"View \u201c{name}\u201d deleted.")
    return redirect("accounts:list")


def may_change_in_bulk(user) -> bool:
    """Reassigning or restaging many accounts at once is team management: leaders and CS operations."""
    return user.can_write and (user.is_leader or user.manages_setup)


@require_POST
def bulk_change(request: HttpRequest) -> HttpResponse:
    """The accounts ticked on the list get a new owner or stage, through the accounts service (audit trail and
    timeline notes), all of them or none."""
    if not may_change_in_bulk(request.user):
        raise PermissionDenied("Only CS leaders and CS operations change accounts in bulk.")
    form = BulkAccountsForm(request.POST)
    back = reverse("accounts:list") + (f"?{request.POST['query']}" if request.POST.get("query", "").isprintable()
                                       and request.POST.get("query") else "")
    if not form.is_valid():
        messages.error(request, "Nothing was changed: " + " ".join(" ".join(v) for v in form.errors.values()))
        return redirect(back)
    data = form.cleaned_data
    stored = list(Account.objects.filter(pk__in=data["account_ids"]))
    change = {}
    if data["owner"]:
        change["owner"] = None if data["owner"] == UNASSIGNED else User.objects.filter(pk=int(data["owner"])).first()
    if data["stage"]:
        change["stage"] = data["stage"]
    try:
        changed = update_accounts([(a, change) for a in stored], by=request.user)
    except ValidationError as exc:
        messages.error(request, "Nothing was changed: " + " ".join(exc.messages))
    else:
        messages.success(request, f"{len(changed)} of {len(stored)} account{'s' if len(stored) != 1 else ''} changed"
                                  f"{'' if len(changed) == len(stored) else ' (the others already were so)'}.")
    return redirect(back)


def _with(query, **values) -> str:
    query = query.copy()
    for key, value in values.items():
        query[key] = value
    return query.urlencode()


def custom_attribute_words(custom) -> list[tuple[str, str]]:
    """An account's custom attributes as a person reads them, by name: "customer_since" is "Customer since",
    8013 is "8,013", True is "yes"; a list is joined, anything nested kept as it came."""
    if not isinstance(custom, dict):
        return []
    rows = []
    for key, value in custom.items():
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, int | float):
            text = floatformat(value, "-2g")
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = "" if value is None else str(value)
        rows.append((str(key).replace("_", " ").strip().capitalize() or str(key), text))
    return sorted(rows, key=lambda row: row[0].lower())


def _account_context(account: Account, touch_form: TouchForm | None) -> dict:
    labels = dict(RelationshipRole.choices) | dict(CommunityRole.choices)
    by_name = list(account.contacts.all())
    for c in by_name:
        c.role_labels = [labels[r] for r in (*c.roles, *c.community_roles)]
    contacts = sorted(by_name, key=lambda c: not c.is_active)  # people still there first, each group by name
    if touch_form is not None:
        touch_form.choose_from(contacts)
    subscriptions = list(account.subscriptions.prefetch_related("history"))
    facts = load_facts([account.pk], timezone.localdate(), parts=PAGE_FACTS)[account.pk]
    live_ids = {s.id for s in facts.subscriptions}
    for s in subscriptions:
        s.live_today = s.pk in live_ids
    currencies = {s.currency for s in subscriptions if s.pk in live_ids}
    renewal_days = facts.days_to_renewal

    priority_rank = Case(
        *(When(priority=p, then=Value(i)) for i, p in enumerate(reversed(TicketPriority.values))),
        output_field=IntegerField(),
    )
    tickets = list(
        account.tickets.select_related("contact")
        .annotate(
            unresolved=Case(
                When(status__in=UNRESOLVED_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            priority_rank=priority_rank,
        )
        .order_by("unresolved", "priority_rank", "-opened_at", "-pk")[: TICKETS_SHOWN + 1]
    )
    timeline = account_timeline(account, by_name)
    health = account_health_panel(account)
    return {
        "account": account,
        "custom_attributes": custom_attribute_words(account.custom),
        "contacts": contacts,
        "active_contacts": sum(1 for c in contacts if c.is_active),
        "subscriptions": subscriptions,
        "facts": facts,
        "numbers": {
            "mrr": facts.mrr,
            "arr": facts.arr,
            "seats": facts.seats,
            "next_renewal": facts.next_renewal_on,
            "renewal_days": renewal_days,
            "renewal_days_ago": -renewal_days if renewal_days and renewal_days < 0 else 0,
            "currency": currencies.pop() if len(currencies) == 1 else "",
            "live_count": len(live_ids),
        },
        "key_people": key_people(facts, contacts),
        "knowledge_readers": knowledge_readers(facts, by_name),
        "tickets": [t for t in tickets[:TICKETS_SHOWN] if not t.is_resolved],
        "closed_tickets": [t for t in tickets[:TICKETS_SHOWN] if t.is_resolved],
        "more_tickets": len(tickets) > TICKETS_SHOWN,
        "tickets_shown": TICKETS_SHOWN,
        "open_tickets": sum(1 for t in tickets if not t.is_resolved),
        "timeline": timeline,
        "touch_form": touch_form,
        **account_usage_panel(account, account_facts=facts),
        **health,
        **account_churn_panel(account, latest_health=health["health"]),
        **account_billing_panel(account),
        **account_signals_panel(account),
        **account_tasks_panel(account),
        **plan_context(account),
    }


def key_people(facts, contacts: list) -> list[dict]:
    """The executive sponsor and the champion, each with whoever holds the role (still there first), their last
    touch (from the account facts, the same the health score and the signals read) and, for one who left, the
    successor recorded."""
    by_pk = {c.pk: c for c in contacts}
    roles = []
    for role in KEY_ROLES:
        holders = []
        for fact in facts.contacts:
            contact = by_pk.get(fact.id)
            if fact.role != role or contact is None:
                continue
            holders.append({"contact": contact, "left_on": fact.left_on, "last_touched_on": fact.last_touched_on,
                            "days_since_touch": None if fact.last_touched_on is None
                            else (facts.as_of - fact.last_touched_on).days,
                            "successor": by_pk.get(contact.successor_id)})
        holders.sort(key=lambda h: (h["left_on"] is not None, h["contact"].name))
        roles.append({"role": role, "label": ROLE_LABELS[role], "holders": holders,
                      "present": facts.role(role).present})
    return roles


def knowledge_readers(facts, contacts: list, most: int = 3) -> list[tuple]:
    """The people who used the help centre most in the window, with their number of actions."""
    by_pk = {c.pk: c for c in contacts}
    ranked = sorted(facts.knowledge.by_contact.items(), key=lambda item: -item[1])
    return [(by_pk[pk], n) for pk, n in ranked if pk in by_pk][:most]


def _get_account(pk: int) -> Account:
    return get_object_or_404(Account.objects.select_related("owner"), pk=pk)


def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _get_account(pk)
    form = TouchForm(account=account) if request.user.can_write else None
    return render(request, "accounts/detail.html", {**_account_context(account, form),
                                                    "may_edit_people": may_edit_people(request.user, account)})


def older_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The timeline's next page, older than ``before``: swapped in below the items shown (htmx), or as a page."""
    account = _get_account(pk)
    try:  # a "+" of the offset arrives as a space when the link was typed, not built
        before = parse_datetime(request.GET.get("before", "").strip().replace(" ", "+"))
    except ValueError:  # well formed, but no such day or time
        before = None
    if before is None:
        return HttpResponseBadRequest("before: expected a date and time, e.g. 2026-11-30T14:05:00+00:00")
    if timezone.is_naive(before):
        before = timezone.make_aware(before)
    contacts = list(account.contacts.all())
    context = {"account": account, "timeline": account_timeline(account, contacts, before=before)}
    template = "accounts/_timeline_items.html" if request.htmx else "accounts/timeline.html"
    return render(request, template, context)


@require_POST
def log_touch(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied("Read-only users cannot log touches.")
    account = _get_account(pk)
    form = TouchForm(request.POST, account=account)
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_touch(
                account=account,
                author=request.user,
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                summary=data["summary"],
                sentiment=data["sentiment"],
                contacts=data["contacts"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "Touch logged.")
            return redirect(reverse("accounts:detail", args=[account.pk]) + "#timeline")
    return render(request, "accounts/detail.html", {**_account_context(account, form),
                                                    "may_edit_people": may_edit_people(request.user, account)},
                  status=400)
