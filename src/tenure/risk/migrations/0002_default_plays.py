from django.db import migrations

from tenure.risk.plays import install_default_plays


def install(apps, schema_editor):
    install_default_plays(apps.get_model("risk", "Play"), apps.get_model("risk", "PlayStep"))


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
