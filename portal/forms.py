"""Helpers shared by every domain's forms."""
from portal.errors import ValidationError


def apply_error(form, error: ValidationError) -> None:
    """Show a service's validation error next to its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)
