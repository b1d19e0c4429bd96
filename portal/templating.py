"""Template globals and filters: the policy's `can`, Swedish dates."""
from datetime import date, datetime

from flask import current_app
from flask_login import current_user

from portal import clock, policy

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december"]


def swedish_date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return clock.local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def long_date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = clock.local(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def register_template_helpers(app) -> None:
    app.jinja_env.globals["can"] = lambda action, obj=None: policy.can(current_user, action, obj)
    # Navigation links appear as their domain's blueprint lands.
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in current_app.view_functions
    app.jinja_env.filters["datum"] = swedish_date
    app.jinja_env.filters["langt_datum"] = long_date
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    clock.load_zone(app.config.get("TIMEZONE") or clock.DEFAULT_TIMEZONE)  # the filters' zone must exist
