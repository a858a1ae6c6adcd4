from django.contrib import admin, messages

from tenure.usage.models import Feature, RejectedMessage, WriteKey
from tenure.usage.services import create_write_key, revoke_write_key


@admin.register(WriteKey)
class WriteKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "key_prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, raw = create_write_key(obj.name, created_by=request.user)
        obj.pk, obj.key_hash, obj.key_prefix = key.pk, key.key_hash, key.key_prefix
        messages.warning(request, f"Write key for {key.name}: {raw} — copy it now, it cannot be shown again.")

    @admin.action(description="Revoke the selected write keys")
    def revoke(self, request, queryset):
        for key in queryset:
            revoke_write_key(key)


@admin.register(Feature)
class FeatureAdmin(admin.ModelAdmin):
    list_display = ("event", "friendly_name", "module", "is_key", "first_seen", "last_seen")
    list_editable = ("friendly_name", "module", "is_key")
    list_filter = ("is_key", "module")
    search_fields = ("event", "friendly_name", "module")
    readonly_fields = ("event", "first_seen", "last_seen")

    def has_add_permission(self, request):
        return False  # features appear when their events arrive


@admin.register(RejectedMessage)
class RejectedMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "index", "reason")
    readonly_fields = ("received_at", "write_key_id", "index", "reason", "payload")

    def has_add_permission(self, request):
        return False
