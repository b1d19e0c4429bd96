"""Administration: users, roles and scopes, departments and units, the audit log."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal import audit, clock
from portal.admin.forms import (AuditFilterForm, DepartmentEditForm, DepartmentForm, EmptyForm, GrantForm,
                                PasswordResetForm, RevokeForm, ScopeForm, UnitEditForm, UnitForm,
                                UserCreateForm, UserEditForm, UserFilterForm, unit_choices,
                                unit_groups)
from portal.auth import services as accounts
from portal.auth.models import ROLES
from portal.errors import ValidationError
from portal.forms import apply_error, choices
from portal.org import services as org
from portal.policy import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")

NO_UNIT = SelectChoice(0, "– ingen enhet –")


def _sentence(text: str) -> str:
    """A message that ends with a name: one full stop, also after a name that ends with one."""
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _unit_or_none(unit_id: int):
    return org.get_unit(unit_id) if unit_id else None


@bp.route("/")
@requires("admin.access")
def index():
    return render_template("admin/index.html")


@bp.route("/anvandare")
@requires("admin.access")
def users():
    form = UserFilterForm(request.args)
    if not form.validate():
        return render_template("admin/users.html", form=form, users=None, page_note=None, filter_args={}), 400
    requested = form.page
    users = accounts.search_users(q=form.q.data or "", role=form.roll.data or "", page=requested)
    page_note = (f"Sidan {requested} finns inte, sista sidan är {users.pages}. Här visas den."
                 if requested > users.pages else None)
    filter_args = {key: value for key, value in request.args.items() if key != "sida" and value}
    return render_template("admin/users.html", form=form, users=users, page_note=page_note,
                           filter_args=filter_args)


@bp.route("/anvandare/ny", methods=["GET", "POST"])
@requires("admin.access")
def user_new():
    form = UserCreateForm()
    form.unit.choices = [NO_UNIT] + unit_choices(org.list_units())
    if form.validate_on_submit():
        try:
            user = accounts.create_user(current_user, form.email.data, form.name.data,
                                        form.password.data, title=form.title.data or "",
                                        unit=_unit_or_none(form.unit.data))
        except ValidationError as error:
            apply_error(form, error)
        else:
            flash(f"Kontot för {user.name} är skapat. Ge personen startlösenordet på ett säkert sätt.",
                  "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_new.html", form=form), 400 if form.errors else 200


def _user_forms(user):
    units = org.list_units()
    departments = org.list_departments()
    edit = UserEditForm(prefix="profil", obj=None)
    edit.unit.choices = [NO_UNIT] + unit_choices(units, keep=[user.unit] if user.unit else [])
    grant = GrantForm(prefix="roll")
    # A new grant takes active units only (already headed ones stay in the scope anyway).
    grant.units.choices = unit_choices(units, with_department=False)
    grant.departments.choices = choices((d.id, d.name) for d in departments)
    scope = ScopeForm(prefix="omfang")
    scope.units.choices = unit_choices(units, keep=user.headed_units, with_department=False)
    scope.departments.choices = grant.departments.choices
    grant.units.groups = scope.units.groups = unit_groups(units)  # the checkboxes under their department
    return edit, grant, scope


def _fill_from_user(user, edit, scope) -> None:
    edit.name.data, edit.title.data, edit.unit.data = user.name, user.title, user.unit_id or 0
    scope.units.data = [u.id for u in user.headed_units]
    scope.departments.data = [d.id for d in user.editor_departments]


@bp.route("/anvandare/<int:user_id>")
@requires("admin.access")
def user_detail(user_id: int):
    user = accounts.get_user(user_id)
    edit, grant, scope = _user_forms(user)
    _fill_from_user(user, edit, scope)
    return _render_user(user, edit, grant, scope)


def _render_user(user, edit, grant, scope, status=200, *, password_form=None, new_password=None):
    return render_template("admin/user_detail.html", user=user, edit=edit, grant=grant, scope=scope,
                           revoke=RevokeForm(prefix="bort"), button=EmptyForm(),
                           password_form=password_form or PasswordResetForm(prefix="losenord", formdata=None),
                           new_password=new_password), status


@bp.route("/anvandare/<int:user_id>/losenord", methods=["POST"])
@requires("user.set_password")
def user_password(user_id: int):
    """Set a new password for someone who has forgotten theirs: typed by the administrator, or
    generated and shown on this one response only (never flashed: the session cookie is readable)."""
    user = accounts.get_user(user_id)
    form = PasswordResetForm(prefix="losenord")
    if form.validate_on_submit():
        try:
            if form.generate.data:
                password = accounts.set_generated_password(current_user, user)
            else:
                accounts.set_password(current_user, user, form.password.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            if not form.generate.data:
                flash(f"{user.name} har fått ett nytt lösenord. Personens inloggningar är avslutade; "
                      "ge lösenordet till personen på ett säkert sätt.", "success")
                return redirect(url_for("admin.user_detail", user_id=user.id))
            edit, grant, scope = _user_forms(user)
            _fill_from_user(user, edit, scope)
            response, status = _render_user(user, edit, grant, scope, new_password=password)
            return response, status, {"Cache-Control": "no-store"}
    edit, grant, scope = _user_forms(user)
    _fill_from_user(user, edit, scope)
    return _render_user(user, edit, grant, scope, 400, password_form=form)


@bp.route("/anvandare/<int:user_id>/profil", methods=["POST"])
@requires("admin.access")
def user_update(user_id: int):
    user = accounts.get_user(user_id)
    edit, grant, scope = _user_forms(user)
    if edit.validate_on_submit():
        try:
            changed = accounts.update_profile(current_user, user, name=edit.name.data,
                                              title=edit.title.data or "", unit=_unit_or_none(edit.unit.data))
        except ValidationError as error:
            apply_error(edit, error)
        else:
            if changed:
                flash("Uppgifterna är sparade.", "success")
            else:
                flash("Uppgifterna är oförändrade.", "info")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _render_user(user, edit, grant, scope, 400)


@bp.route("/anvandare/<int:user_id>/roller", methods=["POST"])
@requires("admin.access")
def user_grant(user_id: int):
    user = accounts.get_user(user_id)
    edit, grant, scope = _user_forms(user)
    if grant.validate_on_submit():
        try:
            outcome = accounts.grant_role(current_user, user, grant.role.data,
                                          units=[org.get_unit(i) for i in grant.units.data],
                                          departments=[org.get_department(i) for i in grant.departments.data])
        except ValidationError as error:
            apply_error(grant, error)
        else:
            flash(*_grant_message(user, ROLES[grant.role.data], outcome))
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _render_user(user, edit, grant, scope, 400)


def _grant_message(user, role_label: str, outcome) -> tuple[str, str]:
    """What a grant did, in words: the role, what it added to the scope, or that nothing changed."""
    added = []
    if outcome.units:
        added.append(("enheten " if len(outcome.units) == 1 else "enheterna ")
                     + _and_list([u.name_with_department for u in outcome.units]))
    if outcome.departments:
        added.append(("förvaltningen " if len(outcome.departments) == 1 else "förvaltningarna ")
                     + _and_list([d.name for d in outcome.departments]))
    if outcome.granted:
        return f"Rollen {role_label} är tilldelad.", "success"
    if added:
        return f"Rollen {role_label} gällde redan; lade till {' och '.join(added)}.", "success"
    return f"{user.name} hade redan rollen {role_label} med det valda. Ingenting ändrades.", "info"


def _and_list(names: list[str]) -> str:
    """"A", "A och B", "A, B och C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


