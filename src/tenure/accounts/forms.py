"""Forms behind the account pages: the list's filters and the "Log a touch" form."""

from django import forms
from django.db.models import Q
from django.utils import timezone

from tenure.accounts.models import Account, Contact, LifecycleStage
from tenure.accounts.services import owns_accounts, segments
from tenure.engagement.models import Sentiment, TouchKind
from tenure.users.models import Role, User

UNASSIGNED = "none"

# Sort keys the list accepts, mapped to the column label shown in the table header.
SORT_COLUMNS = {
    "name": "Account",
    "segment": "Segment",
    "stage": "Stage",
    "owner": "Owner CSM",
    "seats": "Seats",
    "mrr": "MRR",
    "renewal": "Next renewal",
    "score": "Health",
    "churn": "Churn risk",
}
SORT_CHOICES = [(key, label) for key, label in SORT_COLUMNS.items()] + [
    (f"-{key}", f"{label} (descending)") for key, label in SORT_COLUMNS.items()
]
DEFAULT_SORT = "name"


class AccountFilterForm(forms.Form):
    """The accounts list's query string. Unknown or bad values fall back to "no filter" rather than an error."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    owner = forms.ChoiceField(label="Owner CSM", required=False)
    segment = forms.ChoiceField(label="Segment", required=False)
    stage = forms.ChoiceField(label="Stage", required=False, choices=[("", "All stages"), *LifecycleStage.choices])
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Anyone who owns an account or carries a book of business can be picked: one query.
        owners = User.objects.filter(Q(role=Role.CSM, is_active=True) | owns_accounts()).order_by(
            "first_name", "last_name", "username")
        self.fields["owner"].choices = [
            ("", "All owners"),
            (UNASSIGNED, "Unassigned"),
            *[(str(u.pk), str(u)) for u in owners],
        ]
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
        return {key: data[key] for key in ("q", "owner", "segment", "stage") if data.get(key)}

    def chosen_sort(self) -> str:
        return self._valid_data().get("sort") or DEFAULT_SORT


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
