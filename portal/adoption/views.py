"""Adoption pages: the unit head's checklist (/min-enhet), dashboards (/inforande) and exports."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.adoption import services
from portal.adoption.forms import ChecklistForm, ConfirmForm, DateForm, DeadlineForm, ItemForm
from portal.errors import EditConflict, NotFound, PermissionDenied, ValidationError
from portal.extensions import csrf
from portal.forms import apply_error
from portal.handbook import services as handbook
from portal.policy import authorize, can, requires

bp = Blueprint("adoption", __name__)

FILTERS = {"inaktuella": "stale", "forsenade": "overdue", "pagar": "in_progress", "ej-paborjade": "not_started",
           "inforda": "adopted"}


@bp.before_request
def follow_renamed_routines():
    """An old address of a renamed routine (a bookmark, a link in an old e-mail) leads to the new one,
    for a user who may see the document; anyone else gets the view's own answer."""
    slug = (request.view_args or {}).get("slug")
    if not slug or request.method not in ("GET", "HEAD") or not current_user.is_authenticated:
        return None
    try:
        document, moved = handbook.find_document(slug)
    except NotFound:
        return None
    if not moved or not handbook.visible_to(current_user, document):
        return None
    parts = request.path.split("/")
    parts[parts.index(slug)] = document.slug
    query = request.query_string.decode()
    return redirect(request.script_root + "/".join(parts) + (f"?{query}" if query else ""), 301)


def _selected_unit(units):
    wanted = request.args.get("enhet", "")
    unit = next((u for u in units if str(u.id) == wanted), None)
    if unit is None and wanted and units:
        # An old bookmark or a changed address: say which unit is shown instead of another silently.
        flash(f"Du är inte rektor eller enhetschef för den enheten (eller så finns den inte). "
              f"Sidan visar {units[0].name} i stället.", "info")
    return unit or (units[0] if units else None)


def _checklist_form(row, submitted, typed):
    """The routine's checklist form: as it was sent (with its errors) when `submitted`, otherwise from
    the current state, with what a refused save held (`typed`, by item index) put in."""
    fresh = ChecklistForm(formdata=None, revision=row.revision.number, items=[
        {"position": item.index, "based_on": item.stamp, "shown": item.fingerprint, "done": item.done,
         "comment": item.comment, **typed.get(item.index, {})} for item in row.items])
    if submitted is None:
        return fresh, list(fresh.items)
    sent = submitted.entries()
    return submitted, [sent.get(item.index) or fresh.items[item.index] for item in row.items]


def _render_my_unit(units, unit, *, status=200, message=None, forms=None, typed=None, notes=None):
    """The unit head's page. `forms` are submitted forms shown as they came (with their errors);
    `typed` is what a refused save held, put into forms based on the current state (409); `notes`
    say at an item (document id, index) why it was not saved."""
    rows = services.my_unit_overview(unit) if unit else []
    forms, typed, notes = forms or {}, typed or {}, notes or {}
    for row in rows:
        key = row.document.id
        row.confirm_form = forms.get(("confirm", key)) or ConfirmForm(
            revision=row.revision.number, formdata=None, **typed.get(("confirm", key), {}))
        row.checklist_form, row.item_forms = _checklist_form(
            row, forms.get(("checklist", key)),
            {k[2]: values for k, values in typed.items() if k[:2] == ("item", key)})
        row.item_notes = {index: note for (doc, index), note in notes.items() if doc == key}
    return render_template("adoption/my_unit.html", units=units, unit=unit, rows=rows, message=message), status


def _refused(what: str, form) -> str:
    """The message above the page when a form did not validate: where to look, and that the typed
    text is still there (reloading the page would throw it away)."""
    if form.csrf_token.errors:
        return (f"{what} kunde inte sparas eftersom formuläret hade gått ut. Ingenting har ändrats. "
                "Det du skrev finns kvar nedan – spara igen.")
    if form.revision.errors:
        return f"{what} kunde inte sparas: " + " ".join(form.revision.errors)
    return f"{what} kunde inte sparas. Rätta det som står vid fältet nedan – det du skrev finns kvar."


