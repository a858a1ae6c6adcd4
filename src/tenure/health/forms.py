"""Forms of the health pages: the pulse, a new scorecard, and a scorecard's rules."""

from django import forms

from tenure.accounts.models import LifecycleStage
from tenure.accounts.services import segments
from tenure.engagement.models import PulseRating
from tenure.health import scoring
from tenure.health.measures import CATALOG, DEFAULT_DEFINITION

DEFAULTS = {m["key"]: m for m in DEFAULT_DEFINITION["measures"]}


class PulseForm(forms.Form):
    rating = forms.ChoiceField(choices=PulseRating.choices, widget=forms.RadioSelect, label="How is it going?")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000,
                              label="Why?")


class NewScorecardForm(forms.Form):
    name = forms.CharField(max_length=100)
    segment = forms.ChoiceField(required=False, label="Segment")
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *LifecycleStage.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].choices = [("", "Any segment"), *[(s, s) for s in segments()]]

    def clean(self):
        data = super().clean()
        if not data.get("segment") and not data.get("stage"):
            raise forms.ValidationError("Pick a segment, a stage or both: the default scorecard covers the rest.")
        return data


class ScorecardForm(forms.Form):
    """Every measure's weight and mapping, and the band thresholds. Saving makes a new version."""

    red = forms.FloatField(min_value=0, max_value=100, label="Red below")
    green = forms.FloatField(min_value=0, max_value=100, label="Green from")
    note = forms.CharField(max_length=300, required=False, label="What changed and why")

    def __init__(self, *args, definition: dict, **kwargs):
        by_key = {m["key"]: m for m in definition["measures"]}
        initial = {"red": definition["thresholds"]["red"], "green": definition["thresholds"]["green"]}
        for key in CATALOG:
            m = by_key.get(key)
            initial[f"{key}__weight"] = m["weight"] if m else 0
            mapping = (m or DEFAULTS[key])["mapping"]
            initial[f"{key}__mapping"] = scoring.format_mapping(mapping)
        super().__init__(*args, initial=initial, **kwargs)
        for key, measure in CATALOG.items():
            self.fields[f"{key}__weight"] = forms.FloatField(
                min_value=0, max_value=100, label=f"{measure.label} weight",
                help_text="points at most" if measure.modifier else "0 leaves it out")
            self.fields[f"{key}__mapping"] = forms.CharField(
                max_length=300, label=f"{measure.label} mapping",
                help_text="'10 → 70': 10 gets 0 points, 70 gets 100; or bands '≤3: 100, ≤7: 85, else: 0'")

    def rows(self):
        return [{"measure": m, "weight": self[f"{k}__weight"], "mapping": self[f"{k}__mapping"]}
                for k, m in CATALOG.items()]

    def clean(self):
        data = super().clean()
        measures = []
        for key in CATALOG:
            text = data.get(f"{key}__mapping")
            weight = data.get(f"{key}__weight")
            if text is None or weight is None:
                continue
            try:
                mapping = scoring.parse_mapping(text)
            except ValueError as exc:
                self.add_error(f"{key}__mapping", str(exc))
                continue
            if weight > 0:
                measures.append({"key": key, "weight": weight, "mapping": mapping})
        if self.errors:
            return data
        definition = {"thresholds": {"red": data.get("red"), "green": data.get("green")}, "measures": measures}
        try:
            scoring.validate_definition(definition)
        except (ValueError, TypeError) as exc:
            raise forms.ValidationError(str(exc)) from None
        data["definition"] = definition
        return data
