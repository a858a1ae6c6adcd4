"""A task's row on My work (and the row an htmx action sends back): written in Python, not by a template included
once per task, which cost most of a page of fifty tasks (issue 13: pages at 100,000 accounts)."""

import datetime as dt
from html import escape

from django.template.defaultfilters import date as date_format
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from tenure.risk.models import Task

_NONE = '<span class="muted">—</span>'


def _due(t: Task, today: dt.date) -> str:
    if t.status == "open":
        late = t.due_on < today
        mark = ' class="overdue"' if late else ""
        return (f'<time datetime="{t.due_on.isoformat()}"{mark}>{date_format(t.due_on, "j M Y")}</time>'
                + ('<div class="small overdue">overdue</div>' if late else ""))
    if t.status == "snoozed":
        return f'<span class="muted">Snoozed until {date_format(t.snoozed_until, "j M Y")}</span>'
    return (f'<span class="muted">Closed: {escape(t.get_close_reason_display() or "")} · '
            f"{escape(t.get_outcome_display() or '')}</span>")


def _task(t: Task, can_act: bool) -> str:
    parts = [f'<span class="strong">{escape(t.title)}</span>']
    if t.play_id:
        step = f", step {t.step.order + 1}" if t.step_id else ""
        parts.append(f'<div class="muted small">Play: {escape(t.play.name)}{step}</div>')
    if t.description:
        parts.append(f'<div class="small">{escape(t.description)}</div>')
    if t.contact_id:
        parts.append(f'<div class="muted small">About {escape(t.contact.name)}</div>')
    if can_act and t.status != "done":
        parts.append(f' <a class="small" href="{reverse("risk:edit_task", args=[t.pk])}">Change</a>')
    return "".join(parts)


def _signal(t: Task) -> str:
    s = t.signal
    if s is None:
        return _NONE
    resolved = ' <span class="muted small">(resolved)</span>' if s.resolved_on else ""
    return (f'<span class="pill driver-{escape(s.driver)}">{escape(s.get_driver_display())}</span> '
            f'<a href="{reverse("risk:signal", args=[s.pk])}">{escape(s.title)}</a>{resolved}')


def task_row(t: Task, *, today: dt.date, can_act: bool, forms: str = "") -> SafeString:
    """``t`` with its account, signal, play, step and contact loaded; ``forms``: its snooze and close forms, shown
    while it is not done and the person may act."""
    faded = ' class="faded"' if t.status != "open" else ""
    priority = t.get_priority_display()
    cells = [f'<tr id="task-{t.pk}"{faded}>']
    if can_act:
        tick = (f'<input type="checkbox" name="task_ids" value="{t.pk}" form="bulk-form" '
                f'aria-label="Tick “{escape(t.title)}”">' if t.status != "done" else "")
        cells.append(f"<td>{tick}</td>")
    cells.append(f'<td><span class="pill priority-{escape(priority.lower())}">{escape(priority)}</span></td>')
    cells.append(f"<td>{_due(t, today)}</td><td>{_task(t, can_act)}</td><td>{_signal(t)}</td>")
    if can_act:
        cells.append(f"<td>{forms if t.status != 'done' else ''}</td>")
    cells.append("</tr>")
    return mark_safe("".join(cells))