@bp.route("/anvandare/<int:user_id>/roller/ta-bort", methods=["POST"])
@requires("admin.access")
def user_revoke(user_id: int):
    user = accounts.get_user(user_id)
    form = RevokeForm(prefix="bort")
    if form.validate_on_submit():
        label = ROLES[form.role.data]
        try:
            revoked = accounts.revoke_role(current_user, user, form.role.data)
        except ValidationError as error:
            flash(error.message, "error")
        else:
            if revoked:
                flash(f"Rollen {label} är borttagen.", "success")
            else:
                flash(f"Personen hade inte rollen {label}. Ingenting ändrades.", "info")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    flash("Välj en roll att ta bort.", "error")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/anvandare/<int:user_id>/omfang", methods=["POST"])
@requires("admin.access")
def user_scope(user_id: int):
    user = accounts.get_user(user_id)
    edit, grant, scope = _user_forms(user)
    if scope.validate_on_submit():
        try:
            changed = accounts.set_scope(current_user, user,
                                         units=[org.get_unit(i) for i in scope.units.data],
                                         departments=[org.get_department(i) for i in scope.departments.data])
        except ValidationError as error:
            apply_error(scope, error)
        else:
            if changed:
                flash("Behörighetsomfånget är sparat.", "success")
            else:
                flash("Behörighetsomfånget är oförändrat.", "info")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return _render_user(user, edit, grant, scope, 400)


@bp.route("/anvandare/<int:user_id>/inaktivera", methods=["POST"])
@requires("admin.access")
def user_disable(user_id: int):
    return _set_active(user_id, False)


