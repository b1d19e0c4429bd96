"""Helpers shared by every domain's forms: the base form class and placing service errors."""
from flask_wtf import FlaskForm
from wtforms import Form as WtfForm
from wtforms import SelectChoice
from wtforms.validators import ValidationError as FieldError

from portal import clock
from portal.errors import ValidationError

# WTForms' own messages (a select given a value it does not offer, a number or date that does not
# parse, ...) in Swedish. Its bundled Swedish catalogue is incomplete and reads badly, and Flask-WTF
# only uses catalogues through Flask-Babel, which the portal does not need for anything else.
SWEDISH_MESSAGES = {
    "Not a valid choice.": "Välj ett av alternativen i listan.",
    "Invalid Choice: could not coerce.": "Ogiltigt val. Välj ett av alternativen i listan.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Ogiltigt val.",
    "'%(value)s' is not a valid choice for this field.": "”%(value)s” finns inte bland alternativen.",
    "'%(value)s' are not valid choices for this field.": "”%(value)s” finns inte bland alternativen.",
    "Choices cannot be None.": "Det finns inga alternativ att välja bland.",
    "Not a valid integer value.": "Ange ett heltal.",
    "Not a valid decimal value.": "Ange ett tal.",
    "Not a valid float value.": "Ange ett tal.",
    "Not a valid date value.": "Ange datumet som ÅÅÅÅ-MM-DD.",
    "Not a valid datetime value.": "Ange datum och tid som ÅÅÅÅ-MM-DD TT:MM.",
    "Not a valid time value.": "Ange tiden som TT:MM.",
    "Not a valid week value.": "Ange veckan som ÅÅÅÅ-Www.",
    "This field is required.": "Fältet måste fyllas i.",
    "Invalid input.": "Ogiltigt värde.",
    "Invalid email address.": "Ange en giltig e-postadress, t.ex. namn@kommun.se.",
    "Number must be at least %(min)s.": "Talet måste vara minst %(min)s.",
    "Number must be at most %(max)s.": "Talet får vara högst %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Talet måste vara mellan %(min)s och %(max)s.",
    "Field must be at least %(min)d character long.": "Skriv minst %(min)d tecken.",
    "Field must be at least %(min)d characters long.": "Skriv minst %(min)d tecken.",
    "Field cannot be longer than %(max)d character.": "Högst %(max)d tecken.",
    "Field cannot be longer than %(max)d characters.": "Högst %(max)d tecken.",
    "Field must be exactly %(max)d character long.": "Skriv exakt %(max)d tecken.",
    "Field must be exactly %(max)d characters long.": "Skriv exakt %(max)d tecken.",
    "Field must be between %(min)d and %(max)d characters long.": "Skriv %(min)d–%(max)d tecken.",
    "Field must be equal to %(other_name)s.": "Fälten måste vara lika.",
    "CSRF token missing.": "Formuläret saknar säkerhetstoken. Ladda om sidan och försök igen.",
    "CSRF failed.": "Formulärets säkerhetstoken stämmer inte. Ladda om sidan och försök igen.",
    "CSRF token expired.": "Formuläret har gått ut. Ladda om sidan och försök igen.",
    "Invalid CSRF Token.": "Formulärets säkerhetstoken stämmer inte. Ladda om sidan och försök igen.",
    "The CSRF token is missing.": "Formuläret saknar säkerhetstoken. Ladda om sidan och försök igen.",
    "The CSRF token is invalid.": "Formulärets säkerhetstoken stämmer inte. Ladda om sidan och försök igen.",
    "The CSRF token has expired.": "Formuläret har gått ut. Ladda om sidan och försök igen.",
}


class _SwedishTranslations:
    def gettext(self, string: str) -> str:
        return SWEDISH_MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class Form(FlaskForm):
    """Every form of the portal: Flask-WTF's (CSRF included) with WTForms' messages in Swedish."""

    class Meta:
        def get_translations(self, form):
            return _SwedishTranslations()


class SubForm(WtfForm):
    """A form inside another (FormField, FieldList): no token of its own, WTForms' messages in Swedish."""

    class Meta:
        def get_translations(self, form):
            return _SwedishTranslations()


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select or radio field (WTForms deprecates plain
    tuples and drops them in 3.4)."""
    return [SelectChoice(value, label) for value, label in pairs]


class DateInRange:
    """A DateField accepts years 1 to 9999; people's dates must lie in clock's range."""

    def __call__(self, form, field):
        if field.data is not None and not clock.date_in_range(field.data):
            raise FieldError(f"Ange ett datum {clock.DATE_RANGE_TEXT}.")


def apply_error(form, error: ValidationError) -> None:
    """Show a service's validation error next to its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)
