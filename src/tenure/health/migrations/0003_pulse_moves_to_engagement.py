# The pulse now belongs to the engagement room (same table, health_pulse); only Django's state changes here.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('health', '0002_default_scorecard'),
        ('engagement', '0005_pulse_moves_here'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Pulse')],
            database_operations=[],
        ),
    ]
