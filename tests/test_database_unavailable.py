"""While the database restarts (bench/faults.py postgres), pages answer 503 with Retry-After, not 500."""
from sqlalchemy.exc import OperationalError

from portal.main import services as main_services


def _database_down(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("terminating connection due to administrator command"))


def test_a_lost_database_connection_is_a_503_with_retry_after(client, login_as, monkeypatch):
    login_as("reader")
    monkeypatch.setattr(main_services, "start_page", _database_down)
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Försök igen om en liten stund" in response.get_data(as_text=True)


def test_the_api_says_so_in_json(client, login_as, monkeypatch):
    login_as("reader")
    from portal.api import views as api_views

    monkeypatch.setattr(api_views.services, "list_documents", _database_down)
    response = client.get("/api/v1/documents")
    assert response.status_code == 503
    assert response.get_json()["error"]["status"] == 503


def test_also_when_loading_the_logged_in_user_fails(client, login_as, monkeypatch):
    login_as("unit_head")
    from portal.extensions import login_manager

    monkeypatch.setattr(login_manager, "_user_callback", _database_down)
    response = client.get("/min-enhet")
    assert response.status_code == 503


def test_a_connection_lost_after_the_last_query_still_gets_its_answer(client, login_as, monkeypatch, caplog):
    # The database cut the connection after the page's last query: rolling back at the end of the
    # request fails in the driver. The answer is made already; the dead connection is thrown away.
    from portal.extensions import db

    login_as("reader")
    dialect = db.engine.dialect
    failed = []

    def rollback_on_a_dead_connection(dbapi_connection):
        failed.append(dbapi_connection)
        raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(dialect, "do_rollback", rollback_on_a_dead_connection)
    # /healthz always queries, so its transaction is open at the end.
    answer = client.get("/healthz")
    monkeypatch.undo()
    assert failed, "the request's rollback never ran: the fault was not injected"
    assert answer.status_code == 200 and answer.get_json()["status"] == "ok"
    # (Tests run without the request log, so the request has no id to name: "request -".)
    assert "Database connection lost while closing the database session (request -)" in caplog.text
    # The next requests get working connections from the pool.
    assert client.get("/healthz").get_json()["database"]["status"] == "ok"
    assert client.get("/handbok").status_code == 200
