"""The plays Tenure ships: key, name, the signal kinds that start it, and its steps (days after the start when
the step is due, title, description, and for a play that prepares an event — a renewal — the days before the
event). Admins change or add plays in the admin; these are installed by the risk room's data migrations (and
again if the table is ever empty). ``due_dates`` is the one rule that dates a run's steps."""

from __future__ import annotations

import datetime as dt

DEFAULT_PLAYS = [
    {
        "key": "usage-drop", "name": "Usage drop",
        "description": "Active users or a key feature fell away: find out why before it shows at the renewal.",
        "trigger_kinds": ["active_users_drop", "key_feature_abandoned"],
        "steps": [
            (0, "Review the usage evidence", "Which teams and features dropped, since when? Note it on the timeline."),
            (3, "Call the champion about the drop", "What changed: people, priorities, a problem with the product?"),
            (10, "Run a re-enablement session", "Show the teams that stopped the workflows they used; fix blockers."),
            (30, "Check usage recovered", "Compare active users with before the drop; escalate if still down."),
        ],
    },
    {
        "key": "sponsor-left", "name": "Sponsor left",
        "description": "The executive sponsor or champion left: find and win over their successor.",
        "trigger_kinds": ["sponsor_left", "champion_left"],
        "steps": [
            (0, "Confirm who takes over", "Ask the remaining contacts who now owns the decision and the budget."),
            (7, "Meet the new decision maker", "Introduce yourself and the goals the account bought the product for."),
            (14, "Re-present the value delivered", "Outcomes and numbers since the start, in their language."),
            (30, "Record the new sponsor", "Mark the successor's role on the contact so the signal resolves."),
        ],
    },
    {
        "key": "renewal-90", "name": "Renewal in 90 days",
        "description": "A subscription ends within 90 days: make the renewal a formality. Applied by the renewals "
        "room to each open renewal; its steps are due before the renewal date.",
        "trigger_kinds": ["renewal_due"],
        "steps": [
            (0, "Review the account before the renewal", "Health, usage, open tickets and risks: what could stop it?",
             90),
            (14, "Hold a value review with the sponsor", "Outcomes achieved, plans for next year, any concerns.", 75),
            (45, "Send the renewal proposal", "Seats and plan that fit their use; agree the paperwork path.", 45),
            (75, "Confirm the renewal decision", "Chase signatures; escalate any blocker to your leader.", 15),
        ],
    },
    {
        "key": "expansion", "name": "Expansion",
        "description": "Active users are at or above the seats bought: an expansion conversation is due.",
        "trigger_kinds": ["expansion_ready"],
        "steps": [
            (0, "Confirm the demand with the champion", "Which teams want more seats or modules, and when?"),
            (7, "Hand the opportunity to the account executive", "Share the utilization evidence and contacts."),
            (21, "Follow up on the proposal", "Check the customer received and understood it."),
        ],
    },
    {
        "key": "onboarding-stalled", "name": "Onboarding stalled",
        "description": "The customer is still onboarding long after the start and few people use the product.",
        "trigger_kinds": ["onboarding_stalled", "milestone_overdue"],
        "steps": [
            (0, "Find the blocker with the admin", "Integration, data, people or priorities: what is in the way?"),
            (5, "Re-plan the onboarding milestones", "Agree dates and owners with the customer's admin."),
            (14, "Run a training session", "For the teams that have not started yet."),
            (30, "Check adoption reached the target", "Utilization above the low-utilization threshold?"),
        ],
    },
]


def install_default_plays(Play, PlayStep) -> int:
    """Create the shipped plays that do not exist yet (by key); takes the model classes (works in migrations)."""
    created = 0
    # An early migration's PlayStep has no days before the event yet: date_steps_before_events fills them later.
    dated = any(f.name == "days_before_event" for f in PlayStep._meta.get_fields())
    for spec in DEFAULT_PLAYS:
        play, new = Play.objects.get_or_create(
            key=spec["key"],
            defaults={"name": spec["name"], "description": spec["description"], "trigger_kinds": spec["trigger_kinds"]},
        )
        if new:
            created += 1
            PlayStep.objects.bulk_create(
                PlayStep(play=play, order=i, title=step[1], description=step[2], due_offset_days=step[0],
                         **({"days_before_event": step[3] if len(step) > 3 else None} if dated else {}))
                for i, step in enumerate(spec["steps"])
            )
    return created


def date_steps_before_events(Play, PlayStep) -> int:
    """Give the shipped event plays' existing steps their days before the event (where none is set yet)."""
    changed = 0
    for spec in DEFAULT_PLAYS:
        for order, step in enumerate(spec["steps"]):
            if len(step) > 3:
                changed += PlayStep.objects.filter(play__key=spec["key"], order=order,
                                                   days_before_event__isnull=True).update(days_before_event=step[3])
    return changed


def due_dates(steps: list[tuple[int, int | None]], started_on: dt.date,
              event_on: dt.date | None = None) -> list[dt.date]:
    """The due day of each step of a run, in order; ``steps`` are (days after the start, days before the event).

    A play that prepares an event (every step has days before it, and the run has the event's day) is dated back
    from the event; when the run starts later than its first step's lead time, the lead times shrink in
    proportion, so the first step is due the day the run starts and the last still before the event (never after
    it; on the event's day only when the run starts that day). Other plays are dated from the start."""
    if event_on is None or not steps or any(before is None for _, before in steps):
        return [started_on + dt.timedelta(days=after) for after, _ in steps]
    days_left = (event_on - started_on).days
    if days_left <= 0:
        return [started_on for _ in steps]
    lead = max(before for _, before in steps) or 1
    scale = min(1.0, days_left / lead)
    return [event_on - dt.timedelta(days=min(days_left, max(1, round(before * scale)))) for _, before in steps]
