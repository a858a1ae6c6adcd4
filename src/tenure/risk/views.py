"""My work (the CSM's open tasks), task actions (htmx), a signal's evidence, and the risk settings page."""

import datetime as dt
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from tenure.accounts.models import Account
from tenure.accounts.services import owns_accounts
from tenure.form_errors import show_on_form
from tenure.risk import evidence, work
from tenure.risk import tasks as hand_tasks
from tenure.risk.forms import BulkTaskForm, CloseForm, RiskSettingsForm, SnoozeForm, TaskForm
from tenure.risk.models import PERSON_CLOSE_REASONS, Outcome, RiskSettings, Signal, Task
from tenure.risk.rows import task_row
from tenure.users.models import Role, User
from tenure.users.permissions import require_setup
from tenure.users.services import person_choices

SOON_DAYS = 14
WORK_FILTERS = ("owner", "due", "status", "page")
# Task counts stop here ("more than 10,000"): counting a whole company's queue would cost more than the page.
COUNT_CAP = 10_000


ID_SLOT = "__ID__"  # where a row's task id goes in the forms rendered once per page


def _task_forms(request, today: dt.date) -> str:
    """The snooze and close forms of an open task, rendered once for a whole page with ``__ID__`` where a row's
    task id goes (each row fills it in): the same HTML, without rendering the forms
    once per row."""
    slot = 987_654_321_987  # reversed as any id would be, then swapped for the slot
    snooze_url, close_url = (reverse(name, args=[slot]).replace(str(slot), ID_SLOT)
                             for name in ("risk:snooze", "risk:close"))
    return render_to_string("risk/_task_forms.html", {
        "task_id": ID_SLOT, "snooze_url": snooze_url, "close_url": close_url, "today": today,
        "snooze_default": today + dt.timedelta(days=7), **ACTION_CHOICES,
    }, request)


def _count_to(cap: int, tasks) -> int:
    """The number of tasks, or cap + 1 when there are more than cap: one index range of at most cap + 1 entries."""
    return tasks.order_by().values("due_on")[: cap + 1].count()  # a column the indexes hold: no table read

# Each row's close form lists the same options: rendered once, not once per row (a leader's page has many rows).
ACTION_CHOICES = {
    "reason_options": format_html_join("", '<option value="{}">{}</option>', PERSON_CLOSE_REASONS),
    "outcome_options": format_html_join("", '<option value="{}">{}</option>', Outcome.choices),
}


def my_work(request: HttpRequest) -> HttpResponse:
    """Open tasks grouped by account, the most pressing account first, a page of accounts at a time. A fixed
    handful of queries whatever the size of the queue (a leader's view covers everyone)."""
    user = request.user
    pooled = work.works_pooled_queue(user)
    owner = request.GET.get("owner", "")
    if not user.is_leader and not (pooled and owner == work.POOLED):
        owner = ""
    show_all = request.GET.get("due") == "all"
    snoozed = request.GET.get("status") == "snoozed"
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=SOON_DAYS)
    tasks = work.work_queue(user, owner, status="snoozed" if snoozed else "open")
    later = 0 if show_all else _count_to(COUNT_CAP, tasks.filter(due_on__gt=horizon))
    if not show_all:
        tasks = tasks.filter(due_on__lte=horizon)
    page, groups = work.work_by_account(tasks, request.GET.get("page"))
    forms = _task_forms(request, today) if user.can_write else ""
    for group in groups:
        for t in group.tasks:
            t.row = task_row(t, today=today, can_act=user.can_write, forms=forms.replace(ID_SLOT, str(t.pk)))
    csms = person_choices(User.objects.filter(Q(role=Role.CSM) | owns_accounts())) if user.is_leader else []
    query = urlencode({k: v for k, v in (("owner", owner), ("due", "all" if show_all else ""),
                                         ("status", "snoozed" if snoozed else "")) if v})
    return render(request, "risk/my_work.html", {
        "groups": groups, "page": page, "task_count": _count_to(COUNT_CAP, tasks), "count_cap": COUNT_CAP,
        "later": later, "show_all": show_all, "snoozed": snoozed,
        "assignable": [(str(u.pk), str(u)) for u in _bulk_owners(user)],
        "today": today, "horizon": horizon, "owner": owner, "csms": csms, "unassigned": work.UNASSIGNED,
        "pooled_key": work.POOLED, "works_pooled": pooled, "query": query, "can_act": user.can_write,
        "snooze_default": today + dt.timedelta(days=7), **ACTION_CHOICES,
    })


def _bulk_owners(user) -> list:
    """Who the bulk "give to" may name: a leader, anyone who writes; anyone else, no one but themselves (handing a
    task to an account's CSM is done task by task, where the account is known)."""
    return hand_tasks.may_assign(user, None) if user.can_write else []


def _task(pk: int) -> Task:
    return get_object_or_404(Task.objects.select_related("account", "owner", "signal", "play", "step", "contact"),
                             pk=pk)


def _row(request, task: Task, form=None, action: str = "", status: int = 200) -> HttpResponse:
    """The task's row again, for htmx to swap in: with its own forms and their errors when ``form`` failed."""
    today = timezone.localdate()
    if form is None:
        forms = _task_forms(request, today).replace(ID_SLOT, str(task.pk))
    else:
        forms = render_to_string("risk/_task_forms.html", {
            "task_id": task.pk, "snooze_url": reverse("risk:snooze", args=[task.pk]),
            "close_url": reverse("risk:close", args=[task.pk]), "form": form, "action": action, "today": today,
            "snooze_default": today + dt.timedelta(days=7), **ACTION_CHOICES,
        }, request)
    return HttpResponse(task_row(task, today=today, can_act=request.user.can_write, forms=forms), status=status)