@bp.route("/min-enhet")
@requires("adoption.act")
def my_unit():
    units = services.acting_units(current_user)
    return _render_my_unit(units, _selected_unit(units))


def _act(unit_id: int, slug: str):
    unit = services.get_unit(unit_id)
    authorize(current_user, "adoption.act", unit)
    return unit, services.get_routine(slug)


def _back(unit, document):
    return redirect(url_for("adoption.my_unit", enhet=unit.id, _anchor=f"rutin-{document.slug}"))


def _item_states(document, unit) -> dict[int, tuple[bool, str]]:
    """Each item's (done, comment) before a save, to say afterwards what the save changed."""
    return {item.index: (item.done, item.comment) for item in services.unit_status(document, unit).items}


def _change_text(item, before: tuple[bool, str] | None) -> str:
    done_before, comment_before = before or (False, "")
    if item.done == done_before:  # only the comment changed
        return (f"kommentaren till ”{item.text}” är sparad" if item.comment
                else f"kommentaren till ”{item.text}” är borttagen")
    state = f"”{item.text}” är {'klar' if item.done else 'inte klar'}"
    if item.comment == comment_before:
        return state
    if not comment_before:
        return state + " med kommentar"
    return state + (" (med ändrad kommentar)" if item.comment else " (kommentaren borttagen)")


def _saved_message(document, items, before: dict) -> str:
    if not items:
        return f"Inga ändringar att spara i checklistan för ”{document.title}”."
    states = ", ".join(_change_text(item, before.get(item.index)) for item in items)
    if len(items) == 1:
        return f"Sparat: {states}."
    return f"Sparat {services.count_items(len(items))} i ”{document.title}”: {states}."


def _after_save(unit, document, items, before: dict):
    flash(_saved_message(document, items, before), "success" if items else "info")
    # Items unticked after a confirmation: the routine's card says so (my_unit.html), once.
    return _back(unit, document)


def _refused_checklist(units, unit, document, revision_number, edits, conflict):
    """The page again after a refused save, with every item the user changed as they left it."""
    changed = services.edited(edits)
    typed, notes, lost = {}, {}, []
    if revision_number != document.current_revision.number:  # a new version: items follow their text
        for edit in changed:
            now = services.current_index(document, revision_number, edit.index)
            if now is None:
                if edit.comment:
                    lost.append(edit.comment)
            else:
                typed[("item", document.id, now)] = {"done": edit.done, "comment": edit.comment}
    else:
        typed = {("item", document.id, edit.index): {"done": edit.done, "comment": edit.comment} for edit in changed}
        notes = {(document.id, index): f"Ändrad av någon annan under tiden: {text}. Din ändring sparades inte."
                 for index, text in conflict.details.get("conflicts", {}).items()}
    message = conflict.message
    if lost:  # items gone from the new version: their text can only be shown here
        message += (" Kommentaren du skrev (sparades inte): " if len(lost) == 1 else
                    " Kommentarerna du skrev (sparades inte): ") + " ".join(f"”{c}”" for c in lost)
    return _render_my_unit(units, unit, status=409, message=message, typed=typed, notes=notes)


# These forms check their CSRF token themselves (Form's default) instead of app-wide before the
# view runs, so that a token that expired while the unit head was writing gives the page back with
# the text still in it, not an error page.
@bp.route("/min-enhet/<int:unit_id>/<slug>/checklista", methods=["POST"])
@csrf.exempt
@requires("adoption.act")
def save_checklist(unit_id: int, slug: str):
    """Every item of the routine's checklist in one form: what changed is saved, all or nothing."""
    unit, document = _act(unit_id, slug)
    form = ChecklistForm()
    units = services.acting_units(current_user)
    if not form.validate_on_submit():
        unplaced = [error for entry in form.items.entries for error in entry.position.errors]
        message = (f"Checklistan kunde inte sparas: {unplaced[0]}" if unplaced and not form.csrf_token.errors
                   else _refused("Checklistan", form))
        return _render_my_unit(units, unit, status=400, forms={("checklist", document.id): form}, message=message)
    edits = form.edits()
    before = _item_states(document, unit)
    try:
        items = services.save_checklist(current_user, document, unit, revision_number=form.revision.data,
                                        edits=edits)
    except EditConflict as conflict:
        return _refused_checklist(units, unit, document, form.revision.data, edits, conflict)
    except ValidationError as error:
        entries = form.entries()
        for index, text in error.details.get("items", {}).items():
            entries[index].comment.errors = list(entries[index].comment.errors) + [text]
        if not error.details.get("items"):
            form.form_errors.append(error.message)
        return _render_my_unit(units, unit, status=400, forms={("checklist", document.id): form},
                               message=error.message)
    return _after_save(unit, document, items, before)


