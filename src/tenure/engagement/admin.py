from django.contrib import admin

from tenure.engagement.models import Milestone, OnboardingProject, OnboardingTemplate, SuccessGoal, Touch


@admin.register(Touch)
class TouchAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "account", "author", "sentiment")
    list_filter = ("kind", "sentiment")
    search_fields = ("summary", "account__name")
    list_select_related = ("account", "author")
    autocomplete_fields = ("account", "contacts", "author")
    date_hierarchy = "occurred_at"


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "plan", "segment", "active")


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(OnboardingProject)
class OnboardingProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "started_on", "status", "first_value_on", "completed_on")
    list_filter = ("status",)
    autocomplete_fields = ("account",)
    inlines = [MilestoneInline]


@admin.register(SuccessGoal)
class SuccessGoalAdmin(admin.ModelAdmin):
    list_display = ("title", "account", "metric", "baseline", "target", "current")
    autocomplete_fields = ("account",)
