from django.contrib import admin

from tenure.demo.models import DemoScenario


@admin.register(DemoScenario)
class DemoScenarioAdmin(admin.ModelAdmin):
    list_display = ("account", "scenario", "cause", "warning_on", "churned_on", "usage_trend", "scare", "competitor")
    list_filter = ("scenario", "cause", "scare", "usage_trend")
    search_fields = ("account__name", "notes")
    raw_id_fields = ("account",)