# One item's own form, as /min-enhet had it before the checklist became one form: a page opened
# before then, or a script, still saves through it (the same service, for one item).
@bp.route("/min-enhet/<int:unit_id>/<slug>/punkt/<int:index>", methods=["POST"])
@csrf.exempt
@requires("adoption.act")
def tick(unit_id: int, slug: str, index: int):
    unit, document = _act(unit_id, slug)
    form = ItemForm()
    units = services.acting_units(current_user)
    edit = services.ItemEdit(index, bool(form.done.data), form.comment.data or "", form.based_on.data)
    # A refused item comes back in the checklist form, still based on what its page showed.
    sent = {("item", document.id, index): {"done": edit.done, "comment": edit.comment,
                                           **({"based_on": edit.based_on} if edit.based_on is not None else {})}}
    if not form.validate_on_submit():
        notes = {(document.id, index): " ".join(form.comment.errors)} if form.comment.errors else None
        return _render_my_unit(units, unit, status=400, message=_refused("Punkten", form), typed=sent, notes=notes)
    before = _item_states(document, unit)
    try:
        items = services.save_checklist(current_user, document, unit, revision_number=form.revision.data,
                                        edits=[edit])
    except EditConflict as conflict:
        return _refused_checklist(units, unit, document, form.revision.data, [edit], conflict)
    except ValidationError as error:
        return _render_my_unit(units, unit, status=400, message=error.message, typed=sent,
                               notes={(document.id, index): error.message})
    return _after_save(unit, document, items, before)


@bp.route("/min-enhet/<int:unit_id>/<slug>/bekrafta", methods=["POST"])
@csrf.exempt
@requires("adoption.act")
def confirm(unit_id: int, slug: str):
    unit, document = _act(unit_id, slug)
    form = ConfirmForm()
    units = services.acting_units(current_user)
    if not form.validate_on_submit():
        return _render_my_unit(units, unit, status=400, forms={("confirm", document.id): form},
                               message=_refused("Bekräftelsen", form))
    try:
        confirmation = services.confirm(current_user, document, unit, revision_number=form.revision.data,
                                        reason=form.reason.data or "")
    except EditConflict as conflict:
        return _render_my_unit(units, unit, status=409, message=conflict.message,
                               typed={("confirm", document.id): {"reason": form.reason.data or ""}})
    except ValidationError as error:
        apply_error(form, error)
        # Said once: at the field when it belongs to one, the top only says where to look.
        at_field = error.message not in form.form_errors
        return _render_my_unit(units, unit, status=400, forms={("confirm", document.id): form},
                               message=_refused("Bekräftelsen", form) if at_field else error.message)
    flash(f"{unit.name} har bekräftat att ”{document.title}” är införd (version {confirmation.revision_number}).",
          "success")
    return _back(unit, document)


@bp.route("/min-enhet/<int:unit_id>/<slug>")
@requires("adoption.view_unit")
def unit_routine(unit_id: int, slug: str):
    """One unit's adoption of one routine: status, what changed since its confirmation, history."""
    unit, document = services.get_unit(unit_id), services.get_routine(slug)
    if not services.may_view(current_user, document, unit) or not services.applies(document, unit):
        raise PermissionDenied()
    status = services.unit_status(document, unit)
    comparison = None
    if status.confirmation and status.confirmation.revision_number != status.revision.number:
        # As readers see the text (rendered, notes to the editors only for those who may see them).
        comparison = handbook.compare(current_user, document, status.confirmation.revision_number,
                                      status.revision.number)
    return render_template("adoption/unit_routine.html", s=status, comparison=comparison,
                           history=services.history(document, unit))


