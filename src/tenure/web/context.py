def navigation(request):
    """Main navigation; later rooms add their entries here."""
    items = [
        ("accounts:list", "Accounts"),
        ("integrations:import", "Import"),
    ]
    return {"nav_items": items}
