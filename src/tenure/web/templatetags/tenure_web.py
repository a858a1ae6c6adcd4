"""Template helpers the shared layout and every room's pages use."""

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def money(value, places: int = 0) -> str:
    """1234.5 -> '1,235'; None -> an em dash, so empty cells read as empty rather than zero."""
    if value is None or value == "":
        return "—"
    if not places and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        # Whole units, as floatformat rounds them (half up), without its locale machinery: a list page shows
        # hundreds of these.
        exact = Decimal(repr(value) if isinstance(value, float) else value)
        if exact.is_finite() and abs(exact) < _LARGE:  # beyond: the context's precision, floatformat's own way
            whole = exact.quantize(_UNIT, ROUND_HALF_UP)
            return f"{whole:,}" if whole else "0"
    return floatformat(value, f"{int(places)}g")


_UNIT, _LARGE = Decimal(1), Decimal(10**15)


@register.filter
def magnitude(value):
    """How big a change is, without its sign (-4 -> 4), for text beside an arrow or a word that already says which
    way: "▼ 4", "down 4", never "▼ -4". None stays None."""
    if value is None or value == "":
        return value
    return abs(value)


_SELECTED = mark_safe(" selected")


@register.simple_tag
def options(choices, value) -> str:
    """The <option> elements of a select over ``choices`` ((value, label) pairs), ``value`` selected: one join in
    Python, where a form widget renders a template per option (a list of a hundred CSMs cost milliseconds)."""
    chosen = "" if value is None else str(value)
    return mark_safe("".join(f'<option value="{escape(str(v))}"{_SELECTED if str(v) == chosen else ""}>'
                             f"{conditional_escape(label)}</option>" for v, label in choices))

