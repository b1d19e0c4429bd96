"""The whole permission matrix: every role against every route and method of `app.url_map`.

EXPECTATIONS below is the declared matrix (DESIGN.md, "Roles and permissions"). Every route the app
has must be declared here: a new route without an expectation fails the test, so nobody can add a
page and forget to decide who may use it. For each (route, method, role) the test fills the URL
with real objects and checks: an anonymous visitor is sent to the login page (HTML) or gets a 401
JSON answer (/api/); a forbidden role gets 403; an allowed role gets neither. A forbidden request
must not change a single row, so forbidden POSTs carry a form that would change something; the
same form, sent by an allowed role, must change something (test_permitted_change proves it).

GETs and refused requests share one database per run (each checks that it changed nothing, so they
cannot disturb each other); allowed POSTs each get a fresh one.
"""
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from config import TestConfig
from portal import create_app
from portal.api import services as api
from portal.auth import services as accounts
from portal.extensions import db
from portal.handbook import services as handbook
from portal.org import services as org
from portal.policy import SystemActor
from portal.search import services as search
from tests.conftest import PASSWORD, PortalClient, new_database, table_snapshot
from tests.handbook.conftest import ROUTINE_BODY

# --- Roles ------------------------------------------------------------------------------------------
# The document of the matrix is a routine owned by Socialförvaltningen that Bildningsförvaltningen
# must adopt; the unit of the matrix is Ekbackens skola (Bildningsförvaltningen).

ANONYMOUS = "anonymous"
READER = "reader"                       # works at Ekbackens skola
UNIT_HEAD = "unit_head"                 # heads Ekbackens skola
SIBLING_UNIT_HEAD = "unit_head_of_sibling_unit"  # heads Sjöängsskolan, in the same department
OTHER_UNIT_HEAD = "unit_head_of_other_unit"  # heads Mottagningsgruppen (Socialförvaltningen)
EDITOR = "editor"                       # edits for Socialförvaltningen: the document is in scope
OTHER_EDITOR = "editor_out_of_scope"    # edits for Bildningsförvaltningen only
ADMIN = "admin"

ROLES = [ANONYMOUS, READER, UNIT_HEAD, SIBLING_UNIT_HEAD, OTHER_UNIT_HEAD, EDITOR, OTHER_EDITOR, ADMIN]

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {ANONYMOUS}
ADMINS = frozenset({ADMIN})
ANY_EDITOR = frozenset({EDITOR, OTHER_EDITOR, ADMIN})
EDITOR_IN_SCOPE = frozenset({EDITOR, ADMIN})
ANY_UNIT_HEAD = frozenset({UNIT_HEAD, SIBLING_UNIT_HEAD, OTHER_UNIT_HEAD, ADMIN})
HEAD_OF_THE_UNIT = frozenset({UNIT_HEAD, ADMIN})
FOLLOWS_UP_ADOPTION = ANY_UNIT_HEAD | ANY_EDITOR
# Who sees Ekbackens skola's adoption: its own people, unit heads of its department, editors of its
# department or of the routine.
SEES_THE_UNIT = frozenset({READER, UNIT_HEAD, SIBLING_UNIT_HEAD, EDITOR, OTHER_EDITOR, ADMIN})

# --- The declared matrix: endpoint -> method -> roles allowed ---------------------------------------

