"""Handbook pages: tree, documents, history, versions, comparison, editing and organising."""
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import (Blueprint, flash, g, get_template_attribute, jsonify, redirect,
                   render_template, request, url_for)
from flask_login import current_user
from markupsafe import Markup

from portal.adoption import services as adoption
from portal.errors import EditConflict, NotFound, ValidationError
from portal.forms import apply_error, choices
from portal.handbook import services
from portal.handbook.diff import word_diff
from portal.handbook.forms import (CreateForm, EditForm, EmptyForm, PublishForm, RenameForm, RestoreForm,
                                   StructureForm, confirmed_removal, fill_meta, meta_from_form)
from portal.handbook.markdown import mark_blanks, render, render_inline, table_cards
from portal.org import services as org
from portal.pagecache import cached_html, page_cache
from portal.policy import can, requires

bp = Blueprint("handbook", __name__)


@bp.app_template_filter("markdown_inline")
def markdown_inline(text: str) -> Markup:
    return Markup(render_inline(text or ""))  # the renderer escapes everything; raw HTML is off


@bp.app_template_filter("table_cards")
def table_cards_filter(html) -> Markup:
    """The rendered comparison's tables ready for a phone, as the document page's (markdown.table_cards).
    Only for HTML the renderer and rendered_diff made: it reads their tags and escapes what it adds."""
    return Markup(table_cards(str(html)))


@bp.before_request
def follow_renamed_slugs():
    """Old addresses of renamed documents lead to the new address, whatever page under it."""
    slug = (request.view_args or {}).get("slug")
    if not slug or request.method not in ("GET", "HEAD"):
        return None
    if request.endpoint == "handbook.document":
        return None  # the document view looks the slug up only when its page is not cached
    if not current_user.is_authenticated:
        return None  # the view sends the visitor to the login page first
    if request.path.endswith("/"):
        return _canonical_redirect(slug)  # None: the view's 404
    try:
        document, moved = _find(slug)
    except NotFound:
        return _canonical_redirect(slug)  # None: the view answers with its own 404
    if moved and services.visible_to(current_user, document):
        return _moved_redirect(slug, document)
    return None  # a document this user may not see: the view's 404, which names no new address


def _moved_redirect(slug: str, document):
    target = request.full_path.rstrip("?").replace(f"/handbok/{slug}", f"/handbok/{document.slug}", 1)
    return redirect(target, 301)


def _canonical_redirect(slug: str):
    """An address typed otherwise than the portal writes it that names a document this user may read
    (services.find_typed_address): a 302 to the document's own address (the same page under it, the
    query string kept). None otherwise, and the view's 404 names nothing."""
    document = services.find_typed_address(slug, request.path.endswith("/"))
    if document is None or not services.visible_to(current_user, document):
        return None
    # Only ever this document's own URL: nothing typed becomes part of the path.
    target = url_for(request.endpoint, **{**request.view_args, "slug": document.slug})
    if request.args:
        target += "?" + urlencode(list(request.args.items(multi=True)))
    return redirect(target, 302)


def _find(slug: str):
    """find_document once per request: the redirect check and the view share the answer."""
    found = g.get("handbook_found")
    if found is None or found[0] != slug:
        found = (slug, *services.find_document(slug))
        g.handbook_found = found
    return found[1], found[2]


def _document(slug: str):
    document, moved = _find(slug)
    services.ensure_visible(current_user, document)  # before the new address is named
    if moved:  # a POST to an old address: act on nothing, say where the document went
        raise NotFound(f"Dokumentet har flyttat till /handbok/{document.slug}.")
    return document


VERSION_ARGS = {"fran": "Från version", "till": "Till version"}  # the compare form's labels


def _int_arg(name: str) -> int:
    value = request.args.get(name, "")
    if not value:
        raise ValidationError("Välj vilka två versioner du vill jämföra: ”Från version” och ”Till version”.")
    if not value.isdigit() or len(value) > 9:
        raise ValidationError(f"”{VERSION_ARGS[name]}” ska vara ett versionsnummer (1, 2, 3 …), inte ”{value}”.")
    return int(value)


# --- Reading ------------------------------------------------------------------------------------

def _page_arg() -> int:
    value = request.args.get("sida", "1")
    return int(value) if value.isdigit() and 0 < len(value) <= 6 else 1


