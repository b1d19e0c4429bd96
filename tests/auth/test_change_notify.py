"""Changes reach the kept users of other machines through PostgreSQL LISTEN/NOTIFY (portal/changenotify.py).

Each "machine" here is an app of its own on the same database with its own change counter file, so
only the notification can carry a change from one to the other. Needs PostgreSQL (TEST_DATABASE_URL):
CI runs the suite against it; on SQLite those tests are skipped and say so.
"""
import time

import psycopg
import pytest
from sqlalchemy import text

from config import TestConfig
from portal import changenotify, create_app
from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from tests.conftest import PASSWORD, POSTGRES_URL, PortalClient, recorded_statements

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="LISTEN/NOTIFY needs PostgreSQL: set TEST_DATABASE_URL "
                                                         "(CI runs these against PostgreSQL)")


@pytest.fixture
def machines(app, tmp_path):
    """make(name) -> an app on the test's database with a change counter of its own, listening."""
    made = []

    def make(name: str, **settings):
        class Machine(TestConfig):
            SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
            SEARCH_INDEX_DIR = str(tmp_path / f"sokindex-{name}")
            CHANGE_COUNTER_FILE = str(tmp_path / f"change-counter-{name}")
            CHANGE_NOTIFY = "on"

        for key, value in settings.items():
            setattr(Machine, key, value)
        machine = create_app(Machine)
        machine.test_client_class = PortalClient
        listener = _listener(machine)
        if listener is not None:
            listener.check_seconds = listener.retry_seconds = 0.1
        made.append(machine)
        return machine

    yield make
    for machine in made:
        if _listener(machine) is not None:
            _listener(machine).stop(timeout=5)
        with machine.app_context():
            db.engine.dispose()


def _listener(machine):
    return machine.extensions["user_cache"].listener


def _wait_for(condition, what: str, seconds: float = 10.0) -> None:
    """Wait for something another thread does (bounded: fails, does not hang)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds:.0f} s waiting for {what}")
        time.sleep(0.02)


def _listening(machine):
    listener = _listener(machine)
    listener.state()  # starts it in this process
    _wait_for(lambda: listener.listening, "the listener to connect")
    return listener


def _logged_in(machine, user):
    client = machine.test_client()
    answer = client.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return client


def _changed_on_machine_a(machines, listener, change) -> None:
    """Run change(user service calls) in machine a, then wait until machine b's listener heard of it."""
    before = listener.state()
    a = machines("a")
    with a.app_context():
        change()
        db.session.remove()
    _wait_for(lambda: listener.state() != before, "machine a's notification to reach machine b")


def _statements(machine, client, path):
    with machine.app_context():
        engine = db.engine
    with recorded_statements(engine) as sent:
        answer = client.get(path)
    return answer, sent


def test_auto_listens_with_postgresql_only(caplog):
    postgres = "postgresql+psycopg://postgres@127.0.0.1:5432/portal"
    assert changenotify.enabled({"CHANGE_NOTIFY": "auto", "SQLALCHEMY_DATABASE_URI": postgres})
    assert changenotify.enabled({"SQLALCHEMY_DATABASE_URI": postgres})
    assert not changenotify.enabled({"CHANGE_NOTIFY": "auto", "SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite"})
    assert not changenotify.enabled({"CHANGE_NOTIFY": "off", "SQLALCHEMY_DATABASE_URI": postgres})
    assert not changenotify.enabled({"CHANGE_NOTIFY": "on", "SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite"})
    assert "CHANGE_NOTIFY=on needs PostgreSQL" in caplog.text
    assert changenotify.enabled({"CHANGE_NOTIFY": "ja tack", "SQLALCHEMY_DATABASE_URI": postgres})
    assert "CHANGE_NOTIFY=ja tack is unknown (auto, on or off): taken as auto" in caplog.text
    assert changenotify.conninfo("postgresql+psycopg://u:p@h:5433/d?sslmode=require") == \
        "postgresql://u:p@h:5433/d?sslmode=require"


