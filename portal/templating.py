"""Template globals and filters: the policy's `can`, Swedish dates, a url_for that builds fixed addresses once."""
from datetime import date, datetime

from flask import current_app, has_request_context, request
from flask_login import current_user

from portal import policy

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december"]


def swedish_date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def long_date(value) -> str:
    if value is None:
        return "–"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def _memoizing_url_for(url_for):
    """url_for for templates: an address without arguments (or a static file) is the same on every
    request under one script root, so it is built once. base.html builds about a dozen per page."""
    built: dict[tuple, str] = {}

    def template_url_for(endpoint: str, **values) -> str:
        if (values and values.keys() != {"filename"}) or endpoint.startswith(".") or not has_request_context():
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, values.get("filename"))
        url = built.get(key)
        if url is None:
            url = built[key] = url_for(endpoint, **values)
        return url

    return template_url_for


# The main menu: endpoint, label, the policy action that shows it. An entry appears once its
# domain's blueprint has landed.
NAVIGATION = (
    ("handbook.tree", "Handbok", "document.read"),
    ("search.results", "Sök", "document.read"),
    ("adoption.my_unit", "Min enhet", "adoption.act"),
    ("adoption.dashboard", "Införande", "adoption.dashboard"),
    ("handbook.editor_overview", "Redaktör", "editor.tools"),
    ("admin.index", "Administration", "admin.access"),
)


def main_navigation() -> list[tuple[str, str, bool]]:
    """The menu entries the current user may use: (address, label, is the current section)."""
    user = current_user._get_current_object()
    url_for = current_app.jinja_env.globals["url_for"]
    section = (request.endpoint or "").partition(".")[0]
    return [(url_for(endpoint), label, endpoint.partition(".")[0] == section)
            for endpoint, label, action in NAVIGATION
            if endpoint in current_app.view_functions and policy.can(user, action)]


def register_template_helpers(app) -> None:
    app.jinja_env.globals["url_for"] = _memoizing_url_for(app.jinja_env.globals["url_for"])
    # The user itself, not the current_user proxy: every attribute read through the proxy costs a few
    # context lookups, and a policy check reads several (base.html asks six for the navigation).
    app.jinja_env.globals["can"] = lambda action, obj=None: policy.can(current_user._get_current_object(),
                                                                      action, obj)
    # Navigation links appear as their domain's blueprint lands.
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in current_app.view_functions
    app.jinja_env.globals["main_navigation"] = main_navigation
    app.jinja_env.filters["datum"] = swedish_date
    app.jinja_env.filters["langt_datum"] = long_date
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
