"""An administrator sets a new password for someone who has forgotten theirs (typed or generated);
the person's open sessions end, the log says so without the password; `flask users set-password`."""
import re

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth import services as accounts
from portal.auth.models import LoginThrottle, User
from portal.extensions import db
from tests.admin.conftest import field_error, flash_messages
from tests.conftest import PASSWORD, table_snapshot

NEW_PASSWORD = "ett-nytt-losenord-1"


def _url(user) -> str:
    return f"/admin/anvandare/{user.id}/losenord"


def _typed(password=NEW_PASSWORD, confirm=None) -> dict:
    return {"losenord-password": password, "losenord-confirm": password if confirm is None else confirm,
            "losenord-save": "Sätt lösenordet"}


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _logs_in(app, email, password) -> bool:
    return app.test_client().post("/logga-in", data={"email": email, "password": password}).status_code == 302


def test_the_user_page_offers_a_new_password(client, admin, make_user):
    user = make_user("reader")
    page = client.get(f"/admin/anvandare/{user.id}").get_data(as_text=True)
    assert "Sätt nytt lösenord" in page and f'action="{_url(user)}"' in page
    assert 'autocomplete="new-password"' in page
    own = client.get(f"/admin/anvandare/{admin.id}").get_data(as_text=True)
    assert f'action="{_url(admin)}"' not in own and "Ditt eget lösenord byter du under" in own