EXPECTATIONS: dict[str, dict[str, frozenset]] = {
    # Public pages
    "main.accessibility": {"GET": EVERYONE},
    "main.healthz": {"GET": EVERYONE},
    "auth.login": {"GET": EVERYONE, "POST": EVERYONE},
    "auth.logout": {"POST": EVERYONE},
    "api.openapi_json": {"GET": EVERYONE},
    # Reading and searching: every logged-in user
    "main.index": {"GET": LOGGED_IN},
    "auth.account": {"GET": LOGGED_IN, "POST": LOGGED_IN},
    "handbook.tree": {"GET": LOGGED_IN},
    "handbook.document": {"GET": LOGGED_IN},
    "handbook.history": {"GET": LOGGED_IN},
    "handbook.revision": {"GET": LOGGED_IN},
    "handbook.compare": {"GET": LOGGED_IN},
    "search.results": {"GET": LOGGED_IN},
    "search.suggest": {"GET": LOGGED_IN},
    "api.documents": {"GET": LOGGED_IN},
    "api.document": {"GET": LOGGED_IN},
    "api.revisions": {"GET": LOGGED_IN},
    "api.revision": {"GET": LOGGED_IN},
    "api.adoption": {"GET": LOGGED_IN},
    # Editing: editors in the document's scope; editor tools for every editor
    "handbook.create": {"GET": ANY_EDITOR, "POST": ANY_EDITOR},
    "handbook.edit": {"GET": EDITOR_IN_SCOPE, "POST": EDITOR_IN_SCOPE},
    "handbook.draft": {"GET": EDITOR_IN_SCOPE},
    "handbook.publish": {"POST": EDITOR_IN_SCOPE},
    "handbook.restore": {"POST": EDITOR_IN_SCOPE},
    "handbook.settings": {"GET": EDITOR_IN_SCOPE, "POST": EDITOR_IN_SCOPE},
    "handbook.archive": {"POST": EDITOR_IN_SCOPE},
    "handbook.unarchive": {"POST": EDITOR_IN_SCOPE},
    "handbook.preview": {"POST": ANY_EDITOR},
    "handbook.editor_overview": {"GET": ANY_EDITOR},
    "search.synonyms": {"GET": ANY_EDITOR, "POST": ANY_EDITOR},
    "search.synonym_version": {"GET": ANY_EDITOR},
    # Adoption
    "adoption.my_unit": {"GET": ANY_UNIT_HEAD},
    "adoption.save_checklist": {"POST": HEAD_OF_THE_UNIT},
    "adoption.tick": {"POST": HEAD_OF_THE_UNIT},  # one item's form, as pages opened before the checklist form post
    "adoption.confirm": {"POST": HEAD_OF_THE_UNIT},
    "adoption.unit_routine": {"GET": SEES_THE_UNIT},
    "adoption.unit": {"GET": SEES_THE_UNIT},
    "adoption.dashboard": {"GET": FOLLOWS_UP_ADOPTION | {READER}},  # a reader: sent to their unit's page
    "adoption.routine": {"GET": FOLLOWS_UP_ADOPTION, "POST": EDITOR_IN_SCOPE},
    "adoption.evidence": {"GET": FOLLOWS_UP_ADOPTION},
    "adoption.export_csv": {"GET": FOLLOWS_UP_ADOPTION},
    "adoption.export_xlsx": {"GET": FOLLOWS_UP_ADOPTION},
    # Administration
    "admin.index": {"GET": ADMINS},
    "admin.users": {"GET": ADMINS},
    "admin.user_new": {"GET": ADMINS, "POST": ADMINS},
    "admin.user_detail": {"GET": ADMINS},
    "admin.user_update": {"POST": ADMINS},
    "admin.user_grant": {"POST": ADMINS},
    "admin.user_revoke": {"POST": ADMINS},
    "admin.user_scope": {"POST": ADMINS},
    "admin.user_disable": {"POST": ADMINS},
    "admin.user_enable": {"POST": ADMINS},
    "admin.user_password": {"POST": ADMINS},
    "admin.organisation": {"GET": ADMINS, "POST": ADMINS},
    "admin.department_edit": {"GET": ADMINS, "POST": ADMINS},
    "admin.unit_edit": {"GET": ADMINS, "POST": ADMINS},
    "admin.audit_log": {"GET": ADMINS},
    "api_tokens.manage": {"GET": ADMINS, "POST": ADMINS},
    "api_tokens.revoke": {"POST": ADMINS},
}

NOT_CHECKED = {"static"}  # files, no permission

# --- What to send: URL parameters, query strings and forms that would change something -------------


@dataclass
class World:
    """The real objects the URLs point at."""

    slug: str
    archived_slug: str
    unit_id: int
    user_id: int
    disabled_user_id: int
    token_id: int
    synonym_version: int
    school_dept_id: int
    social_dept_id: int
    target_email: str


# URL parameter -> World attribute, per endpoint where the default does not fit.
PARAM_OVERRIDES = {
    "admin.user_enable": {"user_id": "disabled_user_id"},
    "handbook.unarchive": {"slug": "archived_slug"},
    "search.synonym_version": {"number": "synonym_version"},
}
DEFAULT_PARAMS = {"slug": "slug", "unit_id": "unit_id", "user_id": "user_id", "token_id": "token_id",
                  "department_id": "school_dept_id", "number": 1, "index": 0}

QUERIES = {
    "handbook.compare": {"fran": "1", "till": "2"},
    "adoption.evidence": {"datum": "2030-01-01"},
    "search.results": {"q": "orosanmälan"},
    "search.suggest": {"q": "oros"},
}

