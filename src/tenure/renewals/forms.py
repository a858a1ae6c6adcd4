from django import forms

from tenure.renewals.models import ChurnReason, DigestPreference, OpportunityOutcome, RenewalOutcome


class CloseRenewalForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Outcome?"), *RenewalOutcome.choices])
    reason = forms.ChoiceField(label="Churn reason", required=False,
                               choices=[("", "Reason (if churned)"), *ChurnReason.choices])
    arr_after = forms.DecimalField(label="ARR after", required=False, min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(label="Note", required=False, max_length=2000)


class CloseOpportunityForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Outcome?"), *OpportunityOutcome.choices])
    amount = forms.DecimalField(label="ARR won", required=False, min_value=0, max_digits=14, decimal_places=2)
    reason = forms.CharField(label="Reason", required=False, max_length=200)
    note = forms.CharField(label="Note", required=False, max_length=2000)


class DigestPreferenceForm(forms.ModelForm):
    class Meta:
        model = DigestPreference
        fields = ["frequency"]
        widgets = {"frequency": forms.RadioSelect}
