"""What a CRM is told back, opt-in per connection: each linked account's health score, band and churn probability,
as they are now (read from the health and predict rooms' current rows)."""

from __future__ import annotations

from tenure.connectors.models import Connection, SourceLink
from tenure.health.models import AccountHealth
from tenure.predict.models import ChurnPrediction


def scores_for_links(connection: Connection, object_type: str) -> list[tuple[str, int | None, str, float | None]]:
    """(source id, score rounded, band, churn probability) for every record of ``object_type`` linked to an account;
    None or "" where Tenure has no score or prediction yet."""
    source_of = dict(SourceLink.objects.filter(connection=connection, object_type=object_type)
                     .values_list("record_id", "source_id"))
    health = dict((h[0], h[1:]) for h in AccountHealth.objects.filter(account_id__in=list(source_of))
                  .values_list("account_id", "score", "band"))
    churn = dict(ChurnPrediction.objects.filter(account_id__in=list(source_of))
                 .values_list("account_id", "probability"))
    rows = []
    for account_id, source_id in sorted(source_of.items()):
        score, band = health.get(account_id, (None, ""))
        probability = churn.get(account_id)
        rows.append((source_id, None if score is None else round(score), band or "",
                     None if probability is None else round(probability, 3)))
    return rows
