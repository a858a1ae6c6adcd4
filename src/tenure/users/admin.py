from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tenure.users.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Tenure", {"fields": ("role", "capacity")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Tenure", {"fields": ("role",)}),
    )
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("key_prefix", "created_at", "last_used_at")
    fields = ("user", "name", "key_prefix", "created_at", "last_used_at", "revoked_at")

    def has_add_permission(self, request):
        # Keys are issued with `tenure token create` so the raw key can be shown exactly once.
        return False
