from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from tenure.api_helpers import get_or_404, require_writer
from tenure.risk import work
from tenure.risk.models import Driver, Signal, SignalKind, Task, TaskStatus
from tenure.risk.schemas import SignalOut, TaskClose, TaskOut, TaskSnooze

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
