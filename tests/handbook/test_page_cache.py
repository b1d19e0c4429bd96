"""The page cache: a reader never sees a page older than the last change readers can see, on any worker,
and a cached page is never shown to someone who may not see it or who should see more."""
import re

import pytest
from sqlalchemy import select

from config import TestConfig
from portal import create_app
from portal.auth import services as accounts
from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import ContentVersion, Document
from portal.pagecache import PageCache
from tests.conftest import PASSWORD, PortalClient, recorded_statements


def _doc(slug):
    return db.session.scalar(select(Document).where(Document.slug == slug))


@pytest.fixture
def client_for(app, make_user):
    """A separate logged-in browser per user (one test can hold a reader and an editor at once)."""

    def make(role="reader", **kwargs):
        user = make_user(role, **kwargs)
        browser = app.test_client()
        assert browser.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
        return browser

    return make


def _page(browser, path="/handbok/orosanmalan"):
    response = browser.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _publish(system, document, body=None, title=None, meta=None, note="Ny version"):
    latest = services.latest_revision(document)
    revision = services.save_draft(system, document, base_number=latest.number, title=title or latest.title,
                                   body=body or latest.body + "\nEtt tillägg.\n", meta=meta or latest.meta)
    return services.publish(document, revision, system, note, False)


def test_the_second_view_comes_from_the_cache_without_any_query(client_for, make_document, app):
    make_document()
    reader = client_for()
    first = _page(reader)
    with recorded_statements(db.engine) as statements:
        assert _page(reader) == first
    # The user and the content version come from the worker's user cache (portal/usercache.py).
    assert statements == []


def test_a_reader_sees_a_publish_at_the_next_request(client_for, make_document, system):
    document = make_document()
    reader = client_for()
    assert "Anmäl genast" in _page(reader)
    _publish(system, document, body="Helt ny text om anmälan.\n", note="Omskriven")
    page = _page(reader)
    assert "Helt ny text om anmälan." in page and "Anmäl genast" not in page
    assert "Version</dt><dd>2, publicerad" in page