def _act(request, pk: int, form_class, apply, done_message: str) -> HttpResponse:
    if not request.user.can_write:
        raise PermissionDenied("Read-only users cannot change tasks.")
    task = _task(pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            apply(task, form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if request.htmx:
                return _row(request, task)
            messages.success(request, done_message)
            return redirect("risk:my_work")
    if request.htmx:  # htmx swaps only 2xx answers: the row comes back with its errors
        return _row(request, task, form, form_class.__name__)
    messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("risk:my_work")


@require_POST
def snooze(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, SnoozeForm,
                lambda task, data: work.snooze_task(task, data["until"], by=request.user), "Task snoozed.")


@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, CloseForm,
                lambda task, data: work.close_task(task, data["reason"], data["outcome"], by=request.user,
                                                       note=data["note"]), "Task closed.")


def _task_page(request, account: Account, task: Task | None) -> HttpResponse:
    """Open a task by hand (``task`` None) or change one: the same form."""
    if not request.user.can_write:
        raise PermissionDenied("Read-only users cannot open or change tasks.")
    assignable = hand_tasks.may_assign(request.user, account)
    if task is None:
        initial = {"due_on": timezone.localdate() + dt.timedelta(days=3), "owner": request.user.pk}
    else:
        initial = {name: getattr(task, name) for name in ("title", "description", "due_on", "priority")}
        initial |= {"contact": task.contact_id, "owner": task.owner_id}
        if task.owner is not None and task.owner not in assignable:
            assignable = [*assignable, task.owner]  # shown as it is, even if this user could not give it to them
    form = TaskForm(request.POST or None, initial=initial, account=account, assignable=assignable)
    back = request.POST.get("next") or request.GET.get("next") or reverse("risk:my_work")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("risk:my_work")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if task is None:
                hand_tasks.create_task(account, by=request.user, **data)
                messages.success(request, f"Task opened on {account.name}.")
            else:
                changed = {k: v for k, v in data.items() if v != initial.get(k) and
                           not (k in ("contact", "owner") and getattr(v, "pk", v) == initial.get(k))}
                hand_tasks.edit_task(task, by=request.user, **changed)
                messages.success(request, "Task saved.")
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            return redirect(back)
    return render(request, "risk/task_form.html", {"form": form, "account": account, "task": task, "next": back},
                  status=400 if form.errors else 200)


def new_task(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("account") or request.POST.get("account") or ""
    account = get_object_or_404(Account, pk=int(raw)) if raw.isdigit() and int(raw) < 2**62 else None
    if account is None:
        raise Http404("Open a task from an account: its page or its group on My work.")
    return _task_page(request, account, None)


def edit_task(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(pk)
    if task.status == "done":
        messages.error(request, "A closed task cannot be changed.")
        return redirect("risk:my_work")
    return _task_page(request, task.account, task)


@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Snooze, close or give away the tasks ticked on My work: all of them or, when one is refused, none."""
    if not request.user.can_write:
        raise PermissionDenied("Read-only users cannot change tasks.")
    form = BulkTaskForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{form.fields[k].label or k}: {' '.join(v)}" if k in form.fields
                                          else " ".join(v) for k, v in form.errors.items()))
        return redirect(_back_to_work(request))
    data = form.cleaned_data
    owner = User.objects.filter(pk=data["owner"]).first() if data["owner"] else None
    try:
        done = hand_tasks.bulk_tasks(data["task_ids"], data["action"], by=request.user, until=data["until"],
                               reason=data["reason"], outcome=data["outcome"], note=data["note"], owner=owner)
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, f"Nothing was changed: {text}")
    else:
        verb = {"snooze": "snoozed", "close": "closed", "reassign": f"given to {owner}"}[data["action"]]
        messages.success(request, f"{len(done)} task{'s' if len(done) != 1 else ''} {verb}.")
    return redirect(_back_to_work(request))


def _back_to_work(request) -> str:
    """My work as it was (its filters and page), from the form's ``query``."""
    kept = urlencode([(k, v) for k, v in parse_qsl(request.POST.get("query", "")) if k in WORK_FILTERS])
    return reverse("risk:my_work") + (f"?{kept}" if kept else "")


def signal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    signal = get_object_or_404(Signal.objects.select_related("account"), pk=pk)
    tasks = list(Task.objects.filter(Q(signal=signal) | Q(run__signals=signal)).distinct()  # its play's too
                 .select_related("owner", "closed_by").order_by("status", "priority", "due_on", "pk"))
    figures = (signal.evidence or {}).get("numbers", {})
    numbers = [(evidence.label(k), evidence.value_text(k, v)) for k, v in figures.items()
               if not isinstance(v, list | dict)]
    records = [{**r, "kind": evidence.record_kind(r.get("model", ""))}
               for r in (signal.evidence or {}).get("records", [])]
    return render(request, "risk/signal_detail.html", {
        "signal": signal, "tasks": tasks, "numbers": numbers, "records": records,
        "quotes": (signal.evidence or {}).get("quotes", []),
        "lists": [(evidence.label(k), evidence.list_text(v)) for k, v in figures.items() if isinstance(v, list)],
    })


def risk_settings(request: HttpRequest) -> HttpResponse:
    require_setup(request, "change the signal settings")
    current = RiskSettings.load()
    form = RiskSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.updated_by = request.user
        obj.save()
        messages.success(request, "Risk settings saved; they apply from the next detection run.")
        return redirect(reverse("risk:settings"))
    return render(request, "risk/settings.html", {"form": form, "settings_row": current},
                  status=400 if request.method == "POST" else 200)
