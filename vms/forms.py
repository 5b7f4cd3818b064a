"""Form helpers shared by every app's HTML views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError


def apply_service_errors(
    form: forms.Form,
    error: ValidationError | PermissionDenied,
    *,
    non_field: tuple[str, ...] = (),
) -> None:
    """Show a service's refusal on the form that asked for it.

    Field errors land under their field when the form has it (``non_field`` names fields whose
    errors read better at the top), everything else as a form-wide error.
    """
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or "You may not do that.")
    elif hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            inline = field in form.fields and field not in non_field
            form.add_error(field if inline else None, errors)
    else:
        form.add_error(None, error)
