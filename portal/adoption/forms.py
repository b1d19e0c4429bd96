"""Forms for ticking checklist items, confirming adoption, deadlines and dates of evidence."""
from wtforms import BooleanField, DateField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal.forms import DateInRange, Form

REVISION_VALIDATORS = [InputRequired("Versionsnummer saknas. Ladda om sidan."),
                       NumberRange(1, 2**31 - 1, "Ogiltigt versionsnummer. Ladda om sidan.")]


class ItemForm(Form):
    revision = IntegerField(widget=HiddenInput(), validators=REVISION_VALIDATORS)
    done = BooleanField("Klar")
    comment = TextAreaField("Kommentar", validators=[Optional(), Length(max=2000, message="Högst 2000 tecken.")],
                            render_kw={"rows": 2})


class ConfirmForm(Form):
    revision = IntegerField(widget=HiddenInput(), validators=REVISION_VALIDATORS)
    reason = TextAreaField("Motivering (krävs om alla punkter inte är klara)",
                           validators=[Optional(), Length(max=2000, message="Högst 2000 tecken.")],
                           render_kw={"rows": 2})


class DeadlineForm(Form):
    deadline = DateField("Införas senast", validators=[Optional(), DateInRange()],
                         render_kw={"placeholder": "ÅÅÅÅ-MM-DD"})


class DateForm(Form):
    class Meta:
        csrf = False  # a GET question changes nothing

    datum = DateField("Datum", validators=[InputRequired("Ange ett datum som ÅÅÅÅ-MM-DD."), DateInRange()],
                      render_kw={"placeholder": "ÅÅÅÅ-MM-DD"})
