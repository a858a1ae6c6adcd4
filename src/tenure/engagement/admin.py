from django.contrib import admin

from tenure.engagement.models import Touch


@admin.register(Touch)
class TouchAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "kind", "account", "author", "sentiment")
    list_filter = ("kind", "sentiment")
    search_fields = ("summary", "account__name")
    list_select_related = ("account", "author")
    autocomplete_fields = ("account", "contacts", "author")
    date_hierarchy = "occurred_at"
