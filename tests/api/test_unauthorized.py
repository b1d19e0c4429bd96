"""API 401s: a refused bearer token is named as such, never why; every 401 carries a Bearer challenge."""
import pytest

from portal.api import services
from portal.auth import services as accounts
from portal.policy import SystemActor
from tests.handbook.conftest import make_document, system  # noqa: F401  (fixtures)

INVALID_KEY = {"status": 401, "title": "Ogiltig API-nyckel",
               "message": "API-nyckeln är fel, har återkallats eller hör till ett konto som är avstängt. "
                          "Be en administratör om en ny nyckel."}


def _refused_token(make_user, why: str) -> str:
    user = make_user("reader")
    token, plain = services.issue_token(SystemActor("test"), user, "Test")
    if why == "garbage":
        return "inte-en-nyckel"
    if why == "unknown":
        return "svp_" + "x" * 43
    if why == "revoked":
        services.revoke_token(SystemActor("test"), token)
    elif why == "disabled":
        accounts.set_active(SystemActor("test"), user, False)
    return plain


@pytest.mark.parametrize("why", ["garbage", "unknown", "revoked", "disabled"])
@pytest.mark.parametrize("url", ["/api/v1/documents", "/api/v1/documents/orosanmalan/revisions", "/api/v1/adoption"])
def test_a_refused_token_gets_the_same_invalid_key_answer_whatever_the_reason(client, make_document, make_user,
                                                                              why, url):
    make_document()
    response = client.get(url, headers={"Authorization": f"Bearer {_refused_token(make_user, why)}"})
    assert response.status_code == 401
    assert response.get_json() == {"error": INVALID_KEY}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Samverkansportalen", error="invalid_token"'


@pytest.mark.parametrize("authorization", [None, "Basic dXNlcjpwdw=="])
def test_a_request_without_a_bearer_token_keeps_the_login_message_and_a_bare_challenge(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/documents", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == {"status": 401, "title": "Inloggning krävs",
                                            "message": "Du behöver logga in för att se det här."}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Samverkansportalen"'


def test_a_web_page_with_a_bearer_token_still_sends_the_visitor_to_the_login_page(client):
    response = client.get("/handbok", headers={"Authorization": "Bearer svp_fel"})
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    assert "WWW-Authenticate" not in response.headers
