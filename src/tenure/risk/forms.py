from django import forms
from django.utils import timezone

from tenure.risk.models import PERSON_CLOSE_REASONS, Outcome, RiskSettings, TaskPriority


class SnoozeForm(forms.Form):
    until = forms.DateField(label="Snooze until", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.localdate():
            raise forms.ValidationError("Pick a day after today.")
        return until


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=[("", "Why?"), *PERSON_CLOSE_REASONS])
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Outcome?"), *Outcome.choices])
    note = forms.CharField(label="Note", required=False, max_length=2000)


class RiskSettingsForm(forms.ModelForm):
    class Meta:
        model = RiskSettings
        fields = [f.name for f in RiskSettings._meta.fields if f.name not in ("id", "updated_at", "updated_by")]
        widgets = {"competitor_names": forms.Textarea(attrs={"rows": 6}),
                   "churn_phrases": forms.Textarea(attrs={"rows": 8}),
                   "community_segments": forms.Textarea(attrs={"rows": 3})}


class TaskForm(forms.Form):
    """A task opened or changed by hand. The account is fixed by the page; contacts and owners are the account's
    people and those the user may give it to (work.may_assign)."""

    title = forms.CharField(max_length=300)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))
    priority = forms.TypedChoiceField(choices=TaskPriority.choices, coerce=int, initial=TaskPriority.NORMAL)
    contact = forms.ModelChoiceField(queryset=None, required=False, label="About whom",
                                     empty_label="No one in particular")
    owner = forms.ModelChoiceField(queryset=None, label="Who does it", empty_label=None)

    def __init__(self, *args, account, assignable, **kwargs):
        from tenure.accounts.models import Contact
        from tenure.users.models import User

        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(account=account).order_by("name")
        self.fields["owner"].queryset = User.objects.filter(pk__in=[u.pk for u in assignable]).order_by(
            "first_name", "last_name", "username")


class BulkTaskForm(forms.Form):
    task_ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], label="Tasks")
    action = forms.ChoiceField(choices=[("snooze", "Snooze"), ("close", "Close"), ("reassign", "Give to")])
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.ChoiceField(required=False, choices=[("", "Why?"), *PERSON_CLOSE_REASONS])
    outcome = forms.ChoiceField(required=False, choices=[("", "Outcome?"), *Outcome.choices])
    note = forms.CharField(required=False, max_length=2000)
    owner = forms.IntegerField(required=False, min_value=1, max_value=2**62)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        # Any id may be sent: the service names those that do not exist.
        ids = data.getlist("task_ids") if data is not None and hasattr(data, "getlist") else []
        self.fields["task_ids"].choices = [(i, i) for i in ids]

    def clean_task_ids(self):
        ids = self.cleaned_data["task_ids"]
        if any(not 0 < i < 2**62 for i in ids) or len(ids) > 500:
            raise forms.ValidationError("Pick up to 500 tasks from the list.")
        return ids
