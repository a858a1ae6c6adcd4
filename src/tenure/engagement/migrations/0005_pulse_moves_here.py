# The CSM's pulse moves from the health room to engagement (below the facts layer that reads it); the table stays.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('engagement', '0004_change_timestamps_indexed'),
        ('health', '0002_default_scorecard'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Pulse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('rating', models.CharField(choices=[('green', 'Green: going well'), ('yellow', 'Yellow: some concerns'), ('red', 'Red: at risk')], max_length=8)),
                        ('comment', models.TextField(blank=True, default='')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pulses', to='accounts.account')),
                        ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'health_pulse',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['account', 'created_at'], name='health_puls_account_e02b8a_idx'), models.Index(fields=['created_at'], name='health_puls_created_60d51a_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
