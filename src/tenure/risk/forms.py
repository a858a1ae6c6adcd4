from django import forms
from django.utils import timezone

from tenure.risk.models import PERSON_CLOSE_REASONS, Outcome, RiskSettings


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
                   "churn_phrases": forms.Textarea(attrs={"rows": 8})}
