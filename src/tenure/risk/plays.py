"""The plays Tenure ships: key, name, the signal kinds that start it, and its steps (title, description, days
after the start when the step is due). Admins change or add plays in the admin; these are installed by the
risk room's data migration (and again if the table is ever empty)."""

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
        "description": "A subscription ends within 90 days: make the renewal a formality.",
        "trigger_kinds": ["renewal_due"],
        "steps": [
            (0, "Review the account before the renewal", "Health, usage, open tickets and risks: what could stop it?"),
            (14, "Hold a value review with the sponsor", "Outcomes achieved, plans for next year, any concerns."),
            (45, "Send the renewal proposal", "Seats and plan that fit their use; agree the paperwork path."),
            (75, "Confirm the renewal decision", "Chase signatures; escalate any blocker to your leader."),
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
    for spec in DEFAULT_PLAYS:
        play, new = Play.objects.get_or_create(
            key=spec["key"],
            defaults={"name": spec["name"], "description": spec["description"], "trigger_kinds": spec["trigger_kinds"]},
        )
        if new:
            created += 1
            PlayStep.objects.bulk_create(
                PlayStep(play=play, order=i, title=title, description=text, due_offset_days=offset)
                for i, (offset, title, text) in enumerate(spec["steps"])
            )
    return created
