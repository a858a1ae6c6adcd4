from django.db import migrations, models

FIELD = models.BooleanField(
    default=False,
    help_text="Anyone with an email at this account's domain may sign in to the customer portal; a contact is "
              "created for them on their first sign-in.",
    verbose_name="portal sign-up by domain",
)


def _field():
    field = FIELD.clone()
    field.set_attributes_from_name("portal_domain_sign_up")
    return field


def add_column(apps, schema_editor):
    # Django's SQLite AddField of a NOT NULL column rebuilds the table with every index of the model, and the
    # PostgreSQL-only NULLS LAST indexes of 0006 cannot be built there: SQLite adds the column in place instead.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute('ALTER TABLE "accounts_account" ADD COLUMN "portal_domain_sign_up" bool NOT NULL '
                              "DEFAULT 0")
    else:
        schema_editor.add_field(apps.get_model("accounts", "Account"), _field())


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute('ALTER TABLE "accounts_account" DROP COLUMN "portal_domain_sign_up"')
    else:
        schema_editor.remove_field(apps.get_model("accounts", "Account"), _field())


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0008_saved_views"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name="account", name="portal_domain_sign_up", field=FIELD)],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
    ]
