"""What a worker keeps between requests of the same session (portal/sessions.py, templating.site_header):
remembered session cookies, reused signed CSRF tokens and kept site headers. Each must give exactly
what a fresh computation would: refused cookies stay refused, tokens stay valid and bound to their
session, and a header shows every change to the user, their roles and the page at the next request."""
import itertools
import re

from itsdangerous import TimestampSigner
from sqlalchemy import update

from portal import sessions
from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from tests.auth.test_user_cache import _in_other_worker, _other_worker
from tests.conftest import PASSWORD
from tests.test_navigation import nav


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _logout_token(page: str) -> str:
    form = page[page.index('action="/logga-ut"'):]
    return re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)


# --- Remembered session cookies ----------------------------------------------------------------------

def test_a_tampered_cookie_is_refused_after_the_genuine_one_was_remembered(client, login_as):
    login_as("reader")
    assert client.get("/handbok").status_code == 200
    genuine = _session_cookie(client)
    payload, _, signature = genuine.rpartition(".")
    forged = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.set_cookie("session", forged)
    answer = client.get("/handbok")
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]
    client.set_cookie("session", genuine)
    assert client.get("/handbok").status_code == 200


def test_a_remembered_cookie_expires_like_a_fresh_one(app, client, login_as, monkeypatch):
    login_as("reader")
    assert client.get("/handbok").status_code == 200  # remembered now
    lifetime = app.permanent_session_lifetime.total_seconds()
    real_time = sessions.time.time
    monkeypatch.setattr(sessions.time, "time", lambda: real_time() + lifetime + 5)
    answer = client.get("/handbok")
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]


def test_each_request_gets_its_own_copy_of_a_remembered_session(client, login_as):
    # The logout leaves a message in the cookie. Whatever later requests with that very cookie do to
    # their session (show the message, add another one), the cookie still means what it meant: one
    # message, as it would without the memo.
    login_as("reader")
    client.post("/logga-ut")
    with_message = _session_cookie(client)
    page = client.get("/logga-in").get_data(as_text=True)  # remembered now; shows and drops the message
    assert page.count("Du är utloggad.") == 1
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.set_cookie("session", with_message)
    assert client.post("/logga-ut", data={"csrf_token": token}, csrf=False).status_code == 302  # adds one
    assert client.get("/logga-in").get_data(as_text=True).count("Du är utloggad.") == 2
    client.set_cookie("session", with_message)
    assert client.get("/logga-in").get_data(as_text=True).count("Du är utloggad.") == 1


# --- Reused signed CSRF tokens ---------------------------------------------------------------------

def test_pages_of_one_session_share_a_token_that_still_works(client, login_as, monkeypatch):
    login_as("reader")
    # Every signature a second later than the one before: a token signed again would differ.
    ticks, now = itertools.count(), TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now(self) + next(ticks))
    first = _logout_token(client.get("/handbok").get_data(as_text=True))
    second = _logout_token(client.get("/tillganglighet").get_data(as_text=True))
    assert first == second
    answer = client.post("/logga-ut", data={"csrf_token": first}, csrf=False)
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]
    assert client.get("/handbok").status_code == 302  # really logged out


def test_another_session_gets_its_own_token(app, client, login_as, make_user):
    login_as("reader")
    mine = _logout_token(client.get("/handbok").get_data(as_text=True))
    other = app.test_client()
    user = make_user("reader")
    assert other.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    theirs = _logout_token(other.get("/handbok").get_data(as_text=True))
    assert theirs != mine
    # My token is bound to my session: it does not log the other person out.
    assert other.post("/logga-ut", data={"csrf_token": mine}, csrf=False).status_code == 400
    assert other.get("/handbok").status_code == 200