def tree_html(branch=None, page: int = 1) -> Markup:
    """The rendered tree (top or one branch). Shared by everyone who sees no drafts, so cached for them
    per content version; editors get theirs made for them."""
    def build():
        outline = services.tree_page(current_user, branch, page=page)
        return get_template_attribute("handbook/_tree.html", "outline")(outline, branch.slug if branch else None)

    if can(current_user, "document.view_drafts"):
        return Markup(build())
    return cached_html(services.content_version(), ("tree", branch.id if branch else None, page), build)


@bp.route("/handbok")
@requires("document.read")
def tree():
    slug = request.args.get("gren", "")
    if not slug:
        return render_template("handbook/tree.html", outline=tree_html(page=_page_arg()), branch=None)
    branch, moved = _find(slug)
    if moved:
        return redirect(url_for("handbook.tree", gren=branch.slug), 301)
    services.ensure_visible(current_user, branch)
    return render_template("handbook/tree.html", outline=tree_html(branch, _page_arg()), branch=branch,
                           trail=services.breadcrumbs(branch, current_user))


@dataclass(frozen=True)
class DocumentFacts:
    """What the policy needs to know about a cached page's document (it reads department_id)."""

    id: int
    slug: str
    kind: str
    department_id: int


@dataclass(frozen=True)
class DocumentPage:
    title: str
    crumbs: Markup
    article: Markup
    facts: DocumentFacts


def _shows_editor_view(user, facts) -> bool:
    # Editors in scope see draft notices and edit links, which change without a new content version
    # (saving a draft is not visible to readers): their pages are never cached.
    return can(user, "document.view_drafts", facts) or can(user, "document.edit", facts)


@bp.route("/handbok/<slug>", strict_slashes=False)
@requires("document.read")
def document(slug: str):
    # The page cache holds the published page as a reader sees it, per slug, address of the site (the
    # printed footer names it) and the one permission fact that changes it for a non-editor.
    if request.path.endswith("/"):  # never a page cached or shown under a second address
        if (target := _canonical_redirect(slug)) is not None:
            return target
        raise NotFound("Dokumentet finns inte.")
    version = services.content_version()
    user = current_user._get_current_object()
    dashboard = can(user, "adoption.dashboard")
    # (scheme, host, root path) decide request.url_root, without building it on every request.
    key = ("document", slug, request.scheme, request.host, request.root_path, dashboard)
    cache = page_cache()
    page = cache.get(version, key)
    if page is None or _shows_editor_view(user, page.facts):
        try:
            doc, moved = _find(slug)
        except NotFound:
            if (target := _canonical_redirect(slug)) is not None:
                return target
            raise
        services.ensure_visible(current_user, doc)  # before the new address is named
        if moved:
            return _moved_redirect(slug, doc)
        if not doc.is_published:
            return redirect(url_for("handbook.draft", slug=doc.slug))
        page = _render_document_page(doc, dashboard)
        if not _shows_editor_view(user, page.facts):
            cache.put(version, key, page, len(page.article) + len(page.crumbs))
    return render_template("handbook/document.html", page=page)


def _render_document_page(doc, dashboard: bool) -> DocumentPage:
    revision = doc.current_revision
    facts = DocumentFacts(doc.id, doc.slug, doc.kind, doc.department_id)
    editor_view = _shows_editor_view(current_user, facts)
    children, total_children = services.published_children(doc, services.CHILDREN_SHOWN)
    actions = {"edit": can(current_user, "document.edit", doc),
               "adoption": doc.kind != "section" and dashboard}
    prose, blanks = mark_blanks(render(revision.body, editor=True).html if editor_view else revision.html,
                                editor=editor_view)
    article = get_template_attribute("handbook/_document.html", "document_article")(
        doc, revision, children, total_children if total_children > len(children) else 0,
        services.linked_documents(revision), services.backlinks(doc),
        services.pending_draft(doc) if editor_view else None, actions, Markup(table_cards(prose)), blanks,
        editor_view)
    # A reader's page is cached and served to every reader: their trail, whoever rendered it.
    trail = services.breadcrumbs(doc, current_user if editor_view else None)
    crumbs = get_template_attribute("handbook/_document.html", "document_crumbs")(trail, doc)
    return DocumentPage(revision.title, Markup(crumbs), Markup(article), facts)


