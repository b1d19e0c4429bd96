"""Forms of the administration pages."""
import re

from wtforms import (BooleanField, DateField, EmailField, PasswordField, SelectField, SelectMultipleField,
                     StringField, SubmitField)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.auth.models import GRANTABLE_ROLES, ROLES
from portal.auth.services import validate_email
from portal.errors import ValidationError as ServiceError
from portal.forms import DateInRange, Form, choices
from portal.org.models import UNIT_KINDS


def unit_choices(units, keep=(), *, with_department: bool = True) -> list:
    """The active units, and of the inactive ones those in `keep` (what the person already has, so
    that saving the form does not silently drop it), marked "(inaktiv)". Without the department
    for checkboxes grouped under it (unit_groups)."""
    kept = {u.id for u in keep}
    return choices((u.id, (u.name_with_department if with_department else u.name)
                    + ("" if u.active else " (inaktiv)")) for u in units if u.active or u.id in kept)


def unit_groups(units) -> list[tuple[str, set[int]]]:
    """(department name, ids of its units) in the order of the units (list_units: by department)."""
    groups: dict[str, set[int]] = {}
    for unit in units:
        groups.setdefault(unit.department.name, set()).add(unit.id)
    return list(groups.items())


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes: a plain click adds one (no Ctrl, works on a phone and
    without JavaScript); submitted and validated as a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _valid_email(form, field):
    # The service's own rule, here too so that every field's error shows at once (length has its own).
    if not field.data or len(field.data) > 254:
        return
    try:
        validate_email(field.data)
    except ServiceError as error:
        raise ValidationError(error.message) from None


class UserCreateForm(Form):
    email = EmailField("E-postadress", validators=[DataRequired("Ange en e-postadress."),
                                                   Length(max=254, message="Högst 254 tecken."), _valid_email])
    name = StringField("Namn", validators=[DataRequired("Ange ett namn."),
                                           Length(max=200, message="Högst 200 tecken.")])
    title = StringField("Titel", validators=[Optional(), Length(max=200, message="Högst 200 tecken.")])
    unit = SelectField("Arbetar på enhet", coerce=int, validate_choice=True)
    password = PasswordField("Startlösenord", validators=[
        DataRequired("Ange ett startlösenord."),
        Length(min=10, max=1000, message="Lösenordet måste ha 10–1000 tecken.")])


class UserEditForm(Form):
    name = StringField("Namn", validators=[DataRequired("Ange ett namn."),
                                           Length(max=200, message="Högst 200 tecken.")])
    title = StringField("Titel", validators=[Optional(), Length(max=200, message="Högst 200 tecken.")])
    unit = SelectField("Arbetar på enhet", coerce=int, validate_choice=True)


class GrantForm(Form):
    role = SelectField("Roll", choices=choices((r, ROLES[r]) for r in GRANTABLE_ROLES),
                       validate_choice=True)
    units = CheckboxesField("Enheter (för rektor/enhetschef)", coerce=int)
    departments = CheckboxesField("Förvaltningar (för redaktör)", coerce=int)


class ScopeForm(Form):
    units = CheckboxesField("Enheter som rektorn/enhetschefen ansvarar för", coerce=int)
    departments = CheckboxesField("Förvaltningar som redaktören arbetar för", coerce=int)


class PasswordResetForm(Form):
    """A new password the administrator types (twice), or one the portal generates ("generate")."""

    # new-password: browsers must not fill in the administrator's own saved password here.
    password = PasswordField("Nytt lösenord", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Upprepa det nya lösenordet", render_kw={"autocomplete": "new-password"})
    save = SubmitField("Sätt lösenordet")
    generate = SubmitField("Skapa ett slumpat lösenord")

    def validate_password(self, field):
        if self.generate.data:
            return
        if not field.data:
            raise ValidationError("Ange ett nytt lösenord, eller skapa ett slumpat.")
        if not 10 <= len(field.data) <= 1000:
            raise ValidationError("Lösenordet måste ha 10–1000 tecken.")

    def validate_confirm(self, field):
        if self.generate.data or not self.password.data:
            return
        if field.data != self.password.data:
            raise ValidationError("Lösenorden är inte lika. Skriv samma lösenord i båda fälten.")


class RevokeForm(Form):
    role = SelectField("Roll", choices=choices((r, ROLES[r]) for r in GRANTABLE_ROLES), validate_choice=True)


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that change state."""


class DepartmentForm(Form):
    name = StringField("Namn på förvaltningen", validators=[
        DataRequired("Ange ett namn."), Length(max=200, message="Högst 200 tecken.")])


class DepartmentEditForm(Form):
    name = StringField("Nytt namn", validators=[
        DataRequired("Ange ett namn."), Length(max=200, message="Högst 200 tecken.")])


class UnitForm(Form):
    department = SelectField("Förvaltning", coerce=int, validate_choice=True)
    name = StringField("Namn på enheten", validators=[
        DataRequired("Ange ett namn."), Length(max=200, message="Högst 200 tecken.")])
    kind = SelectField("Typ", choices=choices(UNIT_KINDS.items()), validate_choice=True)


class UnitEditForm(Form):
    name = StringField("Namn", validators=[DataRequired("Ange ett namn."),
                                           Length(max=200, message="Högst 200 tecken.")])
    kind = SelectField("Typ", choices=choices(UNIT_KINDS.items()), validate_choice=True)
    active = BooleanField("Aktiv")
    # org.RoutineLoss.token, from a ticked checkbox (admin/unit_edit.html), never a hidden value.
    confirm_loss = StringField(validators=[Optional(), Length(max=2000)])


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CalendarDateField(DateField):
    """A date as ÅÅÅÅ-MM-DD; a day written so that is not in the calendar (2026-02-30) is named as
    such, not as a wrong format."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            typed = " ".join(valuelist).strip()
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed):
                raise ValueError(f"{typed} finns inte i kalendern.") from None
            raise


class UserFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField("Sök namn eller e-post", filters=[_strip],
                    validators=[Optional(), Length(max=200, message="Högst 200 tecken.")])
    roll = SelectField("Roll", choices=choices([("", "Alla roller"), ("reader", "Endast läsare")]
                                               + [(r, ROLES[r]) for r in GRANTABLE_ROLES]),
                       validators=[Optional()], validate_choice=True)
    sida = StringField("Sida", validators=[Optional()])

    def validate_sida(self, field):
        if not re.fullmatch(r"[0-9]{1,7}", field.data) or not 1 <= int(field.data) <= 1_000_000:
            raise ValidationError("Ange sidan som ett heltal från 1 och uppåt.")

    @property
    def page(self) -> int:
        return int(self.sida.data) if self.sida.data else 1


class AuditFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    # Only spaces is no text to search for.
    q = StringField("Fritext", filters=[_strip],
                    validators=[Optional(), Length(max=200, message="Högst 200 tecken.")])
    action = SelectField("Händelse", validators=[Optional()], validate_choice=False)
    target_type = SelectField("Typ av objekt", validators=[Optional()], validate_choice=False)
    from_date = CalendarDateField("Från och med", validators=[Optional(), DateInRange()],
                                  render_kw={"placeholder": "ÅÅÅÅ-MM-DD"})
    to_date = CalendarDateField("Till och med", validators=[Optional(), DateInRange()])

    def validate_from_date(self, field):
        if field.data and self.to_date.data and field.data > self.to_date.data:
            raise ValidationError("Från-datumet är efter till-datumet.")
