from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from tenure.accounts.models import Account, Contact
from tenure.api_helpers import changes_from, get_or_404, require_writer, resolve
from tenure.risk import tasks, work
from tenure.risk.models import Driver, Signal, SignalKind, Task, TaskStatus
from tenure.risk.schemas import SignalOut, TaskBulk, TaskChange, TaskClose, TaskCreate, TaskOut, TaskSnooze
from tenure.users.models import User

signals_router = Router(tags=["signals"])
tasks_router = Router(tags=["tasks"])


class SignalFilters(Schema):
    account_id: int | None = None
    driver: Driver | None = None
    kind: SignalKind | None = None
    open: bool | None = None


@signals_router.get("", response=list[SignalOut])
@paginate
def list_signals(request, filters: Query[SignalFilters]):
    qs = Signal.objects.all()
    if filters.account_id:
        qs = qs.filter(account_id=filters.account_id)
    if filters.driver:
        qs = qs.filter(driver=filters.driver)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.open is not None:
        qs = qs.filter(resolved_on__isnull=filters.open)
    return qs.order_by("-first_detected_on", "-pk")


@signals_router.get("/{int:signal_id}", response=SignalOut)
def get_signal(request, signal_id: int):
    return get_or_404(Signal, signal_id)


class TaskFilters(Schema):
    account_id: int | None = None
    owner_id: int | None = None
    status: TaskStatus | None = None
    signal_id: int | None = None


@tasks_router.get("", response=list[TaskOut])
@paginate
def list_tasks(request, filters: Query[TaskFilters]):
    qs = Task.objects.select_related("run").prefetch_related("run__signals")
    for name in ("account_id", "owner_id", "status", "signal_id"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    return qs.order_by("priority", "due_on", "pk")


def _refused(call):
    try:
        return call()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


@tasks_router.post("", response={201: TaskOut})
def create_task(request, payload: TaskCreate):
    """Open a task by hand: yours, unless given to the account's CSM (or, by a leader, to anyone)."""
    require_writer(request)
    account = get_or_404(Account, payload.account_id)
    fields = {"title": payload.title, "description": payload.description, "due_on": payload.due_on,
              "priority": payload.priority, "contact": resolve(Contact, payload.contact_id, "contact_id")}
    if payload.owner_id is not None:
        fields["owner"] = resolve(User, payload.owner_id, "owner_id")
    return Status(201, _refused(lambda: tasks.create_task(account, by=request.auth, **fields)))


@tasks_router.patch("/{int:task_id}", response=TaskOut)
def change_task(request, task_id: int, payload: TaskChange):
    """Change what was sent: title, description, due day, priority, contact, or who does it."""
    require_writer(request)
    task = get_or_404(Task.objects.select_related("account"), task_id)
    changes = changes_from(payload)
    if "contact_id" in changes:
        changes["contact"] = resolve(Contact, changes.pop("contact_id"), "contact_id")
    if "owner_id" in changes:
        changes["owner"] = resolve(User, changes.pop("owner_id"), "owner_id")
    for name in ("title", "due_on", "priority"):
        if name in changes and changes[name] is None:
            raise HttpError(422, f"{name}: cannot be empty")
    _refused(lambda: tasks.edit_task(task, by=request.auth, **changes))
    return get_or_404(Task.objects.select_related("run").prefetch_related("run__signals"), task_id)


@tasks_router.post("/bulk", response=list[TaskOut])
def bulk_tasks(request, payload: TaskBulk):
    """Snooze, close or reassign several tasks: all of them, or none (the answer names the one refused)."""
    require_writer(request)
    owner = resolve(User, payload.owner_id, "owner_id")
    done = _refused(lambda: tasks.bulk_tasks(payload.task_ids, payload.action, by=request.auth, until=payload.until,
                                            reason=payload.reason or "", outcome=payload.outcome or "",
                                            note=payload.note, owner=owner))
    return list(Task.objects.filter(pk__in=[t.pk for t in done]).select_related("run")
                .prefetch_related("run__signals").order_by("pk"))


@tasks_router.get("/{int:task_id}", response=TaskOut)
def get_task(request, task_id: int):
    return get_or_404(Task.objects.select_related("run").prefetch_related("run__signals"), task_id)


@tasks_router.post("/{int:task_id}/snooze", response=TaskOut)
def snooze_task(request, task_id: int, payload: TaskSnooze):
    require_writer(request)
    try:
        return work.snooze_task(get_or_404(Task, task_id), payload.until, by=request.auth)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


@tasks_router.post("/{int:task_id}/close", response=TaskOut)
def close_task(request, task_id: int, payload: TaskClose):
    require_writer(request)
    try:
        return work.close_task(get_or_404(Task, task_id), payload.reason, payload.outcome, by=request.auth,
                                   note=payload.note)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
