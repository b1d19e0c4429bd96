"""Error pages and answers: Swedish pages inside the base layout, JSON under /api/, nothing saved
on a crash, and 404 for every unknown id in every URL."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import Department
from tests.conftest import table_snapshot
from tests.test_permission_matrix import ADMIN, FORMS, ROUTES, _log_in, _url, shared  # noqa: F401  (fixture)


def _assert_swedish_page(response, status, title):
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert page.startswith("<!doctype html>") and '<html lang="sv">' in page
    assert f"<title>{title} – Samverkansportalen</title>" in page
    assert f"<h1>{title}</h1>" in page and f"Felkod {status}." in page
    assert 'class="site-footer"' in page and "Tillgänglighetsredogörelse" in page  # the base layout
    assert 'href="/">Till startsidan</a>' in page
    return page


def _assert_json_error(response, status):
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert error["status"] == status and error["title"] and error["message"]
    return error


# --- HTML pages ----------------------------------------------------------------------------------------

def test_404_for_an_unknown_address(client, login_as):
    login_as("reader")
    page = _assert_swedish_page(client.get("/finns-inte"), 404, "Sidan finns inte")
    assert "Sidan du söker finns inte, eller så har den flyttats." in page
    assert 'href="/sok">Sök i handboken</a>' in page


def test_404_also_for_anonymous_visitors_without_the_menu(client):
    page = _assert_swedish_page(client.get("/finns/inte/heller"), 404, "Sidan finns inte")
    assert "Logga ut" not in page and "Sök i handboken" not in page


def test_403_when_the_role_does_not_allow(client, login_as):
    login_as("reader")
    page = _assert_swedish_page(client.get("/admin/"), 403, "Ingen behörighet")
    assert "Du har inte behörighet" in page


def test_400_for_a_form_without_csrf_token(client, login_as):
    login_as("reader")
    page = _assert_swedish_page(client.post("/konto", data={}, csrf=False), 400, "Felaktig begäran")
    assert "säkerhetstoken" in page


def test_400_for_a_bad_parameter_explained_by_the_service(client, login_as):
    from portal.handbook.services import MAX_BODY_CHARS

    login_as("editor")
    page = _assert_swedish_page(client.post("/handbok/forhandsgranska", data={"body": "x" * (MAX_BODY_CHARS + 1)}),
                                400, "Felaktig begäran")
    assert "Texten är för lång för förhandsgranskning." in page


def test_a_bad_export_date_shows_the_dashboard_with_the_message(client, login_as):
    login_as("unit_head")
    response = client.get("/inforande/export.csv?datum=igår")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "<title>Införande – Samverkansportalen</title>" in page and "Ange datumet som ÅÅÅÅ-MM-DD." in page


def test_405_for_a_get_to_a_post_only_address(client, login_as):
    login_as("reader")
    response = client.get("/logga-ut")
    assert response.status_code == 405
    page = response.get_data(as_text=True)
    assert '<html lang="sv">' in page and "Otillåten metod" in page


def test_413_for_a_too_large_upload(app, client, login_as):
    login_as("editor")
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/handbok/forhandsgranska", data={"body": body})
    assert response.status_code == 413
    assert "För stort innehåll" in response.get_data(as_text=True)


@pytest.fixture
def crashing_start_page(app, monkeypatch):
    """The start page half-way through a change when something unexpected fails."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a page instead of a traceback

    def crash(user):
        db.session.add(Department(name="Halvfärdig förvaltning", code="halvfardig"))
        db.session.flush()
        raise RuntimeError("simulerat fel")

    monkeypatch.setattr("portal.main.services.start_page", crash)


def test_500_is_a_swedish_page_and_nothing_is_saved(app, client, login_as, crashing_start_page, caplog):
    login_as("reader")
    before = table_snapshot()
    page = _assert_swedish_page(client.get("/"), 500, "Något gick fel")
    assert "Ingenting har sparats." in page
    assert "simulerat fel" not in page and "Traceback" not in page
    assert table_snapshot() == before
    assert db.session.scalar(select(Department).where(Department.code == "halvfardig")) is None
    assert any("simulerat fel" in record.getMessage() for record in caplog.records)


# --- JSON under /api/ --------------------------------------------------------------------------------

def test_api_errors_are_json(client, login_as):
    assert _assert_json_error(client.get("/api/v1/documents"), 401)["title"] == "Inloggning krävs"
    login_as("reader")
    assert _assert_json_error(client.get("/api/v1/finns-inte"), 404)["title"] == "Sidan finns inte"
    assert _assert_json_error(client.get("/api/v1/documents/finns-inte"), 404)["message"].startswith(
        "Dokumentet finns inte.")
    assert _assert_json_error(client.get("/api/v1/adoption?unit=abc"), 400)["message"] == \
        "Parametern unit ska vara ett enhets-id (heltal)."
    assert _assert_json_error(client.delete("/api/v1/documents"), 405)["title"] == "Otillåten metod"


def test_api_500_is_json_and_hides_the_cause(app, client, login_as, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr("portal.api.services.list_documents", lambda user: 1 / 0)
    login_as("reader")
    error = _assert_json_error(client.get("/api/v1/documents"), 500)
    assert "division" not in error["message"] and "Ingenting har sparats." in error["message"]


# --- Unknown ids in URLs ---------------------------------------------------------------------------

UNKNOWN = {"slug": "finns-inte", "unit_id": 2**31 - 1, "user_id": 2**31 - 1, "token_id": 2**31 - 1,
           "department_id": 2**31 - 1,
           "number": 2**31 - 1, "index": 2**31 - 1}
UNKNOWN_CASES = [pytest.param(endpoint, method, args, arg, id=f"{method}-{endpoint}-{arg}")
                 for endpoint, method, args in ROUTES for arg in args]


@pytest.mark.parametrize("endpoint, method, args, arg", UNKNOWN_CASES)
def test_an_unknown_id_in_the_url_is_404_and_changes_nothing(shared, endpoint, method, args, arg):
    app, world = shared
    assert arg in UNKNOWN, f"{endpoint}: add an unknown value for <{arg}> to UNKNOWN"
    client = app.test_client()
    _log_in(client, ADMIN)  # allowed everything: only the missing object stands in the way
    url = _url(app, endpoint, args, world, **{arg: UNKNOWN[arg]})
    before = table_snapshot()
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=FORMS.get(endpoint, lambda w: {})(world))
    if url.startswith("/api/"):
        _assert_json_error(response, 404)
    else:
        _assert_swedish_page(response, 404, "Sidan finns inte")
    assert table_snapshot() == before


@pytest.mark.parametrize("path", ["/admin/anvandare/2147483648", "/admin/anvandare/99999999999999999999",
                                  "/admin/anvandare/-1", "/admin/anvandare/1.5", "/admin/anvandare/abc",
                                  "/inforande/enhet/0x10", "/handbok/orosanmalan/version/%C2%B2",
                                  "/api/v1/documents/x/revisions/2147483648"])
def test_ids_that_are_no_ids_are_404_not_500(client, login_as, path):
    login_as("admin")
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.is_json
    else:
        assert "Sidan finns inte" in response.get_data(as_text=True)

