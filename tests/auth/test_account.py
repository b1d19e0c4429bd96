"""A user's own account page: changing the password, their API keys."""
from portal.auth import services as accounts
from portal.extensions import db
from tests.conftest import PASSWORD, PortalClient


def _change(client, current, new, confirm=None):
    return client.post("/konto", data={"current_password": current, "new_password": new,
                                       "confirm_password": new if confirm is None else confirm})


def test_change_password_then_log_in_with_the_new_one(app, client, make_user, login):
    user = make_user("reader")
    login(user)
    response = _change(client, PASSWORD, "ett-helt-nytt-losenord")
    assert response.status_code == 302
    assert client.get("/konto").status_code == 200  # this session continues
    client.post("/logga-ut")
    login(user, "ett-helt-nytt-losenord")


def test_change_password_ends_other_sessions(app, client, make_user, login):
    user = make_user("reader")
    login(user)
    other = app.test_client()
    assert isinstance(other, PortalClient)
    other.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    assert other.get("/").status_code == 200
    _change(client, PASSWORD, "ett-helt-nytt-losenord")
    assert other.get("/").status_code == 302


def test_wrong_current_password_is_refused_next_to_the_field(client, make_user, login):
    user = make_user("reader")
    login(user)
    old_hash = user.password_hash
    response = _change(client, "inte-ratt-losenord", "ett-helt-nytt-losenord")
    assert response.status_code == 400
    assert "Nuvarande lösenord stämmer inte." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(user), user.id).password_hash == old_hash


def test_short_or_mismatched_new_password_is_refused(client, make_user, login):
    login(make_user("reader"))
    short = _change(client, PASSWORD, "kort").get_data(as_text=True)
    assert "10–1000 tecken" in short
    mismatch = _change(client, PASSWORD, "ett-helt-nytt-losenord", "nagot-annat-losenord")
    assert "Lösenorden är inte likadana." in mismatch.get_data(as_text=True)


def test_password_hash_is_argon2id(make_user):
    user = make_user("reader")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_the_account_page_lists_ones_own_active_api_keys_and_who_issues_them(client, make_user, login):
    from portal.api import services as api
    from portal.policy import SystemActor

    user = make_user("reader")
    other = make_user("reader")
    kept, _ = api.issue_token(SystemActor("test"), user, "Rapportverktyg")
    revoked, _ = api.issue_token(SystemActor("test"), user, "Gammal integration")
    api.revoke_token(SystemActor("test"), revoked)
    api.issue_token(SystemActor("test"), other, "Någon annans nyckel")
    login(user)
    page = client.get("/konto").get_data(as_text=True)
    assert "Nycklar skapas och återkallas av en administratör" in page
    assert f"Rapportverktyg (<code>{kept.prefix}…</code>)" in page and "aldrig använd" in page
    assert "Gammal integration" not in page and "Någon annans nyckel" not in page