@bp.route("/anvandare/<int:user_id>/aktivera", methods=["POST"])
@requires("admin.access")
def user_enable(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = accounts.get_user(user_id)
    if EmptyForm().validate_on_submit():
        try:
            changed = accounts.set_active(current_user, user, active)
        except ValidationError as error:
            flash(error.message, "error")
        else:
            if changed:
                flash(f"{user.name} är {'aktiverad' if active else 'inaktiverad'}.", "success")
            else:
                flash(f"Kontot var redan {'aktivt' if active else 'inaktiverat'}. Ingenting ändrades.", "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/organisation", methods=["GET", "POST"])
@requires("admin.access")
def organisation():
    departments = org.list_departments()
    department_form = DepartmentForm(prefix="forvaltning")
    unit_form = UnitForm(prefix="enhet")
    unit_form.department.choices = choices((d.id, d.name) for d in departments)
    status = 200
    if request.method == "POST":
        form = department_form if "forvaltning-name" in request.form else unit_form
        if form.validate_on_submit():
            try:
                if form is department_form:
                    created = org.create_department(current_user, form.name.data)
                else:
                    created = org.create_unit(current_user, org.get_department(form.department.data),
                                              form.name.data, form.kind.data)
            except ValidationError as error:
                apply_error(form, error)
            else:
                flash(f"{created.name} är skapad.", "success")
                return redirect(url_for("admin.organisation"))
        status = 400
    return render_template("admin/organisation.html", departments=departments,
                           department_form=department_form, unit_form=unit_form), status


@bp.route("/organisation/forvaltning/<int:department_id>", methods=["GET", "POST"])
@requires("admin.access")
def department_edit(department_id: int):
    department = org.get_department(department_id)
    form = DepartmentEditForm(data={"name": department.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        old = department.name
        try:
            renamed = org.rename_department(current_user, department, form.name.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            if renamed:
                flash(_sentence(f"{old} heter nu {department.name}"), "success")
            else:
                flash("Namnet är oförändrat.", "info")
            return redirect(url_for("admin.organisation"))
    return render_template("admin/department_edit.html", department=department, form=form), \
        400 if form.errors else 200


@bp.route("/organisation/enhet/<int:unit_id>", methods=["GET", "POST"])
@requires("admin.access")
def unit_edit(unit_id: int):
    unit = org.get_unit(unit_id)
    form = UnitEditForm(obj=unit if request.method == "GET" else None)
    loss = None
    if form.validate_on_submit():
        try:
            changed = org.update_unit(current_user, unit, name=form.name.data, kind=form.kind.data,
                                      active=form.active.data, confirmed_loss=form.confirm_loss.data or "")
        except ValidationError as error:
            loss = error.details.get("loss")  # shown by the checkbox that confirms it
            if loss is None:
                apply_error(form, error)
        else:
            if changed:
                flash("Enheten är sparad.", "success")
            else:
                flash("Enheten är oförändrad.", "info")
            return redirect(url_for("admin.organisation"))
    return render_template("admin/unit_edit.html", unit=unit, form=form, loss=loss), \
        400 if form.errors or loss else 200


@bp.route("/logg")
@requires("admin.access")
def audit_log():
    form = AuditFilterForm(request.args)
    form.action.choices = choices([("", "Alla händelser")] + sorted(audit.ACTIONS.items(), key=lambda kv: kv[1]))
    form.target_type.choices = choices([("", "Alla typer")] + list(audit.TARGET_TYPES.items()))
    if not form.validate():
        # A refused filter shows no events: a list under the error would look filtered.
        return render_template("admin/audit.html", form=form, events=None, filter_args={}, page_note=None,
                               time_zone=clock.zone().key), 400
    # Bounded: a huge page number would overflow the database's OFFSET.
    requested = request.args.get("sida", 1, type=int)
    page = max(min(requested, 1_000_000), 1)
    filters = {"q": form.q.data or "", "action": form.action.data or "", "target_type": form.target_type.data or "",
               "from_date": form.from_date.data, "to_date": form.to_date.data}
    events = audit.search_events(**filters, page=page)
    page_note = None
    if events.pages and page > events.pages:
        page_note = f"Sidan {requested} finns inte, sista sidan är {events.pages}. Här visas den."
        events = audit.search_events(**filters, page=events.pages)
    filter_args = {key: value for key, value in request.args.items() if key != "sida"}
    # Times show in the portal's zone (the `datum` filter), not as stored (UTC): the header says which.
    return render_template("admin/audit.html", form=form, events=events, filter_args=filter_args,
                           page_note=page_note, time_zone=clock.zone().key)
