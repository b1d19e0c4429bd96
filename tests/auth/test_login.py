"""Logging in and out: credentials, disabled accounts, throttling, no enumeration, safe redirects."""
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.auth import services as accounts
from portal.auth.models import LoginThrottle
from portal.extensions import db
from tests.conftest import PASSWORD


def _login(client, email, password=PASSWORD, **extra):
    return client.post("/logga-in", data={"email": email, "password": password, **extra})


def test_valid_login_redirects_to_start_page_and_shows_name(client, make_user):
    user = make_user("reader")
    response = _login(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert user.name in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "auth.login")) == 1


def test_email_is_case_and_space_insensitive(client, make_user):
    user = make_user("reader", email="person@test.se")
    assert _login(client, "  PERSON@Test.se ").status_code == 302


def test_wrong_password_and_unknown_email_give_the_same_message(client, make_user):
    user = make_user("reader")
    wrong = _login(client, user.email, "fel-losenord-xx").get_data(as_text=True)
    unknown = _login(client, "finns.inte@test.se", "fel-losenord-xx").get_data(as_text=True)
    assert "Fel e-postadress eller lösenord." in wrong
    assert "Fel e-postadress eller lösenord." in unknown
    assert client.get("/").status_code == 302  # still not logged in


def test_failed_login_is_audited_with_the_address_typed(client, make_user):
    _login(client, "finns.inte@test.se", "fel-losenord-xx")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))
    assert event.target_label == "finns.inte@test.se"


def test_repeated_failures_are_slowed_down_even_for_unknown_addresses(app, client, make_user):
    user = make_user("reader")
    for email in (user.email, "okand@test.se"):
        for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
            assert _login(client, email, "fel-losenord-xx").status_code == 200
        throttled = _login(client, email, PASSWORD if email == user.email else "x" * 12)
        assert throttled.status_code == 429
        assert "För många misslyckade försök" in throttled.get_data(as_text=True)
    # Even the right password waits while throttled, and nothing logs the user in.
    assert client.get("/").status_code == 302
    assert db.session.get(LoginThrottle, user.email).failures == app.config["LOGIN_FREE_ATTEMPTS"]


def test_successful_login_clears_the_failure_count(client, make_user):
    user = make_user("reader")
    _login(client, user.email, "fel-losenord-xx")
    assert db.session.get(LoginThrottle, user.email) is not None
    _login(client, user.email)
    db.session.expire_all()
    assert db.session.get(LoginThrottle, user.email) is None


def test_disabled_account_cannot_log_in_and_is_told_to_call_the_admin(client, make_user):
    user = make_user("reader")
    accounts.set_active("test", user, False)
    response = _login(client, user.email)
    assert response.status_code == 403
    assert "Kontot är inaktiverat, så du kan inte logga in." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in


def test_a_wrong_password_for_a_disabled_account_says_only_wrong_password(client, make_user):
    # Only the right password reveals that the account is disabled: no enumeration of accounts.
    user = make_user("reader")
    accounts.set_active("test", user, False)
    response = _login(client, user.email, "fel-losenord-xx")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Fel e-postadress eller lösenord." in page and "inaktiverat" not in page


def test_disabling_ends_an_open_session_at_the_next_request(client, make_user, login):
    user = make_user("reader")
    login(user)
    assert client.get("/").status_code == 200
    accounts.set_active("test", user, False)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logga-in")


def test_logout_is_post_only_and_ends_the_session(client, make_user, login):
    login(make_user("reader"))
    assert client.get("/logga-ut").status_code == 405
    assert client.get("/").status_code == 200
    assert client.post("/logga-ut").status_code == 302
    assert client.get("/").status_code == 302


def test_logout_without_csrf_token_is_refused(client, make_user, login):
    login(make_user("reader"))
    assert client.post("/logga-ut", csrf=False).status_code == 400
    assert client.get("/").status_code == 200


def test_next_parameter_only_allows_local_paths(client, make_user):
    user = make_user("reader")
    for target, expected in [("/admin/", "/admin/"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/"),
                             ("javascript:alert(1)", "/")]:
        client.post("/logga-ut")
        response = _login(client, user.email, next=target)
        assert response.headers["Location"] == expected, target


def test_login_form_errors_for_empty_fields(client):
    response = client.post("/logga-in", data={"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ange din e-postadress." in page and "Ange ditt lösenord." in page


def test_login_survives_absurd_input(client):
    for email, password in [("a" * 5000, "b" * 5000), ("\x00\x01@x.se", "\u202e\u0000"),
                            ("😀@😀.se", "🙂" * 20), ("' OR 1=1 --", "' OR 1=1 --")]:
        response = client.post("/logga-in", data={"email": email, "password": password})
        assert response.status_code in (200, 400), email
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("reader")
    response = client.post("/logga-in", data={"email": user.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "säkerhetstoken" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_and_password_fields_say_their_purpose(client, login_as):
    """WCAG 1.3.5: browsers and password managers can fill the user's own credentials."""
    page = client.get("/logga-in").get_data(as_text=True)
    assert 'autocomplete="username"' in page and 'autocomplete="current-password"' in page
    login_as("reader")
    page = client.get("/konto").get_data(as_text=True)
    assert page.count('autocomplete="new-password"') == 2 and 'autocomplete="current-password"' in page
