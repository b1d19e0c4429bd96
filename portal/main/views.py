"""Start page, accessibility statement and the health check."""
from flask import Blueprint, current_app, get_template_attribute, jsonify, render_template
from flask_login import current_user
from markupsafe import Markup

from portal.handbook import services as handbook
from portal.main import services
from portal.pagecache import cached_html
from portal.policy import can, requires

bp = Blueprint("main", __name__)


@bp.route("/")
@requires("document.read")
def index():
    # The handbook parts are the same for everyone who sees no drafts: cached per content version.
    def build():
        content = services.start_page(current_user)
        return (get_template_attribute("main/_start.html", "urgent")(content["urgent"], content["contacts"]),
                get_template_attribute("main/_start.html", "handbook")(content["roots"], content["recent"]))

    if can(current_user, "document.view_drafts"):
        urgent, handbook_parts = build()
    else:
        urgent, handbook_parts = cached_html(handbook.content_version(), ("start",), build)
    return render_template("main/index.html", urgent=Markup(urgent), handbook=Markup(handbook_parts),
                           todo=services.todo_for(current_user))


@bp.route("/tillganglighet")
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/healthz")
def healthz():
    report = services.health(current_app.config)
    return jsonify(report), 200 if report["status"] == "ok" else 503
