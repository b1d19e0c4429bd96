"""Start page, accessibility statement and the health check."""
from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user

from portal.main import services
from portal.policy import requires

bp = Blueprint("main", __name__)


@bp.route("/")
@requires("document.read")
def index():
    return render_template("main/index.html", **services.start_page(current_user))


@bp.route("/tillganglighet")
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/healthz")
def healthz():
    report = services.health(current_app.config)
    return jsonify(report), 200 if report["status"] == "ok" else 503
