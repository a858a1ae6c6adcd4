from django.contrib import admin

from tenure.surveys.models import SurveyCampaign, SurveyInvitation, SurveyResponse


@admin.register(SurveyResponse)
class SurveyResponseAdmin(admin.ModelAdmin):
    list_display = ("answered_at", "account", "contact", "kind", "score")
    list_filter = ("kind",)
    search_fields = ("account__name", "comment")
    list_select_related = ("account", "contact")
    autocomplete_fields = ("account", "contact")
    date_hierarchy = "answered_at"


@admin.register(SurveyCampaign)
class SurveyCampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "segment", "eligibility_days", "sent_at")


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(admin.ModelAdmin):
    list_display = ("campaign", "contact", "sent_at", "send_error", "response")
    list_select_related = ("campaign", "contact", "response")
    readonly_fields = ("campaign", "contact", "sent_at", "send_error", "response")
