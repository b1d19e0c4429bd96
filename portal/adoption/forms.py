"""Forms for ticking checklist items, confirming adoption, deadlines and dates of evidence."""
from wtforms import BooleanField, DateField, FieldList, FormField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import HiddenInput

from portal import clock
from portal.adoption.services import MAX_COMMENT_CHARS, ItemEdit, future_day_message, normalize_newlines
from portal.forms import DateInRange, Form, SubForm

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


class ChecklistItemForm(SubForm):
    """One item inside a routine's checklist form (no token of its own: the checklist form has it)."""
    # The item's place in the checklist of the form's version. Said explicitly: WTForms renumbers a
    # FieldList's entries 0, 1, 2 ... in the order they came, whatever numbers their names had.
    position = IntegerField(widget=HiddenInput(), validators=[InputRequired("Punktens nummer saknas. Ladda om sidan."),
                                                           NumberRange(0, 9999, "Ogiltig punkt. Ladda om sidan.")])
    based_on = HiddenField()  # the item's stamp when the page was rendered
    shown = HiddenField()  # the fingerprint of what the page showed: tells an untouched item
    done = BooleanField("Klar")
    comment = TextAreaField("Kommentar", validators=_text_validators(), filters=[normalize_newlines])


class ChecklistForm(Form):
    """Every item of a routine's checklist in one form, saved with one button (services.save_checklist).

    Item i's fields are named items-<i>-position, items-<i>-done, items-<i>-comment, ... with i its place
    in the checklist of `revision`. An unticked checkbox sends nothing; the hidden fields always do.
    """
    revision = IntegerField(widget=HiddenInput(), validators=REVISION_VALIDATORS)
    items = FieldList(FormField(ChecklistItemForm), max_entries=500)

    def entries(self) -> dict[int, FormField]:
        return {entry.position.data: entry for entry in self.items.entries if entry.position.data is not None}

    def edits(self) -> list[ItemEdit]:
        return [ItemEdit(index, bool(entry.done.data), entry.comment.data or "", entry.based_on.data,
                         entry.shown.data or None)
                for entry in self.items.entries for index in [entry.position.data]]


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
