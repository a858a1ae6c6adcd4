import datetime as dt

from ninja import Schema

from tenure.risk.models import CloseReason, Driver, Outcome, SignalKind, TaskStatus


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


    @staticmethod
    def resolve_signal_ids(obj) -> list[int]:
        """Every signal of the task's play run (all the signals of its driver), else its own signal."""
        if obj.run_id:
            return sorted(s.pk for s in obj.run.signals.all())
        return [obj.signal_id] if obj.signal_id else []


class TaskSnooze(Schema):
    until: dt.date


class TaskClose(Schema):
    reason: CloseReason
    outcome: Outcome
    note: str = ""
