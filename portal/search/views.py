"""Search pages: results with filters, title suggestions as JSON, the editors' synonym list."""
import unicodedata
from dataclasses import dataclass

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from portal.errors import EditConflict, NotFound, ValidationError
from portal.forms import apply_error
from portal.handbook import services as handbook
from portal.handbook.models import KINDS
from portal.main.services import URGENT_SLUG
from portal.policy import requires
from portal.search import services
from portal.search.forms import SynonymForm
from portal.search.querying import MAX_QUERY_CHARS
from portal.search.synonyms import DEFAULT_SYNONYMS, missing_defaults, with_defaults_added

bp = Blueprint("search", __name__)

PER_PAGE = 10
MAX_PAGE = 1000
MAX_FILTER_CHARS = 200
# Each filter: the engine's facet, its URL parameter, and its name in running text.
FILTERS = (("kind", "typ", "typ"), ("department", "forvaltning", "förvaltning"), ("tag", "nyckelord", "nyckelord"))
UNKNOWN_FILTER = {
    "kind": "Det finns inga dokument av typen ”{}”, så det filtret används inte.",
    "department": "Det finns inga dokument från ”{}”, så det filtret används inte.",
    "tag": "Det finns inga dokument med nyckelordet ”{}”, så det filtret används inte.",
}


@dataclass(frozen=True)
class ActiveFilter:
    """A filter in use, as the page names it and offers to remove it."""

    param: str
    value: str
    label: str  # "nyckelord"
    shown: str  # the value as readers know it: "Rutin" for routine
    without: dict  # the search's arguments without this filter


@bp.app_template_global()
def search_max_chars() -> int:
    """How many characters a search box takes: as many as a query uses (the header's box too)."""
    return MAX_QUERY_CHARS


def _page_arg() -> int:
    """The page asked for: 1 unless a positive number; anything above MAX_PAGE is MAX_PAGE + 1.

    However many digits a page past the end has, the view sends it to the last page, as it does
    a page just past the end.
    """
    value = request.args.get("sida", "1").lstrip("0")
    if not value or not value.isascii() or not value.isdigit():
        return 1
    return MAX_PAGE + 1 if len(value) > len(str(MAX_PAGE)) else min(int(value), MAX_PAGE + 1)


def _filter_arg(name: str) -> str | None:
    # Control and formatting characters (a right-to-left override) are in no value, and shown back
    # in a message they would garble it.
    value = "".join(ch for ch in request.args.get(name, "") if unicodedata.category(ch)[0] != "C")
    return " ".join(value.split())[:MAX_FILTER_CHARS] or None


@bp.route("/sok")
@requires("document.read")
def results():
    q = request.args.get("q", "")
    asked_filters = {facet: _filter_arg(param) for facet, param, _ in FILTERS}
    asked = _page_arg()
    page = min(asked, MAX_PAGE)
    outcome = services.run_search(q, page=page, per_page=PER_PAGE, **asked_filters)
    result = outcome.result
    filters = {facet: value for facet, value in asked_filters.items() if value}
    unknown = []
    if result is not None:  # the filters as the index knows them; a value it lacks is named
        filters = dict(result.filters)
        unknown = [UNKNOWN_FILTER[facet].format(value) for facet, value in result.unknown_filters]
    if result is not None and result.total and asked > min(result.pages, MAX_PAGE):
        return redirect(url_for("search.results", **_args(q, filters), sida=min(result.pages, MAX_PAGE)))
    empty = result is not None and not result.hits and bool(result.query)
    return render_template(
        "search/results.html", q=q, max_chars=MAX_QUERY_CHARS, outcome=outcome, result=result,
        filters=filters, active=_active(q, filters), unknown_filters=unknown, args=_args(q, filters),
        kinds=KINDS, urgent_slug=URGENT_SLUG,
        roots=handbook.tree(current_user) if empty or (result is not None and not result.query) else [])


def _args(q: str, filters: dict) -> dict:
    return {"q": q, **{param: filters[facet] for facet, param, _ in FILTERS if filters.get(facet)}}


def _active(q: str, filters: dict) -> list[ActiveFilter]:
    return [ActiveFilter(param, filters[facet], label,
                         KINDS.get(filters[facet], filters[facet]) if facet == "kind" else filters[facet],
                         _args(q, {other: value for other, value in filters.items() if other != facet}))
            for facet, param, label in FILTERS if filters.get(facet)]


@bp.route("/sok/forslag")
@requires("document.read")
def suggest():
    found = services.suggest(request.args.get("q", "")[:200])
    return jsonify({"forslag": [
        {"titel": item.title, "adress": url_for("handbook.document", slug=item.slug),
         "typ": KINDS.get(item.kind, "")} for item in found]})


@bp.route("/sok/synonymer", methods=["GET", "POST"])
@requires("search.manage_synonyms")
def synonyms():
    current = services.current_synonym_list()
    form = SynonymForm()
    conflict, ask_empty = None, False
    if request.method == "GET":
        form.text.data = current.text if current else DEFAULT_SYNONYMS
        form.base_id.data = str(current.id) if current else ""
        if current and request.args.get("forslag") == "ja":  # shown in the form, saved only by Spara
            form.text.data = with_defaults_added(current.text)
            form.note.data = "Förslag från portalens standardlista tillagda"
        elif (wanted := request.args.get("fran_version", "")).isdigit() and len(wanted) <= 9:
            old = services.get_synonym_version(int(wanted))
            if old is None:
                flash("Den versionen av synonymlistan finns inte.", "error")
            elif not current or old.id != current.id:  # an old version back in the form, saved only by Spara
                form.text.data = old.text
                form.note.data = f"Tillbaka till version {old.id}"
    elif form.validate_on_submit():
        base = form.base_id.data or ""
        try:
            services.save_synonyms(current_user, form.text.data, form.note.data,
                                   int(base) if base.isdigit() and len(base) <= 9 else None,
                                   confirm_empty=bool(form.confirm_empty.data))
            flash("Synonymlistan är sparad och används i sökningen från och med nu.", "success")
            return redirect(url_for("search.synonyms"))
        except ValidationError as error:
            apply_error(form, error)
            ask_empty = bool(error.details.get("empty"))
        except EditConflict as error:
            conflict = error
            form.base_id.data = str(error.details["current_id"] or "")
    status = 409 if conflict else 400 if request.method == "POST" else 200
    suggestions = missing_defaults(current.text) if current and form.text.data == current.text else []
    return render_template("search/synonyms.html", form=form, current=current, conflict=conflict,
                           history=services.synonym_history(), suggestions=suggestions, ask_empty=ask_empty), status


@bp.route("/sok/synonymer/version/<int:number>")
@requires("search.manage_synonyms")
def synonym_version(number: int):
    version = services.get_synonym_version(number)
    if version is None:
        raise NotFound("Den versionen av synonymlistan finns inte.")
    return render_template("search/synonym_version.html", version=version,
                           current=services.current_synonym_list())
