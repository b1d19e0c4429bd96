"""The JSON API: token and session auth, JSON errors, documents, revisions, adoption, OpenAPI."""
import pytest
from sqlalchemy import select

from portal.api import services
from portal.api.models import ApiToken
from portal.extensions import db
from portal.policy import SystemActor
from tests.handbook.conftest import make_document, system  # noqa: F401  (fixtures)
from tests.conftest import table_snapshot


def test_anonymous_gets_401_json(client, make_document):
    make_document()
    for url in ("/api/v1/documents", "/api/v1/documents/orosanmalan", "/api/v1/adoption"):
        response = client.get(url)
        assert response.status_code == 401
        assert response.get_json()["error"]["status"] == 401


def test_wrong_or_revoked_token_gets_401(client, make_document, make_user):
    make_document()
    user = make_user("reader")
    token, plain = services.issue_token(SystemActor("test"), user, "Test")
    assert client.get("/api/v1/documents", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    assert client.get("/api/v1/documents", headers={"Authorization": "Bearer svp_fel"}).status_code == 401
    services.revoke_token(SystemActor("test"), token)
    assert client.get("/api/v1/documents", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_token_is_stored_only_as_a_hash(make_user):
    user = make_user("reader")
    _, plain = services.issue_token(SystemActor("test"), user, "Test")
    stored = db.session.scalar(select(ApiToken))
    assert plain.startswith("svp_") and plain not in (stored.token_hash, stored.prefix)


def test_token_of_a_disabled_user_stops_working(client, make_document, make_user):
    from portal.auth import services as accounts

    make_document()
    user = make_user("reader")
    _, plain = services.issue_token(SystemActor("test"), user, "Test")
    accounts.set_active(SystemActor("test"), user, False)
    assert client.get("/api/v1/documents", headers={"Authorization": f"Bearer {plain}"}).status_code == 401


def test_document_list_and_one_document_with_markdown_and_html(client, make_document, token_for):
    make_document()
    make_document("utkast", "Utkast", publish=False)
    headers = token_for()
    listing = client.get("/api/v1/documents", headers=headers).get_json()["documents"]
    assert [d["slug"] for d in listing] == ["orosanmalan"]
    one = client.get("/api/v1/documents/orosanmalan", headers=headers).get_json()
    assert one["document"]["version"] == 1 and one["revision"]["change_kind"] == "minor"
    assert "Anmäl genast" in one["revision"]["markdown"] and "<li>Anmäl genast" in one["revision"]["html"]
    assert one["revision"]["metadata"]["decided_by"] == "Socialchef"
    assert client.get("/api/v1/documents/utkast", headers=headers).status_code == 404
    assert client.get("/api/v1/documents/orosanmalan/revisions/9", headers=headers).status_code == 404


def test_session_login_also_works(client, make_document, login_as):
    make_document()
    login_as("reader")
    assert client.get("/api/v1/documents").get_json()["documents"][0]["slug"] == "orosanmalan"


def test_adoption_status_follows_the_users_scope(client, make_document, token_for, organisation):
    make_document(meta={"applies_to": ["Bildningsförvaltningen"]})
    rows = client.get("/api/v1/adoption", headers=token_for("unit_head")).get_json()["adoption"]
    assert {(r["unit"], r["status"]) for r in rows} == {("Ekbackens skola", "not_started"),
                                                        ("Sjöängsskolan", "not_started")}
    reader_rows = client.get("/api/v1/adoption", headers=token_for("reader")).get_json()["adoption"]
    assert [r["unit"] for r in reader_rows] == ["Ekbackens skola"]
    assert client.get("/api/v1/adoption?unit=abc", headers=token_for()).status_code == 400
    assert client.get("/api/v1/adoption?routine=finns-inte", headers=token_for()).status_code == 404


def test_admin_issues_and_revokes_tokens_in_the_ui(client, login_as, make_user):
    login_as("admin")
    user = make_user("reader")
    response = client.post(f"/admin/anvandare/{user.id}/api-nycklar", data={"name": "Rapportverktyg"})
    page = response.get_data(as_text=True)
    assert "Kopiera nyckeln nu" in page
    plain = page.split('id="ny-nyckel" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert client.get("/api/v1/documents", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    token = db.session.scalar(select(ApiToken))
    client.post(f"/admin/anvandare/{user.id}/api-nycklar/{token.id}/aterkalla")
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    before = table_snapshot()
    assert client.post(f"/admin/anvandare/{user.id}/api-nycklar", data={"name": ""}).status_code == 400
    assert table_snapshot() == before


def test_non_admin_cannot_manage_tokens(client, login_as, make_user):
    user = make_user("reader")
    login_as("editor")
    before = table_snapshot()
    assert client.post(f"/admin/anvandare/{user.id}/api-nycklar", data={"name": "x"}).status_code == 403
    assert table_snapshot() == before


def test_openapi_description_is_served(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.0") and "/api/v1/documents/{slug}" in spec["paths"]


@pytest.mark.parametrize("name", ["Rapport\x1b[31mverktyg", "Rapport\x07", "Rapport\x7fverktyg"])
def test_a_token_name_with_control_characters_is_refused_and_nothing_changes(client, login_as, make_user, name):
    from tests.admin.conftest import field_error

    login_as("admin")
    user = make_user("reader")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{user.id}/api-nycklar", data={"name": name})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name") == "Texten innehåller otillåtna tecken (styrtecken)."
    assert table_snapshot() == before


NOTE = "> **Kontrollera (redaktör):** Gäller BUS i hela länet?\n> Fråga samordnaren.\n"


def test_readers_get_the_markdown_without_the_notes_to_the_editors(client, make_document, token_for):
    from tests.handbook.conftest import ROUTINE_BODY
    make_document(body=ROUTINE_BODY.replace("## Syfte\n", f"## Syfte\n\n{NOTE}\n"))
    for path in ("/api/v1/documents/orosanmalan", "/api/v1/documents/orosanmalan/revisions/1"):
        answer = client.get(path, headers=token_for("reader")).get_json()
        revision = answer.get("revision", answer)
        assert "Kontrollera" not in revision["markdown"] and "Fråga samordnaren" not in revision["markdown"]
        assert "## Syfte\n\nAtt alla vet" in revision["markdown"]  # the rest as it was, one blank line
        editors = client.get(path, headers=token_for("editor")).get_json()
        assert NOTE in editors.get("revision", editors)["markdown"]


def test_without_editor_notes_keeps_ordinary_quotes_and_text():
    from portal.handbook.markdown import without_editor_notes
    text = "Intro.\n\n> Ett vanligt citat.\n\n" + NOTE + "\nSlut.\n"
    assert without_editor_notes(text) == "Intro.\n\n> Ett vanligt citat.\n\nSlut.\n"
    assert without_editor_notes("Inget att ta bort.") == "Inget att ta bort."
