"""Forms for creating, editing, publishing and organising handbook documents."""
from wtforms import (HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.validators import ValidationError as FieldError

from portal.forms import Form, choices
from portal.handbook.models import KINDS
from portal.org import services as org
from portal.org.models import UNIT_KINDS

KIND_CHOICES = choices(KINDS.items())
CHANGE_CHOICES = choices([("minor", "Språklig ändring – innebörden är densamma, inget behöver göras om"),
                            ("substantial", "Väsentlig ändring – enheterna behöver bekräfta rutinen igen")])


class CheckboxesField(SelectMultipleField):
    """Several choices as a group of checkboxes (a plain click adds one; no Ctrl, works without JS)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MetaFields:
    """Document-control fields shared by the create and edit forms (validated by the service)."""

    decided_by = StringField("Beslutad av", validators=[Optional(), Length(max=200, message="Högst 200 tecken.")])
    decided_on = StringField("Fastställd", validators=[Optional(), Length(max=10, message="Skriv ÅÅÅÅ-MM-DD.")],
                             render_kw={"type": "date"})
    review_by = StringField("Revideras senast", validators=[Optional(), Length(max=10, message="Skriv ÅÅÅÅ-MM-DD.")],
                            render_kw={"type": "date"})
    owner = StringField("Dokumentansvarig", validators=[Optional(), Length(max=200, message="Högst 200 tecken.")])
    applies_to = CheckboxesField("Gäller för förvaltningar", coerce=int)
    unit_kinds = CheckboxesField("Gäller för enhetstyper", choices=choices(UNIT_KINDS.items()))
    legal_refs = TextAreaField("Lagrum (ett per rad)", validators=[Optional(), Length(max=5000)],
                               render_kw={"rows": 3})
    tags = StringField("Nyckelord (kommaseparerade)", validators=[Optional(), Length(max=2000)])


class EditForm(MetaFields, Form):
    base_number = HiddenField(validators=[InputRequired()])
    title = StringField("Rubrik", validators=[DataRequired("Ange en rubrik."),
                                              Length(max=200, message="Högst 200 tecken.")])
    body = TextAreaField("Text (Markdown)", render_kw={"rows": 24, "spellcheck": "true"})
    save_note = StringField("Kommentar till utkastet (valfri)", validators=[Optional(), Length(max=500)])
    change_note = TextAreaField("Ändringsnotering", validators=[Optional(), Length(max=1000, message="Högst 1000 tecken.")],
                                render_kw={"rows": 2})
    change_kind = RadioField("Typ av ändring", choices=CHANGE_CHOICES, validators=[Optional()],
                             validate_choice=True)
    confirm_removal = StringField(validators=[Optional(), Length(max=2000)])  # ScopeLoss.token; see _publish_box


class CreateForm(MetaFields, Form):
    title = StringField("Rubrik", validators=[DataRequired("Ange en rubrik."),
                                              Length(max=200, message="Högst 200 tecken.")])
    # Longer input than an address may be is cleaned into a proposal by the service, not refused here.
    slug = StringField("Adress", validators=[Optional(), Length(max=500, message="Högst 80 tecken.")])
    kind = SelectField("Typ", choices=KIND_CHOICES, validate_choice=True)
    department = SelectField("Ägande förvaltning", coerce=int, validate_choice=True)
    parent = SelectField("Placering i handboken", coerce=int, validate_choice=True)


class PublishForm(Form):
    change_note = TextAreaField("Ändringsnotering", validators=[
        DataRequired("Skriv en ändringsnotering: vad har ändrats och varför?"),
        Length(max=1000, message="Högst 1000 tecken.")], render_kw={"rows": 2})
    change_kind = RadioField("Typ av ändring", choices=CHANGE_CHOICES, validate_choice=True,
                             validators=[InputRequired("Välj typ av ändring.")])
    number = HiddenField(validators=[InputRequired()])
    # A checkbox (never a hidden field: hidden_tag would confirm by itself) carrying ScopeLoss.token.
    confirm_removal = StringField(validators=[Optional(), Length(max=2000)])


def confirmed_removal(form) -> list:
    """What the editor agreed to take out of the routine's scope (the checkbox's value, ScopeLoss.token):
    department ids out of "gäller för", unit type keys out of "gäller för enhetstyper"."""
    parts = (form.confirm_removal.data or "").split(",")
    return ([int(part) for part in parts if part.isdigit() and len(part) <= 9]
            + [part for part in parts if part in UNIT_KINDS])


def _in_range(low: int, high: int):
    """NumberRange for a field whose text may not be a number at all: that already has its message."""
    def check(form, field):
        if field.data is not None and not low <= field.data <= high:
            raise FieldError(f"Ange ett heltal mellan {low:_} och {high:_}.".replace("_", " ").replace("-", "−"))
    return check


class StructureForm(Form):
    parent = SelectField("Placering i handboken", coerce=int, validate_choice=True)
    position = IntegerField("Ordning bland syskon (lägre först)", validators=[
        InputRequired("Ange ett heltal."), _in_range(-1_000_000, 1_000_000)])
    kind = SelectField("Typ", choices=KIND_CHOICES, validate_choice=True)
    department = SelectField("Ägande förvaltning", coerce=int, validate_choice=True)


class RenameForm(Form):
    slug = StringField("Ny adress", validators=[DataRequired("Ange en adress."),
                                                Length(max=500, message="Högst 80 tecken.")])


class RestoreForm(Form):
    # The unpublished draft the editor was shown and agreed to restore over (the confirmation page).
    over_draft = HiddenField()


class EmptyForm(Form):
    """Only the CSRF token, for buttons that change state."""


def meta_from_form(form, departments_by_id) -> dict:
    return {
        "decided_by": form.decided_by.data, "decided_on": form.decided_on.data,
        "review_by": form.review_by.data, "owner": form.owner.data,
        "applies_to": [departments_by_id[i].name for i in form.applies_to.data or [] if i in departments_by_id],
        "unit_kinds": [kind for kind in form.unit_kinds.data or [] if kind in UNIT_KINDS],
        "legal_refs": [line for line in (form.legal_refs.data or "").splitlines() if line.strip()],
        "tags": [tag for tag in (form.tags.data or "").split(",") if tag.strip()],
    }


def fill_meta(form, meta: dict, departments) -> None:
    by_name = {d.name: d.id for d in departments}
    form.decided_by.data = meta.get("decided_by") or ""
    form.decided_on.data = meta.get("decided_on") or ""
    form.review_by.data = meta.get("review_by") or ""
    form.owner.data = meta.get("owner") or ""
    # A department renamed since the version was written is found by its former name.
    by_name.update({former: by_name[current] for former, current in org.department_names().items()
                    if current in by_name})
    form.applies_to.data = list(dict.fromkeys(by_name[n] for n in meta.get("applies_to", []) if n in by_name))
    form.unit_kinds.data = [kind for kind in meta.get("unit_kinds") or [] if kind in UNIT_KINDS]
    form.legal_refs.data = "\n".join(meta.get("legal_refs", []))
    form.tags.data = ", ".join(meta.get("tags", []))
