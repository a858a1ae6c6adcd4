"""The accounts list's table cells: one ``<td>`` per column of ``tenure.accounts.columns`` for one account.

Written in Python rather than by a template branch per column: a page of 50 rows × a dozen columns in the template
language cost most of the list's time at 100,000 accounts (issue 13). Plain f-strings with the standard library's
escape for the texts a person typed (names, domains, owners): Django's format_html per cell cost more than the rest
of the row.
"""

import datetime as dt
from html import escape

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from tenure.accounts.models import LifecycleStage
from tenure.health.models import Band
from tenure.web.templatetags.tenure_web import money

# Labels by value, read once: a model's get_…_display() normalises its field's choices on every call.
_STAGES, _BANDS = dict(LifecycleStage.choices), dict(Band.choices)

_NONE = '<span class="muted">—</span>'


def _td(value) -> str:
    return f"<td>{escape(value)}</td>" if value else "<td>—</td>"


def _num(value) -> str:
    return f'<td class="num">{value}</td>'


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _date(day: dt.date) -> str:
    """Django's "j M Y" (3 Jun 2026), as the rest of the site writes days, without its formatter per cell."""
    return f"{day.day} {_MONTHS[day.month]} {day.year}"


def _time(day: dt.date | None, none: str = _NONE) -> str:
    return f'<td><time datetime="{day.isoformat()}">{_date(day)}</time></td>' if day else f"<td>{none}</td>"


def _percent(ratio: float) -> int:
    return round(ratio * 100)


def _name(a, f, today, url):
    domain = f'<div class="muted small">{escape(a.domain)}</div>' if a.domain else ""
    return f'<td><a class="account-name" href="{url}">{escape(a.name)}</a>{domain}</td>'


def _owner(a, f, today, url):
    if a.owner:
        return f"<td>{escape(str(a.owner))}</td>"
    if a.coverage == "pooled":
        return '<td><span class="muted">Tech touch (pooled)</span></td>'
    return '<td><span class="muted">Unassigned</span></td>'


def _renewal(a, f, today, url):
    day = a.next_renewal
    if not day or day >= today:
        return _time(day)
    return (f'<td><time datetime="{day.isoformat()}" class="overdue" title="Renewal date has passed">'
            f'{_date(day)}</time><span class="visually-hidden"> (passed)</span></td>')


def _days_to_renewal(a, f, today, url):
    days = a.renewal_days
    if days is None:
        return _num(_NONE)
    if days < 0:
        return f'<td class="num"><span class="overdue" title="Renewal date has passed">{days}</span></td>'
    warn = ' class="warn-text"' if days <= 30 else ""
    return f'<td class="num"><span{warn}>{days}</span></td>'


def _score(a, f, today, url):
    """The health score in its band's colour, with the week's move beside it."""
    health = getattr(a, "health", None)
    if health is None or health.score is None:
        return f'<td class="num score-cell">{_NONE}</td>'
    change = health.change
    if change is None:
        move = ""
    elif change >= 3:
        n = floatformat(change, 0)
        move = (f'<span class="up" title="up {n} in a week" aria-hidden="true">▲</span>'
                f'<span class="visually-hidden"> up {n} in a week</span>')
    elif change <= -3:
        n = floatformat(abs(change), 0)
        move = (f'<span class="down" title="down {n} in a week" aria-hidden="true">▼</span>'
                f'<span class="visually-hidden"> down {n} in a week</span>')
    else:
        move = ('<span class="muted" title="within 3 points of last week" aria-hidden="true">▬</span>'
                '<span class="visually-hidden"> within 3 points of last week</span>')
    since = f"{health.day.day} {_MONTHS[health.day.month]}"
    return (f'<td class="num score-cell"><span class="pill band-{escape(health.band)}" title="'
            f'{escape(_BANDS.get(health.band, health.band))} since the {since} score">'
            f'{floatformat(health.score, 0)}</span>{move}</td>')


