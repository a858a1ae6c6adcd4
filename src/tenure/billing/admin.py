from django.contrib import admin

from tenure.billing import services
from tenure.billing.models import TRACKED_FIELDS, Subscription, SubscriptionChange


class HistoryInline(admin.TabularInline):
    model = SubscriptionChange
    extra = 0
    can_delete = False
    fields = ("effective_on", "status", "plan", "seats", "mrr", "currency", "end_date", "source", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("account", "plan", "seats", "mrr", "currency", "status", "start_date", "end_date")
    list_filter = ("status", "billing_period", "plan")
    search_fields = ("account__name", "external_id", "plan")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)
    inlines = [HistoryInline]

    def save_model(self, request, obj, form, change):
        # Through the service so the change lands in the history, dated today.
        if change:
            original = Subscription.objects.get(pk=obj.pk)
            changes = {f: getattr(obj, f) for f in ("external_id", *TRACKED_FIELDS)}
            services.update_subscription(original, source="admin", **changes)
            obj.refresh_from_db()
        else:
            fields = {f: getattr(obj, f) for f in ("account", "external_id", *TRACKED_FIELDS)}
            obj.pk = services.create_subscription(source="admin", **fields).pk
            obj.refresh_from_db()

    # A deleted subscription leaves its account's sort totals (billing.services.store_live_totals) behind.
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.store_live_totals([obj.account_id])

    def delete_queryset(self, request, queryset):
        accounts = set(queryset.values_list("account_id", flat=True))
        super().delete_queryset(request, queryset)
        services.store_live_totals(accounts)
