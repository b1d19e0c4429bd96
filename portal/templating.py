"""Template globals and filters: the policy's `can`, the main navigation, Swedish dates, a url_for
that builds fixed addresses once."""
from datetime import date, datetime

from flask import current_app, g, get_template_attribute, has_request_context, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from portal import clock, policy, usercache
from portal.pagecache import PageCache

MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december"]


def unit_kind_names(kinds) -> str:
    """A version's "gäller för enhetstyper" (UNIT_KINDS keys) as the labels people read."""
    from portal.handbook.models import unit_kind_labels
    return ", ".join(unit_kind_labels(kinds))


def swedish_date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return clock.local_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def long_date(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = clock.local(value)
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


# The main navigation: (endpoint, label, the action that shows it, prefixes of the endpoints it covers).
# A page that is not itself a navigation target marks the entry it belongs under. An entry appears
# once its domain's blueprint has landed.
NAVIGATION = (
    ("handbook.tree", "Handbok", "document.read", ("handbook.",)),
    ("search.results", "Sök", "document.read", ("search.results",)),
    # A refused save of /min-enhet is that page again, at its form's address.
    ("adoption.my_unit", "Min enhet", "adoption.act",
     ("adoption.unit_routine", "adoption.save_checklist", "adoption.tick", "adoption.confirm")),
    ("adoption.dashboard", "Införande", "adoption.dashboard", ("adoption.",)),
    ("handbook.editor_overview", "Redaktör", "editor.tools", ("search.synonym",)),
    ("admin.index", "Administration", "admin.access", ("admin.", "api_tokens.")),
)


def navigation() -> list[tuple[str, str, str | None]]:
    """The entries this user may use as (address, label, aria-current): "page" on the entry's own
    page, "true" on a page under it, None elsewhere. At most one entry is marked."""
    user = current_user._get_current_object()
    url_for = current_app.jinja_env.globals["url_for"]
    entries = [(endpoint, label, covers) for endpoint, label, action, covers in NAVIGATION
               if endpoint in current_app.view_functions and policy.can(user, action)]
    here = request.endpoint or ""
    marked = next((endpoint for endpoint, _, _ in entries if endpoint == here), None)
    if marked is None:
        # The most specific prefix wins: adoption.unit_routine is under "Min enhet", not "Införande".
        candidates = [(len(prefix), endpoint) for endpoint, _, covers in entries for prefix in covers
                      if here.startswith(prefix)]
        marked = max(candidates)[1] if candidates else None
    return [(url_for(endpoint), label, ("page" if endpoint == here else "true") if endpoint == marked else None)
            for endpoint, label, _ in entries]


def site_header() -> Markup:
    """The site header of base.html (brand, search box, navigation, account and logout button).

    Rendered once and kept per worker for each signed-in session, page (the navigation marks it),
    search words, script root and signed CSRF token (reused for minutes, see portal/sessions.py),
    under the user cache's change counter: any change to an account, a role or the handbook anywhere
    drops every kept header exactly when it drops the kept users. Without the user cache (or for a
    user it does not know, e.g. an API token) the header is rendered on every request."""
    user = current_user._get_current_object()
    endpoint = request.endpoint or ""
    words = request.args.get("q", "") if endpoint == "search.results" else ""
    if user.is_authenticated:
        # Only a user from the session loader, and only while this request has changed nothing it kept.
        seen = g.get(usercache.SEEN)
        key = (user.get_id(), generate_csrf(), endpoint, words, request.script_root)
    else:
        cache = usercache.user_cache()
        seen = cache.begin() if cache is not None else None
        key = (None, endpoint, words, request.script_root)
    if seen is None:
        return Markup(render_template("_site_header.html").strip())
    headers = current_app.extensions["header_cache"]
    html = headers.get(seen, key)
    if html is None:
        html = Markup(render_template("_site_header.html").strip())
        headers.put(seen, key, html, len(html) + len(words))
    return html


def flash_messages() -> Markup:
    """The messages waiting in the session (_macros.html's `flashes`). Most pages have none: then
    nothing is rendered and the macro's template is not even looked up."""
    if "_flashes" not in session:
        return Markup("")
    return Markup(get_template_attribute("_macros.html", "flashes")())


def register_template_helpers(app) -> None:
    app.extensions["header_cache"] = PageCache(int(app.config.get("HEADER_CACHE_MAX_CHARS", 4_000_000)))
    app.jinja_env.globals["site_header"] = site_header
    app.jinja_env.globals["flash_messages"] = flash_messages
    app.jinja_env.globals["navigation"] = navigation
    app.jinja_env.globals["url_for"] = _memoizing_url_for(app.jinja_env.globals["url_for"])
    # The user itself, not the current_user proxy: every attribute read through the proxy costs a few
    # context lookups, and a policy check reads several (base.html asks six for the navigation).
    app.jinja_env.globals["can"] = lambda action, obj=None: policy.can(current_user._get_current_object(),
                                                                      action, obj)
    # Navigation links appear as their domain's blueprint lands.
    app.jinja_env.globals["has_endpoint"] = lambda endpoint: endpoint in current_app.view_functions
    app.jinja_env.filters["datum"] = swedish_date
    app.jinja_env.filters["langt_datum"] = long_date
    app.jinja_env.filters["enhetstyper"] = unit_kind_names
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    clock.load_zone(app.config.get("TIMEZONE") or clock.DEFAULT_TIMEZONE)  # the filters' zone must exist