@bp.route("/handbok/<slug>/historik", strict_slashes=False)
@requires("document.read")
def history(slug: str):
    doc = _document(slug)
    revisions = services.history(current_user, doc)
    return render_template("handbook/history.html", document=doc, revisions=revisions,
                           breadcrumbs=services.breadcrumbs(doc, current_user), button=EmptyForm(),
                           evidence_link=can(current_user, "adoption.dashboard") and adoption.has_evidence(doc))


@bp.route("/handbok/<slug>/version/<int:number>", strict_slashes=False)
@requires("document.read")
def revision(slug: str, number: int):
    doc = _document(slug)
    rev = services.get_revision(current_user, doc, number)
    # Blanks as on the document page: readers see "Uppgift saknas (…)", editors the bracket, marked.
    prose, _ = mark_blanks(rev.html, editor=can(current_user, "document.edit", doc))
    return render_template("handbook/revision.html", document=doc, revision=rev,
                           html=Markup(table_cards(prose)), breadcrumbs=services.breadcrumbs(doc, current_user),
                           button=EmptyForm())


# ?visa= on the compare page: the text as readers see it (the default) or its Markdown source.
COMPARE_VIEWS = {"text": False, "kalla": True}


def _source_arg() -> bool:
    value = request.args.get("visa", "text")
    if value not in COMPARE_VIEWS:
        raise ValidationError(f"”Visa” kan vara ”text” (texten som i handboken) eller ”kalla” "
                              f"(källtexten i Markdown), inte ”{value[:40]}”.")
    return COMPARE_VIEWS[value]


@bp.route("/handbok/<slug>/jamfor", strict_slashes=False)
@requires("document.read")
def compare(slug: str):
    doc = _document(slug)
    page = {"document": doc, "revisions": services.history(current_user, doc),
            "breadcrumbs": services.breadcrumbs(doc, current_user),
            "source_offered": can(current_user, "document.read_source", doc)}
    try:
        old, new, source = _int_arg("fran"), _int_arg("till"), _source_arg()
    except ValidationError as error:
        return render_template("handbook/compare.html", comparison=None, error=error.message, **page), 400
    # A link to the source view sent to someone who may not read the source shows them the text.
    source_refused = source and not page["source_offered"]
    comparison = services.compare(current_user, doc, old, new, source=source and not source_refused)
    return render_template("handbook/compare.html", comparison=comparison, error=None,
                           source_refused=source_refused, **page)


# --- Editing ------------------------------------------------------------------------------------

def _departments():
    departments = org.list_departments()
    return departments, {d.id: d for d in departments}


def _parent_choices(exclude=None):
    return choices([(0, "– Överst i handboken –")] + [
        (doc.id, f"{doc.title} ({doc.slug}){'' if doc.is_published else ' – ej publicerad'}")
        for doc in services.list_documents(include_archived=False) if exclude is None or doc.id != exclude.id])


@bp.route("/handbok/ny", methods=["GET", "POST"])
@requires("document.create")
def create():
    departments, by_id = _departments()
    form = CreateForm()
    form.department.choices = choices((d.id, d.name) for d in departments if can(current_user, "document.create", d))
    form.parent.choices = _parent_choices()
    form.applies_to.choices = choices((d.id, d.name) for d in departments)
    if form.validate_on_submit():
        try:
            doc = services.create_document(
                current_user, slug=form.slug.data, title=form.title.data, kind=form.kind.data,
                department=by_id[form.department.data],
                parent=services.get_document_by_id(form.parent.data) if form.parent.data else None,
                meta=meta_from_form(form, by_id))
        except ValidationError as error:
            _apply_slug_proposal(form.slug, error, "Skapa utkast")
            apply_error(form, error)
        else:
            flash(f"Dokumentet är skapat som utkast med adressen /handbok/{doc.slug}. Skriv texten och "
                  "publicera när den är klar.", "success")
            return redirect(url_for("handbook.edit", slug=doc.slug))
    return render_template("handbook/create.html", form=form), 400 if form.errors else 200


def _apply_slug_proposal(field, error: ValidationError, button: str) -> None:
    """A refused address with a proposal: the proposal goes into the field, and the message says so."""
    proposal = error.details.get("proposal")
    if proposal:
        field.data = proposal
        error.message += f" (ifyllt i fältet – tryck ”{button}” igen för att använda det, eller ändra det)."