FORMS = {
    "auth.login": lambda w: {"email": w.target_email, "password": PASSWORD},
    "auth.account": lambda w: {"current_password": PASSWORD, "new_password": "ett-nytt-losenord-1",
                               "confirm_password": "ett-nytt-losenord-1"},
    "handbook.create": lambda w: {"slug": "ny-rutin", "title": "Ny rutin", "kind": "routine",
                                  "department": str(w.social_dept_id), "parent": "0"},
    "handbook.edit": lambda w: {"base_number": "3", "title": "Ändrad rubrik", "body": "Ny text.",
                                "action": "save"},
    "handbook.publish": lambda w: {"number": "3", "change_note": "Ny version", "change_kind": "minor"},
    "handbook.settings": lambda w: {"adress-slug": "ny-adress"},
    "handbook.restore": lambda w: {"over_draft": "3"},  # the world has a pending draft 3: restore over it
    "handbook.preview": lambda w: {"body": "# Rubrik"},
    "search.synonyms": lambda w: {"text": "SIP = samordnad individuell plan\nLVU = lagen om vård av unga\n",
                                  "note": "Ändrad", "base_id": str(w.synonym_version)},
    "adoption.save_checklist": lambda w: {"revision": "2", "items-0-position": "0", "items-0-done": "y",
                                          "items-1-position": "1", "items-1-comment": "Blanketten finns i pärmen"},
    "adoption.tick": lambda w: {"revision": "2", "done": "y"},
    "adoption.confirm": lambda w: {"revision": "2", "reason": "Vi har gått igenom rutinen på APT."},
    "adoption.routine": lambda w: {"deadline": "2030-06-30"},
    "admin.user_new": lambda w: {"email": "ny.person@test.se", "name": "Ny Person",
                                 "password": "ett-startlosenord", "unit": "0"},
    "admin.user_update": lambda w: {"profil-name": "Nytt Namn", "profil-title": "Kurator", "profil-unit": "0"},
    "admin.user_grant": lambda w: {"roll-role": "admin"},
    "admin.user_revoke": lambda w: {"bort-role": "editor"},
    "admin.user_scope": lambda w: {"omfang-departments": [str(w.school_dept_id), str(w.social_dept_id)]},
    "admin.user_password": lambda w: {"losenord-password": "ett-nytt-losenord-1",
                                      "losenord-confirm": "ett-nytt-losenord-1"},
    "admin.organisation": lambda w: {"forvaltning-name": "Miljöförvaltningen"},
    "admin.unit_edit": lambda w: {"name": "Ekbackens nya skola", "kind": "skola", "active": "y"},
    "admin.department_edit": lambda w: {"name": "Utbildningsförvaltningen"},
    "api_tokens.manage": lambda w: {"name": "Rapportverktyg"},
}
# Where a role's own form differs: an editor creates documents in the department they edit for.
ROLE_FORMS = {
    ("handbook.create", OTHER_EDITOR):
        lambda w: {**FORMS["handbook.create"](w), "department": str(w.school_dept_id)},
}


def _routes():
    """(endpoint, method) of every route, from a test app's url_map."""
    app = create_app(TestConfig)
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_CHECKED:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.add((rule.endpoint, method, tuple(sorted(rule.arguments))))
    return sorted(found)


ROUTES = _routes()
CASES = [pytest.param(endpoint, method, args, role, id=f"{role}-{method}-{endpoint}")
         for endpoint, method, args in ROUTES for role in ROLES]


def test_every_route_is_declared_in_the_matrix():
    undeclared = sorted({f"{endpoint} {method}" for endpoint, method, _ in ROUTES
                         if method not in EXPECTATIONS.get(endpoint, {})})
    assert not undeclared, ("new route(s) with no expectation in the permission matrix: "
                            + ", ".join(undeclared) + " (add them to EXPECTATIONS in " + __name__ + ")")


def test_the_matrix_declares_no_route_that_does_not_exist():
    existing = {(endpoint, method) for endpoint, method, _ in ROUTES}
    stale = sorted(f"{endpoint} {method}" for endpoint, methods in EXPECTATIONS.items()
                   for method in methods if (endpoint, method) not in existing)
    assert not stale, "the permission matrix declares routes the app does not have: " + ", ".join(stale)


# --- The objects of the matrix -----------------------------------------------------------------------

ROUTINE_META = {"decided_by": "Socialchef", "applies_to": ["Bildningsförvaltningen"]}


