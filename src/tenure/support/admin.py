from django.contrib import admin

from tenure.support.models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("subject", "account", "priority", "status", "opened_at", "resolved_at", "csat")
    list_filter = ("status", "priority", "category")
    search_fields = ("subject", "body", "external_id", "account__name")
    list_select_related = ("account",)
    autocomplete_fields = ("account", "contact")
    date_hierarchy = "opened_at"