def _edit_form(doc, departments):
    form = EditForm()
    form.applies_to.choices = choices((d.id, d.name) for d in departments)
    return form


@bp.route("/handbok/<slug>/redigera", methods=["GET", "POST"])
@requires("document.edit")
def edit(slug: str):
    doc = _document(slug)
    services.authorize_edit(current_user, doc)
    departments, by_id = _departments()
    form = _edit_form(doc, departments)
    latest = services.latest_revision(doc)
    if request.method == "GET":
        if doc.is_archived:
            flash("Dokumentet är arkiverat. Ta tillbaka det från arkivet innan du redigerar.", "warning")
            return redirect(url_for("handbook.settings", slug=doc.slug))
        form.base_number.data = latest.number
        form.title.data, form.body.data = latest.title, latest.body
        fill_meta(form, latest.meta, departments)
        # A saved draft that already narrows "gäller för" (or its unit types) shows what publishing it
        # would take, up front.
        removal = None if latest.is_published else services.revision_scope_loss(doc, latest)
        return _render_edit(doc, form, latest, removal=removal)
    if not form.validate_on_submit():
        return _render_edit(doc, form, latest), 400
    action = request.form.get("action", "save")
    meta = meta_from_form(form, by_id)
    stored = (latest.meta or {}).get("applies_to") or []
    if set(meta["applies_to"]) == set(stored):
        meta["applies_to"] = list(stored)  # the form lists departments by name: keep their stored order
    try:
        base_number = int(form.base_number.data)
    except ValueError:
        form.form_errors.append("Formuläret saknar versionsnummer. Ladda om sidan.")
        return _render_edit(doc, form, latest), 400
    if action == "preview":
        return _render_edit(doc, form, latest, preview=_preview_html(form.body.data or ""))
    try:
        if action == "publish":
            published = services.save_and_publish(
                current_user, doc, base_number=base_number, title=form.title.data, body=form.body.data,
                meta=meta, note=form.change_note.data, substantial=_substantial(form.change_kind.data),
                confirmed_removal=confirmed_removal(form))
            flash(f"Version {published.number} är publicerad.", "success")
            return redirect(url_for("handbook.document", slug=doc.slug))
        saved = services.save_draft(current_user, doc, base_number=base_number, title=form.title.data,
                                    body=form.body.data, meta=meta, note=form.save_note.data or "")
    except EditConflict as conflict:
        return _render_conflict(doc, form, conflict, departments, base_number, meta)
    except ValidationError as error:
        apply_error(form, error)
        if error.details.get("loss"):  # the confirmation sits by the publish button, far down the page
            form.form_errors.append(error.details["loss"].form_error)
        return _render_edit(doc, form, latest, removal=error.details.get("loss")), 400
    if saved.number == base_number:  # the text was the one already saved: no new version
        flash(f"Inget är ändrat sedan version {saved.number}, så ingen ny version sparades.", "info")
    else:
        flash(f"Utkastet är sparat som version {saved.number}. Det syns inte för läsare förrän det publiceras.",
              "success")
    return redirect(url_for("handbook.edit", slug=doc.slug))


def _substantial(choice):
    return {"minor": False, "substantial": True}.get(choice)


def _render_edit(doc, form, latest, preview=None, removal=None):
    # `removal` (a services.ScopeLoss): the publish box asks to confirm it (_publish_box.html).
    warnings = services.publish_warnings(form.body.data, {"review_by": form.review_by.data,
                                                          "applies_to": form.applies_to.data or []}, doc.kind)
    return render_template("handbook/edit.html", document=doc, form=form, latest=latest, preview=preview,
                           removal=removal, warnings=warnings, breadcrumbs=services.breadcrumbs(doc, current_user))


