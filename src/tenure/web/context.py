def navigation(request):
    """Main navigation: the pages people use daily, then the set-up pages CS Ops use, under one menu."""
    items = [
        ("risk:my_work", "My work"),
        ("accounts:list", "Accounts"),
        ("health:overview", "Health"),
        ("metrics:retention", "Retention"),
        ("metrics:renewals", "Renewals"),
        ("metrics:book", "Book of business"),
        ("renewals:list", "Renewal motions"),
        ("surveys:overview", "Surveys"),
    ]
    setup = [
        ("integrations:import", "Import"),
        ("usage:setup", "Usage setup"),
        ("health:scorecards", "Scorecards"),
        ("risk:settings", "Signal settings"),
        ("accounts:assignment", "Assignment rules"),
        ("integrations:webhooks", "Webhooks"),
    ]
    return {"nav_items": items, "nav_setup": setup}
