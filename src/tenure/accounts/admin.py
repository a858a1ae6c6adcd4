from django.contrib import admin

from tenure.accounts import services
from tenure.accounts.models import Account, Contact

CONTACT_ADMIN_FIELDS = ("account", "name", "email", "title", "product_user_id", "left_on", *services.ROLE_FLAGS)


def _changes(obj, changed_names, names) -> dict:
    return {name: getattr(obj, name) for name in changed_names if name in names}


def save_contacts(new: list[Contact], changed: list[tuple[Contact, list[str]]]) -> None:
    """Through the accounts service (normalized email and product user id, updated_at for the refresh)."""
    services.create_contacts(new)
    stored = Contact.objects.in_bulk([c.pk for c, _ in changed])
    services.update_contacts([(stored[c.pk], _changes(c, names, CONTACT_ADMIN_FIELDS)) for c, names in changed])
    for contact, _ in changed:
        contact.refresh_from_db()


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
    # Assignment rules set these; a person chooses the owner, which takes the account out of the rules' hands.
    readonly_fields = ("coverage", "assigned_by_rule")
    inlines = [ContactInline]

    def save_model(self, request, obj, form, change):
        # Through the accounts service, as the API and importers do: normalized keys, and an owner changed here
        # is written on the timeline and kept by the assignment rules.
        if change:
            stored = Account.objects.select_related("owner").get(pk=obj.pk)
            services.update_account(stored, by=request.user,
                                    **_changes(obj, form.changed_data, services.ACCOUNT_FIELDS))
            obj.refresh_from_db()
        else:
            fields = {f: getattr(obj, f) for f in services.ACCOUNT_FIELDS}
            obj.pk = services.create_account(**fields).pk
            obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not Contact:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # sorts the forms into new, changed and deleted objects, saving nothing
        for contact in formset.deleted_objects:
            contact.delete()
        save_contacts(formset.new_objects, formset.changed_objects)


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
        if change:
            save_contacts([], [(obj, form.changed_data)])
        else:
            save_contacts([obj], [])
