"""Tasks a person owns: opened, changed and handed over by hand, one at a time or several at once. The automatic
work (plays, their steps, snoozing and closing) is tenure.risk.work's; these go through its doors."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tenure.accounts.models import Account
from tenure.risk.models import Task, TaskPriority, TaskStatus
from tenure.risk.work import _UNSET, _check_actor, close_task, open_task, snooze_task


def may_give(by, owner, account: Account | None) -> bool:
    """Whether ``by`` may give a task (on ``account``; None: any account) to ``owner``: a leader, to anyone who can
    change records; anyone else, to themselves or the account's CSM (handing a task to the account's owner is part
    of the job; to a colleague's book is a leader's call)."""
    if by.is_leader:
        return owner.can_write
    return owner.pk == by.pk or (account is not None and owner.pk == account.owner_id)


def may_assign(by, account: Account | None):
    """The people ``by`` may give a task on ``account`` to (``may_give``), by name."""
    from tenure.users.models import User

    people = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if not by.is_leader:  # at most themselves and the account's CSM: no need to read everyone
        people = people.filter(pk__in=[by.pk, account.owner_id if account is not None else by.pk])
    return [u for u in people if may_give(by, u, account)]


def _task_errors(account: Account, by, *, title=None, due_on=None, priority=None, contact=_UNSET,
                 owner=_UNSET) -> dict:
    errors = {}
    if title is not None and not title.strip():
        errors["title"] = "Say what is to be done."
    if title is not None and len(title) > 300:
        errors["title"] = "Keep the title under 300 characters: the details go in the description."
    if priority is not None and priority not in TaskPriority.values:
        errors["priority"] = f"Priority is one of {', '.join(str(v) for v in TaskPriority.values)} (1 is urgent)."
    if due_on is not None and not isinstance(due_on, dt.date):
        errors["due_on"] = "Due on a date."
    if contact is not _UNSET and contact is not None and contact.account_id != account.pk:
        errors["contact"] = f"{contact} is not a person of {account.name}."
    if owner is not _UNSET and owner is not None and not (owner.is_active and may_give(by, owner, account)):
        why = "they cannot change records" if by.is_leader else "you may give it to yourself or the account’s CSM"
        errors["owner"] = f"{owner} cannot take this task: {why}."
    return errors


def create_task(account: Account, *, by, title: str, due_on: dt.date | None = None,
                priority: int = TaskPriority.NORMAL, description: str = "", contact=None, owner=_UNSET) -> Task:
    """A task opened by a person, theirs unless they give it to someone they may (``may_assign``)."""
    if by is None or not by.can_write:
        raise PermissionDenied("Read-only users cannot open tasks.")
    owner = by if owner is _UNSET else owner
    errors = _task_errors(account, by, title=title, due_on=due_on, priority=priority, contact=contact, owner=owner)
    if errors:
        raise ValidationError(errors)
    return open_task(account, title=title.strip(), due_on=due_on, priority=priority, description=description.strip(),
                     owner=owner, contact=contact, created_by=by)


EDITABLE = ("title", "description", "due_on", "priority", "contact", "owner")


def edit_task(task: Task, *, by, **changes) -> Task:
    """Change an open or snoozed task's ``EDITABLE`` fields; giving it to someone else (``owner``) follows
    ``may_assign``. Automatic tasks may be edited too: the play only ever opens them."""
    _check_actor(task, by)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"These cannot be changed on a task: {', '.join(sorted(unknown))}.")
    if task.status == TaskStatus.DONE:
        raise ValidationError("A closed task cannot be changed.")
    errors = _task_errors(task.account, by, **{k: v for k, v in changes.items() if k != "description"})
    if "due_on" in changes and changes["due_on"] is None:
        errors["due_on"] = "A task needs a due day."
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(task, name, value.strip() if isinstance(value, str) else value)
    task.save(update_fields=[*changes, "updated_at"])
    return task


BULK_ACTIONS = ("snooze", "close", "reassign")


def bulk_tasks(task_ids, action: str, *, by, until: dt.date | None = None, reason: str = "", outcome: str = "",
               note: str = "", owner=None) -> list[Task]:
    """Snooze, close or reassign several tasks at once: all of them, or none when any one is refused (each is
    checked as the single-task action checks it)."""
    if action not in BULK_ACTIONS:
        raise ValidationError(f"Pick an action: {', '.join(BULK_ACTIONS)}.")
    ids = sorted({int(i) for i in task_ids})
    if not ids:
        raise ValidationError("Pick at least one task.")
    if action == "reassign" and owner is None:
        raise ValidationError("Pick who takes the tasks.")
    tasks = list(Task.objects.filter(pk__in=ids).select_related("account"))
    missing = sorted(set(ids) - {t.pk for t in tasks})
    if missing:
        raise ValidationError(f"No task with id {', '.join(map(str, missing))}.")
    with transaction.atomic():
        for task in tasks:
            try:
                if action == "snooze":
                    snooze_task(task, until, by=by)
                elif action == "close":
                    close_task(task, reason, outcome, by=by, note=note)
                else:
                    edit_task(task, by=by, owner=owner)
            except ValidationError as exc:
                raise ValidationError(f"“{task.title}” ({task.account.name}): {' '.join(exc.messages)}") from None
            except PermissionDenied as exc:
                raise PermissionDenied(f"“{task.title}” ({task.account.name}): {exc}") from None
    return tasks
