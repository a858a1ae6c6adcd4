from django.contrib import admin

from tenure.risk.models import Play, PlayStep, RiskSettings, Signal, Task


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin):
    list_display = ("title", "account", "driver", "kind", "severity", "first_detected_on", "last_seen_on",
                    "resolved_on")
    list_filter = ("driver", "kind", "severity", ("resolved_on", admin.EmptyFieldListFilter))
    search_fields = ("title", "account__name")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)
    date_hierarchy = "first_detected_on"


class PlayStepInline(admin.TabularInline):
    model = PlayStep
    extra = 1


@admin.register(Play)
class PlayAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "trigger_kinds", "is_active")
    list_filter = ("is_active",)
    inlines = [PlayStepInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "account", "owner", "priority", "due_on", "status", "snoozed_until", "close_reason",
                    "outcome")
    list_filter = ("status", "priority", "close_reason", "outcome", "play")
    search_fields = ("title", "account__name")
    list_select_related = ("account", "owner")
    autocomplete_fields = ("account", "signal")
    raw_id_fields = ("owner", "closed_by", "step")


@admin.register(RiskSettings)
class RiskSettingsAdmin(admin.ModelAdmin):
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):
        return not RiskSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