def test_a_typed_password_replaces_the_old_one_and_ends_the_users_sessions(app, client, admin, make_user):
    user = make_user("reader")
    theirs = app.test_client()
    theirs.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    assert theirs.get("/").status_code == 200

    response = client.post(_url(user), data=_typed())
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/anvandare/{user.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("success", f"{user.name} har fått ett nytt lösenord. Personens inloggningar är avslutade; "
                       "ge lösenordet till personen på ett säkert sätt.") in flash_messages(page)

    assert theirs.get("/").status_code == 302  # the open session no longer works
    assert not _logs_in(app, user.email, PASSWORD)
    assert _logs_in(app, user.email, NEW_PASSWORD)
    assert client.get("/admin/").status_code == 200  # the administrator stays logged in


def test_the_log_records_who_set_a_password_but_never_the_password(client, admin, make_user):
    user = make_user("reader")
    client.post(_url(user), data=_typed())
    [event] = _events("user.password_set")
    assert (event.actor_id, event.target_type, event.target_id) == (admin.id, "user", user.id)
    assert event.summary == "Nytt lösenord (angivet av administratören); alla inloggningar avslutade"
    everything = " ".join(f"{e.summary} {e.target_label}" for e in db.session.scalars(select(AuditEvent)))
    assert NEW_PASSWORD not in everything
    log_page = client.get("/admin/logg?action=user.password_set").get_data(as_text=True)
    assert "Nytt lösenord satt" in log_page and user.email in log_page


def test_a_generated_password_is_shown_once_works_and_is_not_stored_in_plain_text(app, client, admin, make_user):
    user = make_user("reader")
    response = client.post(_url(user), data={"losenord-generate": "Skapa ett slumpat lösenord"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Kopiera lösenordet nu. Det visas bara den här gången." in page
    password = re.search(r'id="nytt-losenord" type="text" readonly value="([^"]+)"', page).group(1)
    assert len(password) >= 10
    assert _logs_in(app, user.email, password) and not _logs_in(app, user.email, PASSWORD)
    [event] = _events("user.password_set")
    assert "slumpat" in event.summary and password not in event.summary
    assert password not in repr(table_snapshot())  # only its hash is stored
    assert password not in client.get(f"/admin/anvandare/{user.id}").get_data(as_text=True)


def test_generating_ignores_whatever_is_in_the_password_fields(app, client, admin, make_user):
    user = make_user("reader")
    response = client.post(_url(user), data={**_typed("kort", "annat"), "losenord-save": "",
                                             "losenord-generate": "Skapa ett slumpat lösenord"})
    assert response.status_code == 200 and "Kopiera lösenordet nu." in response.get_data(as_text=True)
    assert not _logs_in(app, user.email, "kort")


@pytest.mark.parametrize("data, field, message", [
    (_typed(""), "losenord-password", "Ange ett nytt lösenord, eller skapa ett slumpat."),
    ({}, "losenord-password", "Ange ett nytt lösenord, eller skapa ett slumpat."),
    (_typed("kort"), "losenord-password", "Lösenordet måste ha 10–1000 tecken."),
    (_typed("x" * 1001), "losenord-password", "Lösenordet måste ha 10–1000 tecken."),
    (_typed(NEW_PASSWORD, "ett-annat-losenord"), "losenord-confirm",
     "Lösenorden är inte lika. Skriv samma lösenord i båda fälten."),
    (_typed(NEW_PASSWORD, ""), "losenord-confirm", "Lösenorden är inte lika. Skriv samma lösenord i båda fälten."),
])
def test_bad_input_is_refused_next_to_its_field_and_nothing_changes(app, client, admin, make_user,
                                                                     data, field, message):
    user = make_user("reader")
    before = table_snapshot()
    response = client.post(_url(user), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(page, field) == message
    assert NEW_PASSWORD not in page  # a typed password is never sent back
    assert table_snapshot() == before
    assert _logs_in(app, user.email, PASSWORD)


def test_an_administrator_sets_their_own_password_under_my_account(client, admin):
    before = table_snapshot()
    response = client.post(_url(admin), data=_typed())
    assert response.status_code == 400
    assert re.search(r'<div class="form-errors" role="alert">\s*<p>Byt ditt eget lösenord under Mitt konto.</p>',
                     response.get_data(as_text=True))
    assert table_snapshot() == before
    assert client.get("/admin/").status_code == 200


def test_an_unknown_user_is_a_404_and_changes_nothing(client, admin):
    before = table_snapshot()
    assert client.post("/admin/anvandare/999999/losenord", data=_typed()).status_code == 404
    assert table_snapshot() == before


def test_a_new_password_lifts_the_login_throttle(app, client, admin, make_user):
    user = make_user("reader")
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"] + 1):
        app.test_client().post("/logga-in", data={"email": user.email, "password": "fel-losenord-1"})
    assert db.session.get(LoginThrottle, user.email) is not None
    client.post(_url(user), data=_typed())
    assert db.session.get(LoginThrottle, user.email) is None
    assert _logs_in(app, user.email, NEW_PASSWORD)


def test_a_disabled_account_gets_a_password_but_stays_disabled(app, client, admin, make_user):
    user = make_user("reader")
    accounts.set_active("test", user, False)
    assert client.post(_url(user), data=_typed()).status_code == 302
    assert db.session.get(User, user.id).active is False
    assert not _logs_in(app, user.email, NEW_PASSWORD)


# --- flask users set-password --------------------------------------------------------------------

def test_cli_asks_twice_sets_the_password_and_ends_the_sessions(app, make_user):
    user = make_user("reader")
    theirs = app.test_client()
    theirs.post("/logga-in", data={"email": user.email, "password": PASSWORD})
    result = app.test_cli_runner().invoke(args=["users", "set-password", user.email.upper()],
                                          input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert f"Nytt lösenord satt för {user.email}; kontots inloggningar är avslutade." in result.output
    assert NEW_PASSWORD not in result.output
    assert theirs.get("/").status_code == 302
    assert _logs_in(app, user.email, NEW_PASSWORD)
    [event] = _events("user.password_set")
    assert event.actor_label == "kommandorad" and NEW_PASSWORD not in event.summary


def test_cli_generates_and_prints_a_password_that_works(app, make_user):
    user = make_user("reader")
    result = app.test_cli_runner().invoke(args=["users", "set-password", user.email, "--generate-password"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Lösenord: ")[1].strip()
    assert len(password) >= 10 and _logs_in(app, user.email, password)


@pytest.mark.parametrize("args, input, message", [
    (["finns-inte@test.se", "--generate-password"], None, "Det finns inget konto med adressen finns-inte@test.se."),
    ([], "kort\nkort\n", "Lösenordet måste ha minst 10 tecken."),
])
def test_cli_refuses_an_unknown_address_or_a_short_password(app, make_user, args, input, message):
    user = make_user("reader", email="person@test.se")
    args = args or [user.email]
    before = table_snapshot()
    result = app.test_cli_runner().invoke(args=["users", "set-password", *args], input=input)
    assert result.exit_code != 0 and message in result.output
    assert table_snapshot() == before
