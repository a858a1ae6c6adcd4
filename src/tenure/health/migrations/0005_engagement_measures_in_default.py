"""The default scorecard gains the knowledge-engagement and community-engagement measures (weight 5 each; unknown,
so their weight is shared, for an account whose people never used the help centre or the community).

Only a default scorecard still as Tenure first wrote it (migration 0002) gets the new version: one that a person
changed keeps what they decided, and can add the measures in the scorecard editor."""

from django.db import migrations

# The default as migration 0002 wrote it before these measures (new databases start with them: 0002 writes today's).
ORIGINAL = {'thresholds': {'red': 50, 'green': 75},
 'measures': [{'key': 'license_utilization',
               'weight': 15,
               'mapping': {'type': 'linear', 'zero': 10, 'full': 70}},
              {'key': 'active_user_trend',
               'weight': 15,
               'mapping': {'type': 'linear', 'zero': -50, 'full': 10}},
              {'key': 'key_feature_breadth',
               'weight': 10,
               'mapping': {'type': 'linear', 'zero': 0, 'full': 80}},
              {'key': 'days_since_activity',
               'weight': 10,
               'mapping': {'type': 'bands', 'bands': [[3, 100], [7, 85], [14, 60], [30, 30]], 'else': 0}},
              {'key': 'open_high_tickets',
               'weight': 10,
               'mapping': {'type': 'bands', 'bands': [[0, 100], [1, 65], [2, 35]], 'else': 10}},
              {'key': 'oldest_open_ticket',
               'weight': 5,
               'mapping': {'type': 'bands', 'bands': [[7, 100], [14, 75], [30, 45], [60, 20]], 'else': 0}},
              {'key': 'sentiment', 'weight': 15, 'mapping': {'type': 'linear', 'zero': 20, 'full': 90}},
              {'key': 'sponsor_engagement',
               'weight': 20,
               'mapping': {'type': 'bands', 'bands': [[30, 100], [60, 75], [90, 45], [180, 15]], 'else': 0}},
              {'key': 'renewal_proximity',
               'weight': 15,
               'mapping': {'type': 'linear', 'zero': 180, 'full': 30}}]}

ADDED = [
    {"key": "knowledge_engagement", "weight": 5, "mapping": {"type": "linear", "zero": 0, "full": 20}},
    {"key": "community_engagement", "weight": 5, "mapping": {"type": "linear", "zero": 0, "full": 10}},
]


def with_engagement(definition: dict) -> dict:
    measures = [m for m in definition["measures"] if m["key"] != "renewal_proximity"]
    modifiers = [m for m in definition["measures"] if m["key"] == "renewal_proximity"]
    return {**definition, "measures": measures + ADDED + modifiers}


def add_measures(apps, schema_editor):
    Scorecard = apps.get_model("health", "Scorecard")
    ScorecardVersion = apps.get_model("health", "ScorecardVersion")
    card = Scorecard.objects.filter(segment="", stage="").first()
    latest = ScorecardVersion.objects.filter(scorecard=card).order_by("-number").first() if card else None
    if latest is None or latest.definition != ORIGINAL:
        return
    ScorecardVersion.objects.create(scorecard=card, number=latest.number + 1, definition=with_engagement(ORIGINAL),
                                    note="Tenure's default scorecard, with knowledge and community engagement")


class Migration(migrations.Migration):
    dependencies = [("health", "0004_weight_suggestion")]
    operations = [migrations.RunPython(add_measures, migrations.RunPython.noop)]
