"""Browser tests: Playwright driving Debian's Chromium against the portal served on 127.0.0.1.

One portal per test session: its own database (a SQLite file, or a database of its own on the
PostgreSQL server when TEST_DATABASE_URL is set), migrated with `flask db upgrade`, the demo
organisation and accounts, the shipped handbook from innehall/ and a real search index, served by
werkzeug in a thread. Tests that change data work on objects no other test reads.

Without Chromium (or the Playwright package) every test here is skipped with the reason printed in
the summary; with REQUIRE_BROWSER_TESTS=1 (CI) they fail instead.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from flask import got_request_exception
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from config import TestConfig
from portal import create_app
from portal.content.services import import_directory
from portal.adoption import services as adoption
from portal.auth.models import User
from portal.demo import load_demo
from portal.extensions import db
from portal.handbook import services as handbook
from portal.org.models import Unit
from portal.policy import SystemActor
from portal.search.services import rebuild_index
from tests.browser.helpers import (ACCOUNTS, CHROMIUM, DEMO_PASSWORD, DESKTOP, ROOT, browser_unavailable,
                                   log_in)
from tests.conftest import new_database


def pytest_collection_modifyitems(config, items):
    reason = browser_unavailable()
    if reason is None:
        return
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER_TESTS=1 but the browser tests cannot run: {reason}")
    marker = pytest.mark.skip(reason=f"browser tests skipped: {reason}")
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(marker)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Never a downloaded browser: Debian's Chromium, without the background calls home that the
    # closed network refuses.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--lang=sv-SE"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "sv-SE", "viewport": DESKTOP}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per asset would drown the test output
        pass


class LiveServer:
    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self.errors: list[BaseException] = []

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    with new_database("browser", tmp) as database_url:

        class Config(TestConfig):
            SQLALCHEMY_DATABASE_URI = database_url
            SEARCH_INDEX_DIR = str(tmp / "sokindex")

        app = create_app(Config)
        with app.app_context():
            upgrade()
            load_demo(DEMO_PASSWORD)
            report = import_directory(SystemActor("innehall-import"), ROOT / "innehall")
            assert not report.refused, report.refused
            _publish_a_second_version()
            _adoption_under_way()
            rebuild_index()
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        live = LiveServer(app, f"http://127.0.0.1:{server.server_port}")
        got_request_exception.connect(lambda sender, exception, **extra: live.errors.append(exception),
                                      app, weak=False)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield live
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def _publish_a_second_version():
    """Version 2 of one routine, so history, comparison and recent changes have something to show."""
    editor = db.session.scalar(select(User).where(User.email == ACCOUNTS["editor"]))
    document, _ = handbook.find_document("efter-orosanmalan")
    latest = handbook.latest_revision(document)
    body = latest.body.replace("## ", "Uppdaterad med nya kontaktuppgifter till mottagningsgruppen.\n\n## ", 1)
    handbook.save_and_publish(editor, document, base_number=latest.number, title=latest.title, body=body,
                              meta=latest.meta, note="Nya kontaktuppgifter till mottagningsgruppen.",
                              substantial=False)


def _adoption_under_way():
    """Some units have started on the orosanmälan routine, so dashboards show progress. The
    browser tests' own ticking uses other routines and units."""
    document, _ = handbook.find_document("orosanmalan")
    number = document.current_revision.number
    items = len(adoption.checklist(document.current_revision))
    for email, unit_name, done, confirm in [("rektor.tallberget@exempel.se", "Tallbergets skola", items, True),
                                            ("forskolechef@exempel.se", "Förskolan Solrosen", 3, False),
                                            (ACCOUNTS["unit_head"], "Ekbackens skola", 2, False)]:
        head = db.session.scalar(select(User).where(User.email == email))
        unit = db.session.scalar(select(Unit).where(Unit.name == unit_name))
        for index in range(done):
            adoption.set_item(head, document, unit, revision_number=number, index=index, done=True,
                              comment="")
        if confirm:
            adoption.confirm(head, document, unit, revision_number=number)


@pytest.fixture(autouse=True)
def no_server_errors(request, live_server):
    """A browser test fails if the portal raised while serving it (a 500 the page may hide)."""
    before = len(live_server.errors)
    yield
    assert live_server.errors[before:] == []


@pytest.fixture
def login(page, live_server):
    def do(role: str, target=None):
        return log_in(target or page, live_server.url, role)

    return do


@pytest.fixture
def page(page, live_server):
    """The plugin's page, watched: a script error, a Content-Security-Policy refusal or a request
    that leaves the portal (a CDN, a font host) fails the test."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.on("request", lambda request: problems.append(f"external request: {request.url}")
            if not request.url.startswith((live_server.url, "data:", "about:")) else None)
    yield page
    assert problems == []
