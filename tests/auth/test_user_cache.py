"""The per-worker user cache (portal/usercache.py): a logged-in request needs no query once its user is
kept, and every change to an account, a role or the handbook, in this worker, another worker or a
`flask` command, is seen at the next request."""
import multiprocessing
import shutil
import time

import pytest
from sqlalchemy import text, update

from config import TestConfig
from portal import create_app
from portal.audit import record
from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from portal.usercache import WATCHED_TABLES, ChangeCounter, bump, user_cache
from tests.conftest import PASSWORD, PortalClient, recorded_statements


@pytest.fixture
def statements(app):
    with recorded_statements(db.engine) as sent:
        yield sent


def _counter(app):
    return app.extensions["change_counter"].read()


def _other_worker(app, **settings):
    """Another process of the same installation: same database and change counter, its own caches."""
    class SameInstallation(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"] + "-other"
        CHANGE_COUNTER_FILE = app.config["CHANGE_COUNTER_FILE"]

    for name, value in settings.items():
        setattr(SameInstallation, name, value)
    other = create_app(SameInstallation)
    other.test_client_class = PortalClient
    return other


def _in_other_worker(app, change) -> None:
    """Run change(user service calls) in another worker of the same installation, then close it."""
    other = _other_worker(app)
    with other.app_context():
        change()
        db.session.remove()
        db.engine.dispose()


def test_the_watched_tables_exist(app):
    assert WATCHED_TABLES <= set(db.metadata.tables)


def test_a_kept_user_is_served_without_a_query(client, login_as, statements):
    login_as("reader")
    assert client.get("/tillganglighet").status_code == 200
    del statements[:]
    page = client.get("/tillganglighet")
    assert page.status_code == 200 and "Logga ut" in page.get_data(as_text=True)
    assert statements == []
    assert len(user_cache()) == 1


def test_the_start_page_names_the_kept_users_unit_without_a_query(client, login_as, statements):
    # The start page links a reader to the progress of their own unit: the unit is kept with the user.
    login_as("reader")
    assert "Så långt har Ekbackens skola kommit" in client.get("/").get_data(as_text=True)
    del statements[:]
    page = client.get("/")
    assert page.status_code == 200 and "Så långt har Ekbackens skola kommit" in page.get_data(as_text=True)
    assert statements == []
    # A worker that has to read the user again reads its unit in the same query.
    bump()
    assert "Så långt har Ekbackens skola kommit" in client.get("/").get_data(as_text=True)
    assert len(statements) == 1 and "FROM users" in statements[0]


def test_a_unit_renamed_in_another_worker_is_named_at_the_next_request(app, client, login_as):
    from portal.org import services as org
    from portal.org.models import Unit

    user = login_as("reader")
    assert "Så långt har Ekbackens skola kommit" in client.get("/").get_data(as_text=True)
    unit_id = user.unit_id
    _in_other_worker(app, lambda: org.update_unit("admin", db.session.get(Unit, unit_id), name="Ekbackens nya skola",
                                                  kind="skola", active=True))
    page = client.get("/").get_data(as_text=True)
    assert "Så långt har Ekbackens nya skola kommit" in page


def test_a_unit_already_in_the_requests_session_is_not_taken_out_of_it(app, make_user):
    # The loader keeps (and so takes out of the request's session) the user's unit only when nothing
    # else in the request may refer to it.
    from portal.org.models import Unit

    user = make_user("reader")
    with app.test_request_context("/"):
        unit = db.session.get(Unit, user.unit_id)
        loaded = accounts.load_user_from_session(user.get_id())
        assert loaded.unit is unit and unit in db.session
        assert len(user_cache()) == 0
    db.session.expunge_all()  # a request whose session holds nothing yet
    with app.test_request_context("/"):
        loaded = accounts.load_user_from_session(user.get_id())
        assert loaded.unit.name == "Ekbackens skola" and len(user_cache()) == 1


def test_without_the_cache_every_request_reads_its_user(app, make_user):
    user = make_user("reader")
    other = _other_worker(app, USER_CACHE_SECONDS=0)
    # It keeps no users but still counts its changes for the workers that do.
    assert other.extensions["user_cache"] is None and other.extensions["change_counter"] is not None
    client = other.test_client()
    assert client.get("/healthz").get_json()["user_cache"] == {"status": "off"}
    assert client.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    client.get("/tillganglighet")
    with other.app_context():
        engine = db.engine
    with recorded_statements(engine) as sent:
        assert client.get("/tillganglighet").status_code == 200
    engine.dispose()
    assert len(sent) == 1 and "FROM users" in sent[0]


def test_disabling_in_this_worker_ends_the_kept_session(client, login_as, make_user):
    user = login_as("reader")
    assert client.get("/tillganglighet").status_code == 200
    assert len(user_cache()) == 1
    accounts.set_active("test", db.session.get(User, user.id), False)
    answer = client.get("/handbok")
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]


def test_disabling_in_another_worker_ends_the_session_at_the_next_request(app, client, login_as):
    user = login_as("reader")
    assert client.get("/handbok").status_code == 200
    _in_other_worker(app, lambda: accounts.set_active("admin", db.session.get(User, user.id), False))
    answer = client.get("/handbok")
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]