def _dashboard(date_form=None, status=200, message=None):
    status_filter = FILTERS.get(request.args.get("visa", ""), "")
    return render_template("adoption/dashboard.html", rows=services.matrix(current_user, status_filter),
                           statuses=services.STATUSES, filters=FILTERS, active=request.args.get("visa", ""),
                           date_form=date_form or DateForm(formdata=None), message=message), status


@bp.route("/inforande")
@requires("adoption.view_unit")
def dashboard():
    user = current_user._get_current_object()
    if not can(user, "adoption.dashboard"):
        # Staff without the overview follow their own unit's adoption (DESIGN: "own unit"); the
        # address of the overview takes them there.
        if user.unit is not None and can(user, "adoption.view_unit", user.unit):
            return redirect(url_for("adoption.unit", unit_id=user.unit.id))
        raise PermissionDenied()
    return _dashboard()


@bp.route("/inforande/rutin/<slug>", methods=["GET", "POST"])
@requires("adoption.dashboard")
def routine(slug: str):
    document = services.get_routine(slug)
    form = DeadlineForm(deadline=services.deadline_of(document) if request.method == "GET" else None)
    if request.method == "POST":
        authorize(current_user, "adoption.set_deadline", document)
        if form.validate_on_submit():
            services.set_deadline(current_user, document, form.deadline.data)
            flash("Sista dag för införandet är sparad." if form.deadline.data else "Sista dag är borttagen.", "success")
            return redirect(url_for("adoption.routine", slug=document.slug))
        if form.deadline.errors and form.deadline.data is None:  # unreadable, not out of range
            form.deadline.errors = ["Ange ett datum som ÅÅÅÅ-MM-DD, eller lämna fältet tomt."]
    status_filter = FILTERS.get(request.args.get("visa", ""), "")
    rows = services.routine_units(current_user, document, status_filter)
    return render_template("adoption/routine.html", document=document, rows=rows, form=form,
                           filters=FILTERS, active=request.args.get("visa", ""), statuses=services.STATUSES,
                           date_form=DateForm(formdata=None)), 400 if form.errors else 200


@bp.route("/inforande/rutin/<slug>/per-datum")
@requires("adoption.dashboard")
def evidence(slug: str):
    document = services.get_routine_for_evidence(slug)
    if "datum" not in request.args:
        # Opened from a link: the state today, with the date ready to change.
        form = DateForm(formdata=None, datum=clock.today())
    else:
        form = DateForm(request.args)
        if not form.validate():
            return render_template("adoption/evidence.html", document=document, evidence=None, form=form,
                                   followed_up=services.is_followed_up(document)), 400
    return render_template("adoption/evidence.html", document=document, form=form,
                           followed_up=services.is_followed_up(document),
                           evidence=services.evidence_at(current_user, document, form.datum.data))


@bp.route("/inforande/enhet/<int:unit_id>")
@requires("adoption.view_unit")
def unit(unit_id: int):
    unit = services.get_unit(unit_id)
    rows = services.unit_routines(current_user, unit)
    if not rows and not can(current_user, "adoption.view_unit", unit):
        raise PermissionDenied()
    return render_template("adoption/unit.html", unit=unit, rows=rows)


def _export_day():
    """The day of an export: None for today's state (no `datum`), or the dashboard to show instead
    when `datum` is empty or not a day that can be shown (the same form as the per-date page)."""
    if "datum" not in request.args:
        return None, None
    form = DateForm(request.args)
    if not form.validate():
        return None, _dashboard(form, 400, "Exporten kunde inte göras: " + " ".join(form.datum.errors))
    return form.datum.data, None


@bp.route("/inforande/export.csv")
@requires("adoption.dashboard")
def export_csv():
    day, refused = _export_day()
    if refused:
        return refused
    name = f"inforande-{(day or clock.today()).isoformat()}.csv"
    return Response(services.export_csv(current_user, day), mimetype="text/csv",  # Flask adds the charset
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/inforande/export.xlsx")
@requires("adoption.dashboard")
def export_xlsx():
    day, refused = _export_day()
    if refused:
        return refused
    name = f"inforande-{(day or clock.today()).isoformat()}.xlsx"
    return Response(services.export_xlsx(current_user, day),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
