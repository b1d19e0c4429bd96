"""CSRF: every state-changing route refuses a missing, forged, foreign or expired token with a
Swedish 400 page, and changes nothing. The routes come from the app's url_map, so a new POST route
is covered the day it is added."""
import re
import secrets
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db

from tests.conftest import table_snapshot
from tests.test_permission_matrix import ADMIN, FORMS, ROUTES, _log_in, _url, shared  # noqa: F401  (fixture)

# Routes whose forms check their own token (csrf.exempt + Form), so that a refused form keeps its text.
FORM_CHECKED = {"adoption.save_checklist", "adoption.tick", "adoption.confirm"}
POST_ROUTES = [(endpoint, args) for endpoint, method, args in ROUTES if method == "POST"]


class _NineHoursAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 9 * 3600  # WTF_CSRF_TIME_LIMIT is 8 hours


def _token(client, *, secret=None, signer=TimestampSigner, raw=None) -> str:
    """A token as the portal signs them; by default valid for the client's session."""
    with client.session_transaction() as session:
        raw = raw or session.setdefault("csrf_token", secrets.token_hex(20))
    return URLSafeTimedSerializer(secret or client.application.secret_key, salt="wtf-csrf-token",
                                  signer=signer).dumps(raw)


TOKENS = {
    "missing": lambda client: None,
    "empty": lambda client: "",
    "garbage": lambda client: "inte-en-token",
    "signed with another key": lambda client: _token(client, secret="en-annan-nyckel"),
    "another session's": lambda client: _token(client, raw=secrets.token_hex(20)),
    "expired": lambda client: _token(client, signer=_NineHoursAgo),
}


@pytest.mark.parametrize("kind", TOKENS)
@pytest.mark.parametrize("endpoint, args", POST_ROUTES, ids=[endpoint for endpoint, _ in POST_ROUTES])
def test_a_bad_csrf_token_is_refused_and_changes_nothing(shared, endpoint, args, kind):
    app, world = shared
    client = app.test_client()
    _log_in(client, ADMIN)  # allowed everything: only the token stands in the way
    url = _url(app, endpoint, args, world)
    data = FORMS.get(endpoint, lambda w: {})(world)
    token = TOKENS[kind](client)
    if token is not None:
        data["csrf_token"] = token
    before = table_snapshot()

    response = client.post(url, data=data, csrf=False)

    assert response.status_code == 400, f"{endpoint} accepted a {kind} CSRF token ({response.status_code})"
    page = response.get_data(as_text=True)
    assert '<html lang="sv">' in page
    if endpoint in FORM_CHECKED:
        # The page comes back with the typed text in its form (tests/adoption checks the text).
        assert "kunde inte sparas eftersom formuläret hade gått ut. Ingenting har ändrats." in page
    else:
        assert "Felaktig begäran" in page
        assert "Formuläret har gått ut eller saknar säkerhetstoken, så ingenting har sparats eller ändrats." in page
        assert "gå tillbaka med webbläsarens Bakåt-knapp och kopiera texten" in page  # how not to lose the text
    assert table_snapshot() == before
    assert client.get("/").status_code == 200  # still logged in


def test_the_token_in_the_page_is_the_one_that_works(app, client, login_as):
    """The token a page renders (not one the test client makes up) is accepted."""
    login_as("admin")
    page = client.get("/admin/anvandare/ny").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/admin/anvandare/ny", csrf=False, data={
        "csrf_token": token, "email": "ny@test.se", "name": "Ny", "unit": "0", "password": "ett-startlosenord"})
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "ny@test.se")) is not None