def test_a_publish_on_another_worker_is_seen_at_the_next_request(app, client_for, make_document, system):
    # Another process has its own page cache and its own signals: only the database connects them.
    document_id = make_document().id
    reader = client_for()
    assert "Anmäl genast" in _page(reader)

    class SameDatabase(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"] + "-other"
        CHANGE_COUNTER_FILE = app.config["CHANGE_COUNTER_FILE"]  # the same installation

    other = create_app(SameDatabase)
    with other.app_context():
        _publish(system, db.session.get(Document, document_id), body="Från den andra arbetaren.\n")
        db.session.remove()
        db.engine.dispose()
    db.session.expire_all()
    assert "Från den andra arbetaren." in _page(reader)


def test_saving_a_draft_changes_nothing_a_reader_sees(client_for, make_document, system):
    document = make_document()
    reader = client_for()
    before = _page(reader)
    version = services.content_version()
    services.save_draft(system, document, base_number=1, title=document.title, body="Utkast.\n",
                        meta=services.latest_revision(document).meta)
    assert services.content_version() == version
    assert _page(reader) == before


def test_rename_move_and_archive_each_change_the_cached_page(client_for, make_document, system):
    section = make_document("avsnitt", "Ett avsnitt", kind="section", body="Text.\n")
    document = make_document()
    reader = client_for()
    _page(reader)
    services.update_structure(system, document, parent=section, position=1, kind="routine",
                              department=document.department)
    assert 'href="/handbok/avsnitt">Ett avsnitt</a>' in _page(reader)  # breadcrumbs
    services.rename_slug(system, _doc("orosanmalan"), "anmal-oro")
    old = reader.get("/handbok/orosanmalan")
    assert old.status_code == 301 and old.headers["Location"] == "/handbok/anmal-oro"
    assert "Utskriven från http://localhost/handbok/anmal-oro" in _page(reader, "/handbok/anmal-oro")
    services.set_archived(system, _doc("anmal-oro"), True)
    assert "Arkiverat dokument." in _page(reader, "/handbok/anmal-oro")


def test_new_metadata_is_shown_after_publish(client_for, make_document, system):
    document = make_document()
    reader = client_for()
    assert "Beslutad av</dt><dd>Socialchef" in _page(reader)
    meta = {**services.latest_revision(document).meta, "decided_by": "Socialnämnden"}
    _publish(system, document, meta=meta)
    assert "Beslutad av</dt><dd>Socialnämnden" in _page(reader)


def test_backlinks_follow_a_publish_of_another_document(client_for, make_document, system):
    make_document("sip", "SIP", body="Om SIP.\n")
    other = make_document()
    reader = client_for()
    assert "Hänvisar hit" not in _page(reader, "/handbok/sip")
    _publish(system, other, body="Se även [SIP](sip).\n")
    page = _page(reader, "/handbok/sip")
    assert "Hänvisar hit" in page and 'href="/handbok/orosanmalan">Orosanmälan' in page


def test_a_new_child_appears_on_its_parents_page(client_for, make_document):
    section = make_document("avsnitt", "Ett avsnitt", kind="section", body="Text.\n")
    reader = client_for()
    assert "Underavsnitt" not in _page(reader, "/handbok/avsnitt")
    make_document("barn", "Ett underdokument", parent=section)
    assert 'href="/handbok/barn">Ett underdokument</a>' in _page(reader, "/handbok/avsnitt")


def test_anonymous_visitors_and_disabled_accounts_never_get_a_cached_page(client, client_for, make_user,
                                                                          make_document, login):
    make_document()
    reader = client_for()
    _page(reader)
    response = client.get("/handbok/orosanmalan")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")
    user = make_user("reader")
    login(user)
    assert client.get("/handbok/orosanmalan").status_code == 200
    accounts.set_active("test", user, False)
    response = client.get("/handbok/orosanmalan")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")


def test_an_editor_in_scope_never_gets_the_readers_page_nor_gives_them_theirs(client_for, make_document, system):
    document = make_document()
    services.save_draft(system, document, base_number=1, title=document.title, body="Utkast.\n",
                        meta=services.latest_revision(document).meta)
    reader, editor = client_for(), client_for("editor")
    for browser, expected, hidden in ((reader, None, "Redigera"), (editor, "Redigera", None),
                                      (reader, None, "Redigera"), (editor, "Redigera", None)):
        page = _page(browser)
        if expected:
            assert expected in page and "Det finns ett opublicerat utkast (version 2)" in page
        if hidden:
            assert hidden not in page and "opublicerat utkast" not in page


def test_a_draft_saved_after_the_editors_last_view_is_announced_at_once(client_for, make_document, system):
    document = make_document()
    editor = client_for("editor")
    assert "opublicerat utkast" not in _page(editor)
    services.save_draft(system, document, base_number=1, title=document.title, body="Utkast.\n",
                        meta=services.latest_revision(document).meta)
    assert "Det finns ett opublicerat utkast (version 2)" in _page(editor)


def test_the_adoption_link_depends_on_who_asks_not_on_who_asked_first(client_for, make_document):
    make_document()
    reader, head = client_for(), client_for("unit_head")
    for browser, shown in ((reader, False), (head, True), (reader, False), (head, True)):
        assert ('href="/inforande/rutin/orosanmalan"' in _page(browser)) is shown


def test_an_unpublished_document_is_never_served_from_the_cache(client_for, make_document):
    make_document("utkast", "Hemligt utkast", publish=False)
    editor, reader = client_for("editor"), client_for()
    assert editor.get("/handbok/utkast").status_code == 302  # to the draft page
    assert reader.get("/handbok/utkast").status_code == 404


def test_the_printed_address_is_the_one_the_page_was_asked_for(app, client_for, make_user, make_document):
    make_document()
    reader = client_for()
    assert "Utskriven från http://localhost/handbok/orosanmalan" in _page(reader)
    elsewhere, site = app.test_client(), "http://intranat.exempel.se"
    form = elsewhere.get("/logga-in", base_url=site).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert elsewhere.post("/logga-in", base_url=site, csrf=False, data={
        "email": make_user("reader").email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    page = elsewhere.get("/handbok/orosanmalan", base_url=site).get_data(as_text=True)
    assert "Utskriven från http://intranat.exempel.se/handbok/orosanmalan" in page
    assert "Utskriven från http://localhost/handbok/orosanmalan" in _page(reader)


def test_the_start_page_follows_publishes_and_keeps_the_users_own_parts(client_for, make_document, system):
    document = make_document()
    reader, head = client_for(), client_for("unit_head")
    _page(reader, "/")
    _publish(system, document, note="Kontaktuppgifterna uppdaterade")
    page = _page(reader, "/")
    assert "Kontaktuppgifterna uppdaterade" in page and "Orolig för ett barn?" in page
    assert "Så långt har Ekbackens skola kommit" in page
    assert "Så långt har" not in _page(head, "/")  # unit heads get their to-do list instead


def test_drafts_in_the_tree_only_for_editors_in_scope(client_for, make_document):
    make_document()
    make_document("utkast", "Hemligt utkast", publish=False)
    reader, editor = client_for(), client_for("editor")
    for browser, shown in ((reader, False), (editor, True), (reader, False)):
        for path in ("/", "/handbok"):
            assert ("Hemligt utkast" in _page(browser, path)) is shown


# --- Content version ---------------------------------------------------------------------------

def test_every_visible_change_gets_a_new_content_version_in_its_own_transaction(make_document, system):
    assert db.session.get(ContentVersion, 1) is None  # created by the first change, not the migration
    document = make_document()
    seen = {services.content_version()}
    services.update_structure(system, document, parent=None, position=7, kind="routine",
                              department=document.department)
    seen.add(services.content_version())
    services.rename_slug(system, document, "anmal-oro")
    seen.add(services.content_version())
    services.set_archived(system, document, True)
    seen.add(services.content_version())
    assert len(seen) == 4 and "" not in seen


# --- The cache itself --------------------------------------------------------------------------

def test_the_cache_holds_one_version_and_a_bounded_size():
    cache = PageCache(max_chars=10)
    cache.put("v1", "a", "aaaa", 4)
    cache.put("v1", "b", "bbbb", 4)
    assert cache.get("v1", "a") == "aaaa"  # now the most recently used
    cache.put("v1", "c", "cccc", 4)  # over 10: the least recently used ("b") goes
    assert cache.get("v1", "b") is None and cache.get("v1", "a") == "aaaa" and cache.get("v1", "c") == "cccc"
    assert cache.get("v2", "a") is None  # another version never sees these
    cache.put("v2", "d", "dd", 2)
    assert len(cache) == 1 and cache.get("v1", "a") is None
    cache.put("v2", "huge", "x" * 11, 11)  # larger than the whole cache: not kept
    assert cache.get("v2", "huge") is None and cache.get("v2", "d") == "dd"