def _render_conflict(doc, form, conflict, departments, base_number: int, meta: dict):
    """The 409 page: both texts and their difference, and the edit form again with everything the
    editor typed (comment, change note and kind included), title and metadata merged three ways."""
    theirs = conflict.details["theirs"]
    yours = conflict.details.get("yours") or {"title": form.title.data, "body": form.body.data, "meta": meta}
    try:
        base = services.get_revision(current_user, doc, base_number)
    except NotFound:  # a form with a number that never existed: nothing to merge against
        base = None
    merge = services.merge_conflict(base, theirs, yours)
    form.base_number.data = str(theirs.number)
    form.title.data, form.body.data = merge.title, merge.body
    fill_meta(form, merge.meta, departments)
    if not form.save_note.data:
        form.save_note.data = f"Sammanslagen efter konflikt med version {theirs.number}"
    warnings = services.publish_warnings(merge.body, merge.meta, doc.kind)
    return render_template("handbook/conflict.html", document=doc, form=form, theirs=theirs, yours=yours,
                           warnings=warnings,
                           merge=merge, message=conflict.message, segments=word_diff(theirs.body, merge.body),
                           breadcrumbs=services.breadcrumbs(doc, current_user)), 409


@bp.route("/handbok/<slug>/utkast")
@requires("document.view_drafts")
def draft(slug: str):
    doc = _document(slug)
    services.authorize_edit(current_user, doc)
    pending = services.pending_draft(doc)
    if pending is None:
        flash("Det finns inget opublicerat utkast.", "info")
        return redirect(url_for("handbook.document", slug=doc.slug))
    form = PublishForm(number=pending.number)
    return _render_draft(doc, pending, form, services.revision_scope_loss(doc, pending))


def _render_draft(doc, pending, form, removal):
    comparison = services.compare_revisions(doc.current_revision, pending) if doc.current_revision else None
    return render_template("handbook/draft.html", document=doc, revision=pending, form=form, removal=removal,
                           warnings=services.publish_warnings(pending.body, pending.meta, doc.kind),
                           html=Markup(table_cards(render(pending.body, editor=True).html)),
                           comparison=comparison, breadcrumbs=services.breadcrumbs(doc, current_user))


@bp.route("/handbok/<slug>/publicera", methods=["POST"])
@requires("document.edit")
def publish(slug: str):
    doc = _document(slug)
    services.authorize_edit(current_user, doc)
    form = PublishForm()
    pending = services.pending_draft(doc)
    if pending is None:
        flash("Det finns inget opublicerat utkast att publicera.", "info")
        return redirect(url_for("handbook.document", slug=doc.slug))
    if form.validate_on_submit():
        if str(pending.number) != form.number.data:
            form.form_errors.append(f"Utkastet har ändrats sedan du öppnade sidan (nu version {pending.number}). "
                                    "Granska det nya utkastet innan du publicerar.")
        else:
            # An EditConflict (published or saved by someone else meanwhile) is the 409 page.
            try:
                services.publish(doc, pending, current_user, form.change_note.data,
                                 _substantial(form.change_kind.data), confirmed_removal=confirmed_removal(form))
            except ValidationError as error:
                apply_error(form, error)
            else:
                flash(f"Version {pending.number} är publicerad.", "success")
                return redirect(url_for("handbook.document", slug=doc.slug))
    return _render_draft(doc, pending, form, services.revision_scope_loss(doc, pending)), 400


@bp.route("/handbok/<slug>/version/<int:number>/aterstall", methods=["POST"])
@requires("document.edit")
def restore(slug: str, number: int):
    doc = _document(slug)
    form = RestoreForm()
    if not form.validate_on_submit():
        raise ValidationError("Formuläret har gått ut. Ladda om sidan och försök igen.")
    over = form.over_draft.data or ""
    try:
        revision = services.restore(current_user, doc, number,
                                    over_draft=int(over) if over.isdigit() and len(over) <= 9 else None)
    except EditConflict as conflict:  # an unpublished draft is newest: the editor confirms first
        draft = conflict.details["draft"]
        return render_template("handbook/restore_confirm.html", document=doc, number=number, draft=draft,
                               message=conflict.message, form=RestoreForm(over_draft=draft.number),
                               breadcrumbs=services.breadcrumbs(doc, current_user)), 409
    except ValidationError as error:
        flash(error.message, "error")
        return redirect(url_for("handbook.history", slug=doc.slug))
    flash(f"Version {number} är återställd som ett nytt utkast (version {revision.number}). "
          "Granska och publicera det när det är klart.", "success")
    return redirect(url_for("handbook.edit", slug=doc.slug))


