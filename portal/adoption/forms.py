"""Forms for ticking checklist items, confirming adoption, deadlines and dates of evidence."""
from wtforms import BooleanField, DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import HiddenInput

from portal import clock
from portal.adoption.services import MAX_COMMENT_CHARS, future_day_message, normalize_newlines
from portal.forms import DateInRange, Form

REVISION_VALIDATORS = [InputRequired("Versionsnummer saknas. Ladda om sidan."),
                       NumberRange(1, 2**31 - 1, "Ogiltigt versionsnummer. Ladda om sidan.")]


def _text_validators():
    return [Optional(), Length(max=MAX_COMMENT_CHARS, message=f"Högst {MAX_COMMENT_CHARS} tecken.")]


class ItemForm(Form):
    revision = IntegerField(widget=HiddenInput(), validators=REVISION_VALIDATORS)
    based_on = HiddenField()  # the item's stamp when the page was rendered (services.set_item)
    done = BooleanField("Klar")
    comment = TextAreaField("Kommentar", validators=_text_validators(), filters=[normalize_newlines],
                            render_kw={"rows": 2})


class ConfirmForm(Form):
    revision = IntegerField(widget=HiddenInput(), validators=REVISION_VALIDATORS)
    reason = TextAreaField("Motivering (krävs om alla punkter inte är klara)", validators=_text_validators(),
                           filters=[normalize_newlines], render_kw={"rows": 2})


class DeadlineForm(Form):
    deadline = DateField("Införas senast", validators=[Optional(), DateInRange()],
                         render_kw={"placeholder": "ÅÅÅÅ-MM-DD"})


class NotAfterToday:
    def __call__(self, form, field):
        if field.data is not None and clock.date_in_range(field.data):  # DateInRange speaks otherwise
            message = future_day_message(field.data)
            if message:
                raise FieldError(message)


class DateForm(Form):
    class Meta:
        csrf = False  # a GET question changes nothing

    datum = DateField("Datum", validators=[InputRequired("Ange ett datum som ÅÅÅÅ-MM-DD."), DateInRange(),
                                           NotAfterToday()],
                      render_kw={"placeholder": "ÅÅÅÅ-MM-DD"})
