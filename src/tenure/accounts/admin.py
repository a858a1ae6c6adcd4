from django.contrib import admin

from tenure.accounts import services
from tenure.accounts.models import Account, Contact


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "email", "title", "is_executive_sponsor", "is_champion", "is_admin", "left_on")
    show_change_link = True


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "segment", "stage", "owner", "crm_id", "updated_at")
    list_filter = ("stage", "segment", "owner")
    search_fields = ("name", "domain", "crm_id", "billing_id", "product_group_id")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    inlines = [ContactInline]

    def save_model(self, request, obj, form, change):
        # Same rules as the API and importers: normalized domain and external ids.
        obj.domain = services.normalize_domain(obj.domain)
        for field in ("crm_id", "billing_id", "product_group_id"):
            setattr(obj, field, services.clean_external_id(getattr(obj, field)))
        super().save_model(request, obj, form, change)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "account", "title", "role_list", "left_on")
    list_filter = ("is_executive_sponsor", "is_champion", "is_admin", "is_billing", "is_detractor")
    search_fields = ("name", "email", "product_user_id", "account__name")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)

    @admin.display(description="roles")
    def role_list(self, obj):
        return ", ".join(obj.roles + obj.community_roles)

    def save_model(self, request, obj, form, change):
        obj.email = services.normalize_email(obj.email)
        obj.product_user_id = services.clean_external_id(obj.product_user_id)
        super().save_model(request, obj, form, change)
