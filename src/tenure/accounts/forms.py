"""Forms behind the account pages: the list's filters and the "Log a touch" form."""

from django import forms
from django.db.models import Q
from django.utils import timezone

from tenure.accounts import columns
from tenure.accounts.models import Account, CommunityRole, Contact, LifecycleStage, RelationshipRole
from tenure.accounts.services import ACTIVE, owns_accounts, segments
from tenure.engagement.models import Sentiment, TouchKind
from tenure.users.models import Role, User
from tenure.users.services import person_choices

UNASSIGNED = "none"
ALL_STAGES = "all"

# Sort keys the list accepts, mapped to the column label shown in the table header.
SORT_COLUMNS = columns.SORTS
SORT_CHOICES = [(key, label) for key, label in SORT_COLUMNS.items()] + [
    (f"-{key}", f"{label} (descending)") for key, label in SORT_COLUMNS.items()
]
DEFAULT_SORT = "name"


class AccountFilterForm(forms.Form):
    """The accounts list's query string. Unknown or bad values fall back to "no filter" rather than an error."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    owner = forms.ChoiceField(label="Owner CSM", required=False)
    segment = forms.ChoiceField(label="Segment", required=False)
    stage = forms.ChoiceField(label="Stage", required=False, choices=[
        ("", "Active customers"), (ALL_STAGES, "All, churned too"), *LifecycleStage.choices])
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    cols = forms.MultipleChoiceField(label="Columns", required=False, choices=columns.CHOICES)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Anyone who owns an account or carries a book of business can be picked: one query.
        owners = User.objects.filter(Q(role=Role.CSM, is_active=True) | owns_accounts())
        self.fields["owner"].choices = [("", "All owners"), (UNASSIGNED, "Unassigned"), *person_choices(owners)]
        self.fields["segment"].choices = [("", "All segments"), *[(s, s) for s in segments()]]

    def _valid_data(self) -> dict:
        # cleaned_data keeps the fields that passed even when another one failed.
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def filters(self) -> dict:
        """The valid filters as keyword arguments for search_accounts; invalid ones are dropped."""
        data = self._valid_data()
        found = {key: data[key] for key in ("q", "owner", "segment", "stage") if data.get(key)}
        # Churned accounts are history: shown when asked for (their stage, or "all"), not by default.
        if found.get("stage") == ALL_STAGES:
            del found["stage"]
        elif "stage" not in found:
            found["stage"] = ACTIVE
        return found

    def is_filtered(self) -> bool:
        return bool({k: v for k, v in self.filters().items() if (k, v) != ("stage", ACTIVE)})

    def chosen_sort(self) -> str:
        return self._valid_data().get("sort") or DEFAULT_SORT

    def chosen_columns(self) -> list[columns.Column]:
        """The picked columns (the default set when none is picked); unknown keys are dropped, not errors."""
        if not self.is_bound:
            return columns.chosen(())
        return columns.chosen(self.data.getlist("cols") if hasattr(self.data, "getlist") else self.data.get("cols"))


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TouchForm(forms.Form):
    """Log a call, email, meeting, QBR or note on an account's timeline."""

    kind = forms.ChoiceField(choices=TouchKind.choices, initial=TouchKind.CALL)
    occurred_at = forms.DateTimeField(label="When", widget=DateTimeLocalInput())
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    sentiment = forms.ChoiceField(choices=[("", "Not set"), *Sentiment.choices], required=False)
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, account: Account, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.account = account
        # Only the account's people still at the customer can take part in a new touch.
        self.fields["contacts"].queryset = account.contacts.filter(left_on__isnull=True)
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))

    def choose_from(self, contacts) -> None:
        """Offer the account's contacts the page has loaded already (in the queryset's order), rather than read
        them again; a posted form still validates against the queryset."""
        self.fields["contacts"].choices = [(c.pk, str(c)) for c in contacts if c.is_active]


class PersonForm(forms.Form):
    """A customer's person: who they are, their roles, and whether (and when) they left, with a successor."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False, max_length=254)
    title = forms.CharField(required=False, max_length=200)
    roles = forms.MultipleChoiceField(choices=RelationshipRole.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple, label="Roles")
    community_roles = forms.MultipleChoiceField(choices=CommunityRole.choices, required=False,
                                                widget=forms.CheckboxSelectMultiple, label="In the community")
    left_on = forms.DateField(required=False, label="Left the company on",
                              widget=forms.DateInput(attrs={"type": "date"}))
    successor = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False, label="Successor",
                                       empty_label="Not known yet",
                                       help_text="Takes over the sponsor, champion, admin and billing roles.")

    def __init__(self, *args, account, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = Contact.objects.filter(account=account, left_on__isnull=True).order_by("name")
        self.fields["successor"].queryset = others.exclude(pk=person.pk) if person else others
        if person is None:
            del self.fields["left_on"], self.fields["successor"]

    def clean_left_on(self):
        left = self.cleaned_data.get("left_on")
        if left and left > timezone.localdate():
            raise forms.ValidationError("Record a departure once it has happened (today or earlier).")
        return left


class BulkAccountsForm(forms.Form):
    """Change the owner or the stage of the accounts ticked on the list."""

    account_ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    owner = forms.ChoiceField(required=False)
    stage = forms.ChoiceField(required=False, choices=[("", "Keep"), *LifecycleStage.choices])

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        ids = data.getlist("account_ids") if data is not None and hasattr(data, "getlist") else []
        self.fields["account_ids"].choices = [(i, i) for i in ids]
        people = User.objects.filter(is_active=True, role__in=(Role.CSM, Role.LEADER, Role.ADMIN))
        self.fields["owner"].choices = [("", "Keep"), (UNASSIGNED, "Nobody"), *person_choices(people)]

    def clean_account_ids(self):
        ids = self.cleaned_data["account_ids"]
        if not ids or len(ids) > 1000 or any(not 0 < i < 2**62 for i in ids):
            raise forms.ValidationError("Tick between 1 and 1,000 accounts.")
        return ids

    def clean(self):
        data = super().clean()
        if not data.get("owner") and not data.get("stage"):
            raise forms.ValidationError("Pick a new owner or a new stage.")
        return data
