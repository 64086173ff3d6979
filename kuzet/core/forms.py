"""Helpers shared by the forms of every app."""

from django.core.exceptions import ValidationError
from django.forms import BaseForm


def show_service_errors(form: BaseForm, exc: ValidationError) -> None:
    """A service's ValidationError on the form: by field where the form has it, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