def _churn(a, f, today, url):
    prediction = getattr(a, "churn_prediction", None)
    if prediction is None:
        return _num(_NONE)
    p = prediction.probability
    tone = "down" if p >= 0.3 else "warn-text" if p >= 0.1 else "muted"
    return (f'<td class="num"><a href="{url}#churn-risk" class="{tone}" title="Probability of churning within the '
            f"model's horizon\">{p * 100:.0f}%</a></td>")


def _trend(a, f, today, url):
    trend = f.active_user_trend
    if trend is None:
        return _num(_NONE)
    said = f"{f.active_users_before} → {f.active_users} active users"
    if trend > 0.05:
        return f'<td class="num"><span class="up" title="{said}">▲ {_percent(trend)}%</span></td>'
    if trend < -0.05:
        return f'<td class="num"><span class="down" title="{said}">▼ {_percent(abs(trend))}%</span></td>'
    return f'<td class="num"><span class="muted" title="{said}">▬ flat</span></td>'


def _urgent_tickets(a, f, today, url):
    if not f.open_high_tickets:
        return '<td class="num"><span class="muted">0</span></td>'
    return f'<td class="num"><a class="down" href="{url}#tickets">{f.open_high_tickets}</a></td>'


_CELLS = {
    "name": _name,
    "domain": lambda a, f, today, url: _td(a.domain),
    "crm_id": lambda a, f, today, url: _td(a.crm_id),
    "industry": lambda a, f, today, url: _td(a.industry),
    "segment": lambda a, f, today, url: _td(a.segment),
    "stage": lambda a, f, today, url: (f'<td><span class="pill stage-{escape(a.stage)}">'
                                       f"{escape(_STAGES.get(a.stage, a.stage))}</span></td>"),
    "owner": _owner,
    "seats": lambda a, f, today, url: _num(money(a.live_seats)),
    "mrr": lambda a, f, today, url: _num(money(a.live_mrr)),
    "arr": lambda a, f, today, url: _num(money(a.live_arr)),
    "renewal": _renewal,
    "days_to_renewal": _days_to_renewal,
    "customer_since": lambda a, f, today, url: (f'<td><time datetime="{f.customer_since.isoformat()}">'
                                                f"{_MONTHS[f.customer_since.month]} {f.customer_since.year}</time></td>"
                                                if f.customer_since else f"<td>{_NONE}</td>"),
    "score": _score,
    "churn": _churn,
    "utilization": lambda a, f, today, url: _num(_NONE if f.utilization is None else f"{_percent(f.utilization)}%"),
    "active_users": lambda a, f, today, url: _num(f.active_users if f.usage_tracked else _NONE),
    "trend": _trend,
    "last_active": lambda a, f, today, url: _time(f.last_active_on),
    "urgent_tickets": _urgent_tickets,
    "last_touch": lambda a, f, today, url: _time(f.last_touch_on, none='<span class="muted">never</span>'),
    "key_person_touch": lambda a, f, today, url: _time(f.key_person_last_touched_on),
    "sentiment": lambda a, f, today, url: _num(_NONE if f.sentiment is None else floatformat(f.sentiment, 0)),
}


_SLOT = 987_654_321


def account_urls():
    """The account page's address for an id: reversed once, then filled in per row (a reverse per row cost more
    than the row's cells)."""
    head, tail = reverse("accounts:detail", args=[_SLOT]).split(str(_SLOT))
    return lambda pk: f"{head}{pk}{tail}"


def html_cells(columns, account, facts, today: dt.date, url_of=None) -> SafeString:
    """One row of the accounts table: a ``<td>`` per column (``account`` with its live totals set by the list,
    ``facts`` its loaded account facts, None when the columns read none; ``url_of``: ``account_urls()``, made
    once per page)."""
    url = (url_of or account_urls())(account.pk)
    return mark_safe("".join(_CELLS[c.key](account, facts, today, url) for c in columns))
