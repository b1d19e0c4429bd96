"""Shared fixtures: an app with a fresh database per test, a CSRF-aware client, users per role.

Without TEST_DATABASE_URL each test gets its own SQLite file. With it (PostgreSQL in CI) the schema
is created once per run and every table is truncated after each test.
"""
import contextvars
from contextlib import contextmanager
import os
import secrets
import uuid

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import stamp
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from config import TestConfig
from portal import create_app
from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from portal.org import services as org

PASSWORD = "test-losenord-123"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
_schema_ready = False


class PortalClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form POST unless told not to.

    Each request runs in an empty context so it gets its own app context, `g` and database
    session, as in production (the test's own app context would otherwise be reused and leak the
    logged-in user between requests and clients). Afterwards the test's session is expired so
    assertions read what the request committed.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # redirects are followed inside the empty context
            db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf and "json" not in kwargs:
            data = dict(kwargs.pop("data", None) or {})
            data.setdefault("csrf_token", self.csrf_token())
            kwargs["data"] = data
        return super().post(*args, **kwargs)


@pytest.fixture
def app(tmp_path):
    global _schema_ready

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = POSTGRES_URL or f"sqlite:///{tmp_path / 'test.sqlite'}"
        SEARCH_INDEX_DIR = str(tmp_path / "sokindex")
        CHANGE_COUNTER_FILE = str(tmp_path / "change-counter")

    application = create_app(Config)
    application.test_client_class = PortalClient
    with application.app_context():
        if not POSTGRES_URL:
            _create_schema()
        elif not _schema_ready:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
            _create_schema()
            _schema_ready = True
        yield application
        db.session.remove()
        if POSTGRES_URL:
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        db.engine.dispose()


@contextmanager
def recorded_statements(engine):
    """The SQL statements sent on engine inside the block, in order."""
    sent = []
    listener = lambda conn, cursor, statement, *args: sent.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def _create_schema():
    """The models' schema, stamped at the newest migration like a migrated database
    (test_migrations.py proves the two agree)."""
    db.create_all()
    stamp()


@pytest.fixture
def client(app) -> PortalClient:
    return app.test_client()


@pytest.fixture
def organisation(app):
    """Two departments with units, like a small municipality."""
    school_dept = org.create_department("test", "Bildningsförvaltningen")
    social_dept = org.create_department("test", "Socialförvaltningen")
    units = {
        "school": org.create_unit("test", school_dept, "Ekbackens skola", "skola"),
        "other_school": org.create_unit("test", school_dept, "Sjöängsskolan", "skola"),
        "social": org.create_unit("test", social_dept, "Mottagningsgruppen", "socialtjanst"),
    }
    return {"school_dept": school_dept, "social_dept": social_dept, **units}


@pytest.fixture
def make_user(app, organisation):
    counter = iter(range(1, 10_000))

    def make(role: str = "reader", *, email: str | None = None, units=None, departments=None,
             unit=None) -> User:
        email = email or f"{role}{next(counter)}@test.se"
        user = accounts.create_user("test", email, f"Test {role}", PASSWORD,
                                    unit=unit if unit is not None else organisation["school"])
        if role == "unit_head":
            accounts.grant_role("test", user, role, units=units or [organisation["school"]])
        elif role == "editor":
            accounts.grant_role("test", user, role, departments=departments or [organisation["social_dept"]])
        elif role == "admin":
            accounts.grant_role("test", user, role)
        return user

    return make


@pytest.fixture
def login(client):
    def do_login(user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        response = client.post("/logga-in", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login


@pytest.fixture
def login_as(make_user, login):
    """Create a user with the role (and its default scope) and log the client in as them."""

    def do(role: str, **kwargs) -> User:
        user = make_user(role, **kwargs)
        login(user)
        return user

    return do


def table_snapshot() -> dict:
    """Every row of every table, to assert that a refused request changed nothing."""
    db.session.expire_all()
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables}


@contextmanager
def new_database(prefix: str, tmp_dir):
    """A URL of a new, empty database of the same kind as the test database, dropped afterwards:
    a SQLite file in tmp_dir, or a database of its own on the PostgreSQL server."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_dir / (prefix + '.sqlite')}"
        return
    url = make_url(base)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_database_url(tmp_path):
    with new_database("mig", tmp_path) as url:
        yield url


def _browser_line() -> str:
    from tests.browser.helpers import CHROMIUM, browser_unavailable

    reason = browser_unavailable()
    return f"browser tests: SKIPPED – {reason}" if reason else f"browser tests: run with {CHROMIUM}"


def pytest_report_header(config):
    return _browser_line()


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(_browser_line())