def test_a_role_revoked_in_another_worker_is_gone_at_the_next_request(app, client, login_as):
    user = login_as("editor")
    assert client.get("/redaktor").status_code == 200
    _in_other_worker(app, lambda: accounts.revoke_role("admin", db.session.get(User, user.id), "editor"))
    assert client.get("/redaktor").status_code == 403


def test_a_bulk_update_and_raw_sql_count_as_changes(app, client, login_as):
    user = login_as("reader")
    client.get("/handbok")
    before = _counter(app)
    db.session.execute(update(User).where(User.id == user.id).values(name="Nytt namn"))
    db.session.commit()
    after_bulk = _counter(app)
    assert after_bulk != before
    assert "Nytt namn" in client.get("/handbok").get_data(as_text=True)
    db.session.execute(text("UPDATE users SET name = 'Rått namn' WHERE id = :id"), {"id": user.id})
    db.session.commit()
    assert _counter(app) != after_bulk
    assert "Rått namn" in client.get("/handbok").get_data(as_text=True)


def test_writes_to_other_tables_and_rollbacks_do_not_count(app, client, login_as):
    user = login_as("reader")
    client.get("/handbok")
    before = _counter(app)
    record("test", "test.event", None, "Något hände")  # an audit event only
    db.session.commit()
    db.session.execute(text("SELECT count(*) FROM users"))  # raw SQL that only reads
    db.session.commit()
    db.session.execute(update(User).where(User.id == user.id).values(name="Ångrat"))
    db.session.rollback()
    assert _counter(app) == before
    assert len(user_cache()) == 1


def test_someone_elses_login_keeps_what_the_workers_kept(app, client, login_as, make_user, statements):
    # A login stamps users.last_login_at, which nothing kept shows: a morning of logins must not keep
    # emptying every worker's caches.
    login_as("reader")
    client.get("/handbok")
    colleague = make_user("reader", email="kollega@exempel.se")
    client.get("/handbok")  # kept again after the new account
    before = _counter(app)
    other_client = app.test_client()
    assert other_client.post("/logga-in", data={"email": colleague.email, "password": PASSWORD}).status_code == 302
    assert db.session.get(User, colleague.id).last_login_at is not None
    assert _counter(app) == before
    del statements[:]
    assert client.get("/handbok").status_code == 200
    assert statements == []


def test_a_login_timestamp_with_another_change_counts(app, make_user):
    from portal.clock import utcnow

    user = make_user("reader")
    before = _counter(app)
    user.last_login_at = utcnow()
    db.session.commit()
    assert _counter(app) == before
    user.last_login_at = utcnow()
    user.password_hash = accounts.hash_password("ett-annat-losenord-1")  # as a rehash at login does
    db.session.commit()
    assert _counter(app) != before


def test_a_change_outside_the_portal_is_seen_when_the_entry_expires(app, client, login_as, monkeypatch):
    user = login_as("reader")
    client.get("/handbok")
    monkeypatch.setattr(user_cache(), "max_age", 0.3)
    # As if someone typed an UPDATE into psql: the portal's code does not see it.
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": user.id})
    assert client.get("/handbok").status_code == 200  # kept, for at most max_age
    time.sleep(0.4)
    answer = client.get("/handbok")
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]


def test_a_deleted_counter_file_counts_as_a_change(app, client, login_as):
    login_as("reader")
    client.get("/handbok")
    assert len(user_cache()) == 1
    before = _counter(app)
    counter = app.extensions["change_counter"]
    counter.path.unlink()
    assert _counter(app) != before  # a new file, a new identity
    client.get("/handbok")  # dropped, read again
    assert counter.path.exists()


def test_a_deleted_instance_folder_is_made_again(app, client, login_as):
    user = login_as("reader")
    client.get("/handbok")
    counter = app.extensions["change_counter"]
    shutil.rmtree(counter.path.parent)
    assert client.get("/handbok").status_code == 200  # read from the database, kept again
    assert counter.path.exists() and len(user_cache()) == 1
    accounts.set_active("test", db.session.get(User, user.id), False)
    assert client.get("/handbok").status_code == 302


def test_a_counter_that_cannot_be_opened_means_no_kept_users(app, client, login_as, caplog):
    user = login_as("reader")
    client.get("/handbok")
    counter = app.extensions["change_counter"]
    shutil.rmtree(counter.path.parent)
    counter.path.parent.write_text("a file where the instance folder was")
    for _ in range(2):
        assert client.get("/handbok").status_code == 200  # every request reads its user
    # The change is committed and logged as not counted; the next request still sees it.
    accounts.set_active("test", db.session.get(User, user.id), False)
    assert "Could not count a change" in caplog.text
    answer = client.get("/handbok")
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]


def test_a_counter_unusable_at_start_turns_the_cache_off(app, tmp_path, caplog):
    (tmp_path / "not-a-folder").write_text("")
    other = _other_worker(app, CHANGE_COUNTER_FILE=str(tmp_path / "not-a-folder" / "change-counter"))
    assert other.extensions["user_cache"] is None and other.extensions["change_counter"] is None
    assert "every request reads its user from the database" in caplog.text


def _bump_many(path, times):
    counter = ChangeCounter(path)
    for _ in range(times):
        counter.bump()


def test_bumps_from_several_processes_are_all_counted(tmp_path):
    path = tmp_path / "counter"
    counter = ChangeCounter(path)
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_bump_many, args=(path, 300)) for _ in range(3)]
    for process in processes:
        process.start()
    _bump_many(path, 300)
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    assert counter.read()[2] == 1200
