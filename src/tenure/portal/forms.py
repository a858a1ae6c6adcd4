from django import forms

from tenure.support.models import TicketPriority


class SignInForm(forms.Form):
    email = forms.EmailField(
        label="Your work email", max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false",
                                       "autofocus": True}),
        error_messages={"required": "Enter your work email.",
                        "invalid": "Enter an email address such as name@company.com."},
    )


class ContactSupportForm(forms.Form):
    subject = forms.CharField(
        max_length=300, help_text="A few words: what are you trying to do?",
        error_messages={"required": "Say in a few words what you need help with.",
                        "max_length": "Keep the subject under 300 characters; put the details below."},
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), max_length=20_000,
        help_text="What happened, what you expected, and any error message.",
        error_messages={"required": "Describe what happened, so we can help.",
                        "max_length": "Keep the description under 20,000 characters."},
    )
    priority = forms.ChoiceField(
        choices=TicketPriority.choices, initial=TicketPriority.NORMAL,
        help_text="Urgent: you cannot work at all.",
        error_messages={"invalid_choice": "Choose one of the priorities offered."},
    )
