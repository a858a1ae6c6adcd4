def navigation(request):
    """Main navigation; later rooms add their entries here."""
    items = [
        ("accounts:list", "Accounts"),
        ("integrations:import", "Import"),
        ("usage:setup", "Usage setup"),
        ("integrations:webhooks", "Webhooks"),
    ]
    return {"nav_items": items}
