from django.contrib import admin

from tenure.community.models import CommunitySettings, Moderator, Thread, WorkingGroup


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "account", "reply_count", "last_activity_at")
    list_filter = ("kind", "idea_status")
    search_fields = ("title",)
    raw_id_fields = ("author_contact", "author_user", "account", "accepted_answer", "category", "group")


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")


@admin.register(CommunitySettings)
class CommunitySettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not CommunitySettings.objects.exists()


@admin.register(Moderator)
class ModeratorAdmin(admin.ModelAdmin):
    """Trusted members who moderate the community (staff who may write moderate anyway)."""

    list_display = ("contact", "added_by", "added_at")
    raw_id_fields = ("contact",)
