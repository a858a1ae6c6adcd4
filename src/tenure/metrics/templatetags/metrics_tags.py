from django import template

register = template.Library()


@register.filter
def percent(value, places: int = 1) -> str:
    """0.1234 -> '12.3%'; None or NaN -> an em dash."""
    if value is None or value == "" or value != value:
        return "—"
    return f"{float(value) * 100:.{int(places)}f}%"
