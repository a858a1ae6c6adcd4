"""Fill the accounts' sort totals (Account.sort_*) for today, as billing.services.store_live_totals does."""

from django.db import migrations
from django.db.models import Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

LIVE_STATUSES = ("trialing", "active", "past_due")


def fill(apps, schema_editor):
    Account = apps.get_model("accounts", "Account")
    Subscription = apps.get_model("billing", "Subscription")
    today = timezone.localdate()
    live = (
        Subscription.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            status__in=LIVE_STATUSES,
            start_date__lte=today,
            account=OuterRef("pk"),
        )
        .order_by()
        .values("account")
    )
    Account.objects.update(
        sort_seats=Subquery(live.annotate(total=Sum("seats")).values("total")),
        sort_mrr=Subquery(live.annotate(total=Sum("mrr")).values("total")),
        sort_renewal=Subquery(live.annotate(first=Min("end_date")).values("first")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_account_sort_totals"),
        ("billing", "0002_change_timestamps_indexed"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