@bp.route("/handbok/forhandsgranska", methods=["POST"])
@requires("editor.tools")
def preview():
    """Server-rendered preview for the editor's live preview script: the text as the page shows it."""
    body = request.form.get("body", "")
    if len(body) > services.MAX_BODY_CHARS:
        raise ValidationError("Texten är för lång för förhandsgranskning.")
    return jsonify({"html": _preview_html(body)})


def _preview_html(body: str) -> str:
    # The text as an editor sees it on the document page, its tables too (the blanks are not marked here).
    return table_cards(render(body, editor=True).html)


# --- Organising ---------------------------------------------------------------------------------

@bp.route("/handbok/<slug>/installningar", methods=["GET", "POST"])
@requires("document.edit")
def settings(slug: str):
    doc = _document(slug)
    services.authorize_edit(current_user, doc)
    departments, by_id = _departments()
    structure = StructureForm(prefix="struktur")
    structure.parent.choices = _parent_choices(exclude=doc)
    # The owning department can be moved only to one the editor may create documents in (the policy's
    # rule in services.set_structure); the current one stays listed.
    structure.department.choices = choices((d.id, d.name) for d in departments
                                           if d.id == doc.department_id or can(current_user, "document.create", d))
    rename = RenameForm(prefix="adress")
    status = 200
    if request.method == "GET":
        structure.parent.data = doc.parent_id or 0
        structure.position.data, structure.kind.data = doc.position, doc.kind
        structure.department.data = doc.department_id
        rename.slug.data = doc.slug
    elif "struktur-position" in request.form:
        if structure.validate_on_submit():
            try:
                services.update_structure(
                    current_user, doc, position=structure.position.data, kind=structure.kind.data,
                    parent=services.get_document_by_id(structure.parent.data) if structure.parent.data else None,
                    department=by_id[structure.department.data])
            except ValidationError as error:
                apply_error(structure, error)
            else:
                flash("Placeringen är sparad.", "success")
                return redirect(url_for("handbook.settings", slug=doc.slug))
        status = 400
    else:
        if rename.validate_on_submit():
            old_slug = doc.slug
            try:
                services.rename_slug(current_user, doc, rename.slug.data)
            except ValidationError as error:
                _apply_slug_proposal(rename.slug, error, "Byt adress")
                apply_error(rename, error)
            else:
                if doc.slug == old_slug:
                    flash(f"Adressen är redan /handbok/{doc.slug}: ingenting ändrades.", "info")
                else:
                    flash(f"Adressen är ändrad till /handbok/{doc.slug}. Den gamla adressen leder hit.", "success")
                return redirect(url_for("handbook.settings", slug=doc.slug))
        status = 400
    return render_template("handbook/settings.html", document=doc, structure=structure, rename=rename,
                           button=EmptyForm(), breadcrumbs=services.breadcrumbs(doc, current_user)), status


@bp.route("/handbok/<slug>/arkivera", methods=["POST"])
@requires("document.edit")
def archive(slug: str):
    return _set_archived(slug, True)


@bp.route("/handbok/<slug>/ateruppta", methods=["POST"])
@requires("document.edit")
def unarchive(slug: str):
    return _set_archived(slug, False)


def _set_archived(slug: str, archived: bool):
    doc = _document(slug)
    if not EmptyForm().validate_on_submit():
        raise ValidationError("Formuläret har gått ut. Ladda om sidan och försök igen.")
    if archived == doc.is_archived:
        flash("Dokumentet är redan arkiverat." if archived else "Dokumentet är inte arkiverat: det finns redan i "
              "handboken.", "info")
        return redirect(url_for("handbook.settings", slug=doc.slug))
    try:
        services.set_archived(current_user, doc, archived)
    except ValidationError as error:
        flash(error.message, "error")
    else:
        flash("Dokumentet är arkiverat. Det syns inte längre i handboken eller i sökningen; historiken finns kvar."
              if archived else "Dokumentet är tillbaka i handboken.", "success")
    return redirect(url_for("handbook.settings", slug=doc.slug))


@bp.route("/redaktor")
@requires("editor.tools")
def editor_overview():
    return render_template("handbook/editor_overview.html",
                           drafts=services.drafts_in_progress(current_user),
                           review=services.review_due(), broken=services.broken_links(),
                           to_check=services.to_check(),
                           archived=[d for d in services.list_documents() if d.is_archived
                                     and can(current_user, "document.edit", d)])
