"""Shared by every room's pages: a service's ValidationError shown on the form that asked for the change."""

from django.core.exceptions import ValidationError


def show_on_form(form, exc: ValidationError) -> None:
    """Each message beside its field when the form has that field, else at the top of the form."""
    pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    for field, errors in pairs:
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