def _build_world(organisation) -> World:
    """The routine (two published versions and a pending draft), an archived document, a target
    account (an editor) with an API token, a disabled account, a saved synonym list."""
    actor = SystemActor("test")
    doc = handbook.create_document(actor, slug="orosanmalan", title="Orosanmälan – när och hur", kind="routine",
                                   department=organisation["social_dept"], body=ROUTINE_BODY, meta=ROUTINE_META)
    for number, body, note in ((1, ROUTINE_BODY, "Första versionen"),
                               (2, ROUTINE_BODY + "\nTillägg.\n", "Andra versionen")):
        if number > 1:
            handbook.save_draft(actor, doc, base_number=number - 1, title=doc.title, body=body, meta=ROUTINE_META)
        handbook.publish(doc, handbook.latest_revision(doc), actor, note, False)
    handbook.save_draft(actor, doc, base_number=2, title=doc.title, body=ROUTINE_BODY + "\nUtkast.\n",
                        meta=ROUTINE_META)
    target = accounts.create_user("test", "malperson@test.se", "Mål Person", PASSWORD, unit=organisation["school"])
    accounts.grant_role("test", target, "editor", departments=[organisation["social_dept"]])
    disabled = accounts.create_user("test", "inaktiv@test.se", "Inaktiv Person", PASSWORD)
    accounts.set_active("test", disabled, False)
    archived = handbook.create_document(actor, slug="arkiverad", title="Arkiverad rutin", kind="routine",
                                        department=organisation["social_dept"], body="Gammal text.")
    handbook.publish(archived, handbook.latest_revision(archived), actor, "Första versionen", False)
    handbook.set_archived(actor, archived, True)
    token, _ = api.issue_token(actor, target, "Rapportverktyg")
    synonyms = search.save_synonyms(actor, "SIP = samordnad individuell plan\n", "Första", None)
    return World(slug=doc.slug, archived_slug=archived.slug, unit_id=organisation["school"].id, user_id=target.id,
                 disabled_user_id=disabled.id, token_id=token.id, synonym_version=synonyms.id,
                 school_dept_id=organisation["school_dept"].id, social_dept_id=organisation["social_dept"].id,
                 target_email=target.email)


def _create_role_user(role: str, organisation):
    """A user of the role, with the scope the matrix gives that role."""
    unit = {SIBLING_UNIT_HEAD: organisation["other_school"], OTHER_UNIT_HEAD: organisation["social"], EDITOR: None, OTHER_EDITOR: None,
            ADMIN: None}.get(role, organisation["school"])
    user = accounts.create_user("test", f"{role}@test.se", f"Test {role}", PASSWORD, unit=unit)
    if role == UNIT_HEAD:
        accounts.grant_role("test", user, "unit_head", units=[organisation["school"]])
    elif role == SIBLING_UNIT_HEAD:
        accounts.grant_role("test", user, "unit_head", units=[organisation["other_school"]])
    elif role == OTHER_UNIT_HEAD:
        accounts.grant_role("test", user, "unit_head", units=[organisation["social"]])
    elif role == EDITOR:
        accounts.grant_role("test", user, "editor", departments=[organisation["social_dept"]])
    elif role == OTHER_EDITOR:
        accounts.grant_role("test", user, "editor", departments=[organisation["school_dept"]])
    elif role == ADMIN:
        accounts.grant_role("test", user, "admin")
    return user


