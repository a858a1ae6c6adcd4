"""The default scorecard a CS team starts with (see tenure/health/measures.py for what each measure reads)."""

from django.db import migrations

DEFINITION = {
    "thresholds": {
        "red": 50,
        "green": 75
    },
    "measures": [
        {
            "key": "license_utilization",
            "weight": 15,
            "mapping": {
                "type": "linear",
                "zero": 10,
                "full": 70
            }
        },
        {
            "key": "active_user_trend",
            "weight": 15,
            "mapping": {
                "type": "linear",
                "zero": -50,
                "full": 10
            }
        },
        {
            "key": "key_feature_breadth",
            "weight": 10,
            "mapping": {
                "type": "linear",
                "zero": 0,
                "full": 80
            }
        },
        {
            "key": "days_since_activity",
            "weight": 10,
            "mapping": {
                "type": "bands",
                "bands": [
                    [
                        3,
                        100
                    ],
                    [
                        7,
                        85
                    ],
                    [
                        14,
                        60
                    ],
                    [
                        30,
                        30
                    ]
                ],
                "else": 0
            }
        },
        {
            "key": "open_high_tickets",
            "weight": 10,
            "mapping": {
                "type": "bands",
                "bands": [
                    [
                        0,
                        100
                    ],
                    [
                        1,
                        65
                    ],
                    [
                        2,
                        35
                    ]
                ],
                "else": 10
            }
        },
        {
            "key": "oldest_open_ticket",
            "weight": 5,
            "mapping": {
                "type": "bands",
                "bands": [
                    [
                        7,
                        100
                    ],
                    [
                        14,
                        75
                    ],
                    [
                        30,
                        45
                    ],
                    [
                        60,
                        20
                    ]
                ],
                "else": 0
            }
        },
        {
            "key": "sentiment",
            "weight": 15,
            "mapping": {
                "type": "linear",
                "zero": 20,
                "full": 90
            }
        },
        {
            "key": "sponsor_engagement",
            "weight": 20,
            "mapping": {
                "type": "bands",
                "bands": [
                    [
                        30,
                        100
                    ],
                    [
                        60,
                        75
                    ],
                    [
                        90,
                        45
                    ],
                    [
                        180,
                        15
                    ]
                ],
                "else": 0
            }
        },
        {
            "key": "knowledge_engagement",
            "weight": 5,
            "mapping": {
                "type": "linear",
                "zero": 0,
                "full": 20
            }
        },
        {
            "key": "community_engagement",
            "weight": 5,
            "mapping": {
                "type": "linear",
                "zero": 0,
                "full": 10
            }
        },
        {
            "key": "renewal_proximity",
            "weight": 15,
            "mapping": {
                "type": "linear",
                "zero": 180,
                "full": 30
            }
        }
    ]
}


def create_default(apps, schema_editor):
    Scorecard = apps.get_model("health", "Scorecard")
    ScorecardVersion = apps.get_model("health", "ScorecardVersion")
    card, _ = Scorecard.objects.get_or_create(segment="", stage="", defaults={"name": "Default"})
    if not ScorecardVersion.objects.filter(scorecard=card).exists():
        ScorecardVersion.objects.create(scorecard=card, number=1, definition=DEFINITION,
                                        note="Tenure's default scorecard")


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
