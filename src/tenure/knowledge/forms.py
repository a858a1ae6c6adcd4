from django import forms

from tenure.knowledge.models import Article, Category, Visibility


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=300)
    slug = forms.SlugField(max_length=200, required=False, help_text="Its address; empty: made from the title.")
    category = forms.ModelChoiceField(Category.objects.all(), required=False, empty_label="No category")
    tags = forms.CharField(required=False, max_length=500, help_text="Separated by commas.")
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    audience_value = forms.CharField(label="Segment or plan", max_length=100, required=False,
                                     help_text="For a one-segment or one-plan article: its name.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 18}), required=False, help_text="Markdown.")
    related = forms.ModelMultipleChoiceField(Article.objects.order_by("title"), required=False,
                                             widget=forms.SelectMultiple(attrs={"size": 6}))
    note = forms.CharField(max_length=200, required=False, label="What changed",
                           help_text="Shown in the revision history.")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("note")
        data["tags"] = [t.strip() for t in data["tags"].split(",") if t.strip()]
        data["related"] = list(data["related"])
        return data


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "slug", "order"]
        help_texts = {"slug": "Empty: made from the name."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
