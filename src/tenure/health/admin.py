from django.contrib import admin

from tenure.engagement.models import Pulse
from tenure.health.models import AccountHealth, HealthSnapshot, Scorecard, ScorecardVersion


class VersionInline(admin.TabularInline):
    model = ScorecardVersion
    fields = ("number", "created_at", "created_by", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # new versions come from the Scorecards page, so each one triggers a re-score


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ("name", "segment", "stage", "created_at")
    readonly_fields = ("segment", "stage")
    inlines = [VersionInline]


@admin.register(ScorecardVersion)
class ScorecardVersionAdmin(admin.ModelAdmin):
    list_display = ("scorecard", "number", "created_at", "created_by", "note")
    readonly_fields = ("scorecard", "number", "definition", "note", "created_by", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # versions are immutable


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(admin.ModelAdmin):
    list_display = ("account", "day", "score", "band", "version")
    list_filter = ("band",)
    search_fields = ("account__name",)
    list_select_related = ("account", "version__scorecard")
    date_hierarchy = "day"
    readonly_fields = ("account", "day", "score", "band", "version", "measures", "computed_at")


@admin.register(AccountHealth)
class AccountHealthAdmin(admin.ModelAdmin):
    list_display = ("account", "score", "band", "week_ago_score", "day")
    list_filter = ("band",)
    search_fields = ("account__name",)
    list_select_related = ("account",)


@admin.register(Pulse)
class PulseAdmin(admin.ModelAdmin):
    list_display = ("created_at", "account", "rating", "author")
    list_filter = ("rating",)
    search_fields = ("account__name", "comment")
    list_select_related = ("account", "author")
    autocomplete_fields = ("account", "author")