@needs_postgres
def test_an_account_disabled_on_one_machine_ends_the_kept_session_on_another(machines, make_user):
    user = make_user("reader")
    b = machines("b")
    listener = _listening(b)
    client = _logged_in(b, user)
    assert client.get("/handbok").status_code == 200
    answer, sent = _statements(b, client, "/handbok")
    assert answer.status_code == 200 and sent == [], "machine b does not keep its user: nothing to test"

    _changed_on_machine_a(machines, listener,
                          lambda: accounts.set_active("admin", db.session.get(User, user.id), False))
    answer = client.get("/handbok")
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]


@needs_postgres
def test_a_role_revoked_on_one_machine_is_gone_on_another(machines, make_user):
    user = make_user("editor")
    b = machines("b")
    listener = _listening(b)
    client = _logged_in(b, user)
    assert client.get("/redaktor").status_code == 200
    _changed_on_machine_a(machines, listener,
                          lambda: accounts.revoke_role("admin", db.session.get(User, user.id), "editor"))
    assert client.get("/redaktor").status_code == 403


@needs_postgres
def test_a_worker_that_cannot_listen_keeps_nothing(machines, make_user, caplog):
    user = make_user("reader")
    b = machines("b")
    _listener(b).dsn = "postgresql://postgres@127.0.0.1:1/nowhere"  # nothing listens there
    client = _logged_in(b, user)
    assert client.get("/handbok").status_code == 200
    for _ in range(2):
        answer, sent = _statements(b, client, "/handbok")
        assert answer.status_code == 200
        assert any("FROM users" in statement for statement in sent), "a kept user was used without listening"
    _wait_for(lambda: "Not listening for changes" in caplog.text, "the warning")
    assert client.get("/healthz").get_json()["user_cache"]["status"] == "not listening"


@needs_postgres
def test_a_listener_whose_connection_is_cut_listens_again(app, machines, make_user):
    user = make_user("reader")
    b = machines("b")
    listener = _listening(b)
    first = listener.backend_pid
    db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    db.session.commit()
    _wait_for(lambda: listener.listening and listener.backend_pid != first, "the listener to connect again")
    health = b.test_client().get("/healthz").get_json()
    assert health["status"] == "ok" and health["user_cache"]["status"] == "listening"
    # And it still hears what it is told.
    client = _logged_in(b, user)
    assert client.get("/handbok").status_code == 200
    _changed_on_machine_a(machines, listener,
                          lambda: accounts.set_active("admin", db.session.get(User, user.id), False))
    assert client.get("/handbok").status_code == 302


@needs_postgres
def test_writes_that_change_nothing_kept_send_no_notification(app, machines, make_user):
    user = make_user("reader")
    b = machines("b")
    listener = _listening(b)
    heard = []
    # A second, bare LISTEN connection sees every notification sent, so "none" can be checked after a
    # NOTIFY of the test's own: notifications arrive in commit order.
    with psycopg.connect(changenotify.conninfo(POSTGRES_URL), autocommit=True) as probe:
        probe.execute(f"LISTEN {changenotify.CHANNEL}")
        a = machines("a")
        with a.app_context():
            client = _logged_in(a, user)  # a login stamps last_login_at: not a change anything keeps
            assert client.get("/handbok").status_code == 200
            db.session.remove()
        probe.execute(f"NOTIFY {changenotify.CHANNEL}, 'end'")
        for notification in probe.notifies(timeout=10):
            heard.append(notification.payload)
            if notification.payload == "end":
                break
    assert heard == ["end"]
    assert listener.listening


@needs_postgres
def test_a_notification_that_cannot_be_sent_loses_nothing(machines, make_user, monkeypatch, caplog):
    # The commit is done when the notification is sent; a failing one (here a real database error:
    # an unknown function) is logged and the change stands, the request still gets its answer.
    user = make_user("reader")
    admin = make_user("admin")
    a = machines("a")
    monkeypatch.setattr(changenotify, "_NOTIFY", "SELECT no_such_notify_function()")
    client = _logged_in(a, admin)
    answer = client.post(f"/admin/anvandare/{user.id}/inaktivera")
    assert answer.status_code == 302
    assert "Could not tell the other machines about a change" in caplog.text
    with a.app_context():
        assert db.session.get(User, user.id).active is False
        db.session.remove()