def _log_in(client, role):
    if role != ANONYMOUS:
        response = client.post("/logga-in", data={"email": f"{role}@test.se", "password": PASSWORD})
        assert response.status_code == 302, f"could not log in as {role}"


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One app and world for every request that must not change anything (GETs, refused POSTs):
    each such case checks that the database is unchanged afterwards, so they can share it."""
    directory = tmp_path_factory.mktemp("matrix")
    with new_database("matrix", directory) as url:
        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = url
            SEARCH_INDEX_DIR = str(directory / "sokindex")

        application = create_app(Config)
        application.test_client_class = PortalClient
        with application.app_context():
            db.create_all()
            organisation = _organisation()
            world = _build_world(organisation)
            for role in ROLES[1:]:
                _create_role_user(role, organisation)
            yield application, world
            db.session.remove()
            db.engine.dispose()


def _organisation():
    school_dept = org.create_department("test", "Bildningsförvaltningen")
    social_dept = org.create_department("test", "Socialförvaltningen")
    return {"school_dept": school_dept, "social_dept": social_dept,
            "school": org.create_unit("test", school_dept, "Ekbackens skola", "skola"),
            "other_school": org.create_unit("test", school_dept, "Sjöängsskolan", "skola"),
            "social": org.create_unit("test", social_dept, "Mottagningsgruppen", "socialtjanst")}


# --- The matrix --------------------------------------------------------------------------------------

def _url(app, endpoint, args, world, **replace):
    """The endpoint's URL for the world's objects (or the values given in `replace`)."""
    overrides = PARAM_OVERRIDES.get(endpoint, {})
    values = {}
    for arg in args:
        source = overrides.get(arg, DEFAULT_PARAMS.get(arg))
        assert source is not None, f"{endpoint}: no value for the URL parameter <{arg}>; add it to DEFAULT_PARAMS"
        values[arg] = getattr(world, source) if isinstance(source, str) else source
    values.update(replace)
    with app.test_request_context():
        return url_for(endpoint, **values, **QUERIES.get(endpoint, {}))


def _request(client, method, endpoint, url, world, role):
    if method == "GET":
        return client.get(url)
    form = ROLE_FORMS.get((endpoint, role)) or FORMS.get(endpoint, lambda w: {})
    return client.post(url, data=form(world))


def _declared(endpoint, method, role) -> bool:
    if method not in EXPECTATIONS.get(endpoint, {}):
        pytest.fail(f"new route {endpoint} ({method}) has no expectation in the permission matrix: "
                    f"declare who may use it in EXPECTATIONS in {__name__}")
    return role in EXPECTATIONS[endpoint][method]


def _changes_state(endpoint, method, role) -> bool:
    return method == "POST" and role in EXPECTATIONS.get(endpoint, {}).get(method, ())


def _check_allowed(response, role, method, url):
    status = response.status_code
    assert status not in (401, 403), f"{role} should be allowed {method} {url}, got {status}"
    assert status < 500, f"{role}: {method} {url} failed with {status}"


def _check_refused(response, role, method, url):
    status = response.status_code
    if role == ANONYMOUS and url.startswith("/api/"):
        assert status == 401, f"anonymous {method} {url}: expected 401, got {status}"
        assert response.is_json and response.get_json()["error"]["status"] == 401
    elif role == ANONYMOUS:
        assert status == 302, f"anonymous {method} {url}: expected a login redirect, got {status}"
        location = urlsplit(response.headers["Location"])
        assert location.path == "/logga-in" and not location.netloc, response.headers["Location"]
        if method == "GET":
            assert parse_qs(location.query).get("next") == [url], "the login page should lead back here"
    else:
        assert status == 403, f"{role} should be refused {method} {url} with 403, got {status}"
        if url.startswith("/api/"):
            assert response.is_json and response.get_json()["error"]["status"] == 403
        else:
            assert "Ingen behörighet" in response.get_data(as_text=True)


READ_CASES = [case for case in CASES if not _changes_state(*case.values[:2], case.values[3])]
WRITE_CASES = [case for case in CASES if _changes_state(*case.values[:2], case.values[3])]


@pytest.mark.parametrize("endpoint, method, args, role", READ_CASES)
def test_permission(shared, endpoint, method, args, role):
    """GETs and refused POSTs: the status the role gets, and not one row changed."""
    app, world = shared
    allowed = _declared(endpoint, method, role)
    client = app.test_client()
    _log_in(client, role)
    url = _url(app, endpoint, args, world)
    before = table_snapshot()
    response = _request(client, method, endpoint, url, world, role)
    if allowed:
        _check_allowed(response, role, method, url)
    else:
        _check_refused(response, role, method, url)
    assert table_snapshot() == before, f"{method} {url} by {role} ({response.status_code}) changed the database"


# Allowed POSTs that change nothing by design: the live preview, logging in or out when already so.
CHANGES_NOTHING = {("handbook.preview", role) for role in ROLES} | {
    ("auth.login", role) for role in LOGGED_IN} | {("auth.logout", ANONYMOUS)}


@pytest.mark.parametrize("endpoint, method, args, role", WRITE_CASES)
def test_permitted_change(app, client, organisation, endpoint, method, args, role):
    """Allowed POSTs, each on a fresh database: accepted, and the form really changes something
    (so the same form refused to other roles proves that the refusal protected real data)."""
    world = _build_world(organisation)
    _create_role_user(role, organisation)
    _log_in(client, role)
    url = _url(app, endpoint, args, world)
    before = table_snapshot()
    response = _request(client, method, endpoint, url, world, role)
    _check_allowed(response, role, method, url)
    if (endpoint, role) not in CHANGES_NOTHING:
        assert table_snapshot() != before, f"{role}: {method} {url} ({response.status_code}) changed nothing"