def test_the_token_is_signed_again_after_the_reuse_time_and_the_old_one_stays_valid(client, login_as,
                                                                                      monkeypatch):
    login_as("reader")
    old = _logout_token(client.get("/handbok").get_data(as_text=True))
    assert _logout_token(client.get("/handbok").get_data(as_text=True)) == old
    real_monotonic = sessions.time.monotonic
    monkeypatch.setattr(sessions.time, "monotonic", lambda: real_monotonic() + 601)
    # A signature made two seconds later, so a new signing shows as a different token.
    later = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later(self) + 2)
    new = _logout_token(client.get("/handbok").get_data(as_text=True))
    assert new != old
    answer = client.post("/logga-ut", data={"csrf_token": old}, csrf=False)
    assert answer.status_code == 302 and "/logga-in" in answer.headers["Location"]


def test_with_reuse_off_every_page_signs_its_own_token(app, make_user, monkeypatch):
    other = _other_worker(app, CSRF_REUSE_SECONDS=0)
    user = make_user("reader")
    client = other.test_client()
    assert client.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    ticks, now = itertools.count(), TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now(self) + next(ticks))
    first = _logout_token(client.get("/handbok").get_data(as_text=True))
    assert _logout_token(client.get("/handbok").get_data(as_text=True)) != first
    with other.app_context():
        db.engine.dispose()


# --- Kept site headers ------------------------------------------------------------------------------

def test_the_header_shows_a_new_name_and_a_revoked_role_at_the_next_request(app, client, login_as):
    user = login_as("editor")
    assert "Redaktör" in dict(nav(client, "/handbok"))
    db.session.execute(update(User).where(User.id == user.id).values(name="Ny Redaktörsnamn"))
    db.session.commit()
    assert "Ny Redaktörsnamn" in client.get("/handbok").get_data(as_text=True)
    _in_other_worker(app, lambda: accounts.revoke_role("admin", db.session.get(User, user.id), "editor"))
    assert "Redaktör" not in dict(nav(client, "/handbok"))


def test_a_page_rendered_after_a_change_in_the_same_request_shows_the_change(app, client, login_as):
    # No view renders right after changing its own user today (they redirect); one that did must not
    # get the header kept from before the change.
    from flask import render_template, request
    from flask_login import current_user

    def rename_and_render():
        if "namn" in request.args:
            db.session.execute(update(User).where(User.id == current_user.id).values(name=request.args["namn"]))
            db.session.commit()
        return render_template("main/accessibility.html")

    app.add_url_rule("/test/byt-namn", "test_rename", rename_and_render)
    login_as("reader")
    assert "Test reader" in client.get("/test/byt-namn").get_data(as_text=True)  # its header is kept now
    page = client.get("/test/byt-namn?namn=Namn+efter+ändring").get_data(as_text=True)
    assert "Namn efter ändring" in page and "Test reader" not in page


def test_the_header_follows_the_page_and_the_search_words(client, login_as):
    login_as("reader")
    assert nav(client, "/handbok") == [("Handbok", "page"), ("Sök", None)]
    assert nav(client, "/sok?q=sip") == [("Handbok", None), ("Sök", "page")]
    page = client.get("/sok?q=%3Cb%3Ebus").get_data(as_text=True)
    assert 'id="header-q"' in page and 'value="&lt;b&gt;bus"' in page
    assert 'value=""' in client.get("/handbok").get_data(as_text=True).split('id="header-q"')[1][:300]


def test_without_the_user_cache_the_header_is_rendered_every_time(app, make_user):
    other = _other_worker(app, USER_CACHE_SECONDS=0)
    assert other.extensions["user_cache"] is None
    user = make_user("editor")
    client = other.test_client()
    assert client.post("/logga-in", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert "Redaktör" in dict(nav(client, "/handbok"))
    with other.app_context():
        accounts.revoke_role("admin", db.session.get(User, user.id), "editor")
        db.session.remove()
    assert "Redaktör" not in dict(nav(client, "/handbok"))
    assert len(other.extensions["header_cache"]) == 0
    with other.app_context():
        db.engine.dispose()


def test_an_anonymous_header_has_no_account_and_sets_no_cookie(client):
    first = client.get("/tillganglighet")
    again = client.get("/tillganglighet")
    for answer in (first, again):
        page = answer.get_data(as_text=True)
        assert 'class="site-header"' in page and "Logga ut" not in page and "Huvudmeny" not in page
        assert "Set-Cookie" not in answer.headers
