import datetime as dt
from typing import Literal

from ninja import Field, Schema

from tenure.risk.models import CloseReason, Driver, Outcome, SignalKind, TaskPriority, TaskStatus


class SignalOut(Schema):
    id: int
    account_id: int
    driver: Driver
    kind: SignalKind
    subject: str
    severity: str
    title: str
    evidence: dict
    first_detected_on: dt.date
    last_seen_on: dt.date
    resolved_on: dt.date | None


class TaskOut(Schema):
    id: int
    account_id: int
    owner_id: int | None
    signal_id: int | None
    play_id: int | None
    step_id: int | None
    run_id: int | None
    signal_ids: list[int]
    title: str
    description: str
    priority: int
    due_on: dt.date
    status: TaskStatus
    snoozed_until: dt.date | None
    closed_at: dt.datetime | None
    closed_by_id: int | None
    close_reason: str
    outcome: str
    close_note: str
    created_by_rule: str
    created_by_id: int | None
    contact_id: int | None


    @staticmethod
    def resolve_signal_ids(obj) -> list[int]:
        """Every signal of the task's play run (all the signals of its driver), else its own signal."""
        if obj.run_id:
            return sorted(s.pk for s in obj.run.signals.all())
        return [obj.signal_id] if obj.signal_id else []


class TaskCreate(Schema):
    account_id: int
    title: str = Field(max_length=300)
    description: str = ""
    due_on: dt.date | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    contact_id: int | None = None
    owner_id: int | None = Field(None, description="Who does it; yourself when left out.")


class TaskChange(Schema):
    title: str | None = Field(None, max_length=300)
    description: str | None = None
    due_on: dt.date | None = None
    priority: TaskPriority | None = None
    contact_id: int | None = None
    owner_id: int | None = None


class TaskBulk(Schema):
    task_ids: list[int] = Field(min_length=1, max_length=500)
    action: Literal["snooze", "close", "reassign"]
    until: dt.date | None = Field(None, description="snooze: the day the tasks come back")
    reason: CloseReason | None = Field(None, description="close: why")
    outcome: Outcome | None = Field(None, description="close: the outcome")
    note: str = ""
    owner_id: int | None = Field(None, description="reassign: who takes them")


class TaskSnooze(Schema):
    until: dt.date


class TaskClose(Schema):
    reason: CloseReason
    outcome: Outcome
    note: str = ""
