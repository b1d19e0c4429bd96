"""The JSON API under /api/v1, and the admin pages that issue and revoke API tokens."""
from functools import wraps
from urllib.parse import urlencode

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.api import openapi, services
from portal.auth import services as accounts
from portal.errors import NotFound, ValidationError
from portal.forms import apply_error
from portal.handbook import services as handbook
from portal.policy import requires

bp = Blueprint("api", __name__, url_prefix="/api/v1")
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/admin/anvandare")


def _moved(document, path: str, **query):
    """A permanent redirect to `path` with the request's query (`query` replacing parameters), saying in
    JSON where the renamed document went. 301 as on the web: every endpoint here is GET/HEAD only, so
    308's keeping of method and body buys nothing, and 301 is the one every HTTP client follows."""
    args = request.args.copy()
    for name, value in query.items():
        args[name] = value
    location = path + ("?" + urlencode(list(args.items(multi=True))) if args else "")
    response = jsonify({"moved": {"slug": document.slug, "location": location,
                                  "message": f"Dokumentet har flyttat till {location}."}})
    response.status_code = 301
    response.headers["Location"] = location
    return response


def per_document(view):
    """The view gets the document at `slug`; at an old slug of a renamed document the same path under
    its new slug is answered instead (the lookup decides visibility, so no address reveals more)."""
    @wraps(view)
    def wrapped(slug: str, **kwargs):
        document, moved = services.find_document(current_user, slug)
        if moved:
            return _moved(document, url_for(request.endpoint, **{**request.view_args, "slug": document.slug}))
        return view(document, **kwargs)

    return wrapped


@bp.route("/openapi.json")
def openapi_json():
    return jsonify(openapi.spec())


@bp.route("/documents")
@requires("document.read")
def documents():
    return jsonify({"documents": services.list_documents(current_user)})


@bp.route("/documents/<slug>")
@requires("document.read")
@per_document
def document(doc):
    return jsonify({"document": services.document_summary(doc),
                    "revision": services.revision_json(current_user, doc.current_revision, content=True)})


@bp.route("/documents/<slug>/revisions")
@requires("document.read")
@per_document
def revisions(doc):
    return jsonify({"revisions": [services.revision_json(current_user, r, content=False)
                                  for r in handbook.history(current_user, doc)]})


@bp.route("/documents/<slug>/revisions/<int:number>")
@requires("document.read")
@per_document
def revision(doc, number: int):
    return jsonify(services.revision_json(current_user, handbook.get_revision(current_user, doc, number),
                                          content=True))


@bp.route("/adoption")
@requires("document.read")
def adoption():
    unit = request.args.get("unit")
    if unit is not None and (not unit.isdigit() or len(unit) > 10):
        raise ValidationError("Parametern unit ska vara ett enhets-id (heltal).")
    routine = None
    if request.args.get("routine"):
        routine, moved = services.find_routine(request.args["routine"])
        if moved:
            return _moved(routine, url_for("api.adoption"), routine=routine.slug)
    return jsonify({"adoption": services.adoption_rows(current_user, routine,
                                                       int(unit) if unit is not None else None)})


# --- Admin: tokens --------------------------------------------------------------------------------

class TokenForm(FlaskForm):
    name = StringField("Namn på nyckeln", validators=[DataRequired("Ge nyckeln ett namn."),
                                                      Length(max=100, message="Högst 100 tecken.")])


class RevokeForm(FlaskForm):
    """Only the CSRF token."""


@tokens_bp.route("/<int:user_id>/api-nycklar", methods=["GET", "POST"])
@requires("admin.access")
def manage(user_id: int):
    user = accounts.get_user(user_id)
    form = TokenForm()
    new_token = None
    status = 200
    if form.validate_on_submit():
        try:
            _, new_token = services.issue_token(current_user, user, form.name.data)
            form = TokenForm(formdata=None)
        except ValidationError as error:
            apply_error(form, error)
            status = 400
    elif form.is_submitted():
        status = 400
    return render_template("api/tokens.html", user=user, form=form, tokens=services.tokens_of(user),
                           new_token=new_token, revoke=RevokeForm()), status


@tokens_bp.route("/<int:user_id>/api-nycklar/<int:token_id>/aterkalla", methods=["POST"])
@requires("admin.access")
def revoke(user_id: int, token_id: int):
    token = services.get_token(token_id)
    if token.user_id != user_id:
        raise NotFound("API-nyckeln finns inte.")
    if not RevokeForm().validate_on_submit():
        flash("Nyckeln återkallades inte. Ladda om sidan och försök igen.", "error")
    elif services.revoke_token(current_user, token):
        flash(f"API-nyckeln ”{token.name}” är återkallad. Program som använder den släpps inte längre in.",
              "success")
    else:  # a second click, or another admin was first
        flash(f"API-nyckeln ”{token.name}” var redan återkallad.", "info")
    return redirect(url_for("api_tokens.manage", user_id=user_id))
