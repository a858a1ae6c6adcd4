from django.contrib import admin

from tenure.support import services
from tenure.support.models import Ticket


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("subject", "account", "priority", "status", "opened_at", "resolved_at", "csat")
    list_filter = ("status", "priority", "category")
    search_fields = ("subject", "body", "external_id", "account__name")
    list_select_related = ("account",)
    autocomplete_fields = ("account", "contact")
    date_hierarchy = "opened_at"

    def save_model(self, request, obj, form, change):
        # Through the support service: resolution time from the status, the contact at the ticket's account.
        fields = {f: getattr(obj, f) for f in services.TICKET_FIELDS}
        if change:
            stored = Ticket.objects.get(pk=obj.pk)
            services.update_tickets([(stored, {f: fields[f] for f in form.changed_data if f in fields})])
        else:
            obj.pk = services.create_ticket(**fields).pk
        obj.refresh_from_db()
