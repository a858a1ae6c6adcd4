from django.contrib import admin

from tenure.renewals.models import DigestPreference, Opportunity, Renewal


@admin.register(Renewal)
class RenewalAdmin(admin.ModelAdmin):
    list_display = ("account", "renewal_on", "arr_before", "status", "outcome", "reason", "arr_after")
    list_filter = ("status", "outcome", "reason")
    raw_id_fields = ("account", "subscription", "closed_by")


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("account", "kind", "trigger", "opened_on", "status", "outcome", "amount")
    list_filter = ("kind", "status", "outcome")
    raw_id_fields = ("account", "closed_by")


@admin.register(DigestPreference)
class DigestPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "frequency", "last_sent_at")
