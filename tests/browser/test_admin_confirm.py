"""Danger buttons ask first (portal/static/js/confirm.js and data-confirm): dismissing the question
changes nothing, accepting it does what the button says; without the script the forms still work."""

from playwright.sync_api import expect

from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db


def _make_user(live_server, email: str, role: str | None = None) -> int:
    with live_server.app.app_context():
        user = accounts.create_user("test", email, "Bekräfta Testsson", "bekrafta-losen-1")
        if role:
            accounts.grant_role("test", user, role)
        return user.id


def _user(live_server, user_id: int) -> tuple[bool, set[str]]:
    with live_server.app.app_context():
        user = db.session.get(User, user_id)
        return user.active, user.roles


def _answer(page, accept: bool, asked: list[str]) -> None:
    def handle(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", handle)


def test_disabling_an_account_asks_first(page, live_server, login):
    user_id = _make_user(live_server, "bekrafta.inaktivera@exempel.se")
    login("admin")
    page.goto(live_server(f"/admin/anvandare/{user_id}"))
    asked: list[str] = []
    _answer(page, False, asked)
    page.get_by_role("button", name="Inaktivera kontot").click()
    assert asked == ["Inaktivera kontot för Bekräfta Testsson? Personen loggas ut direkt och kan inte logga in, "
                     "och kontots API-nycklar slutar fungera, tills kontot aktiveras igen."]
    expect(page.get_by_role("button", name="Inaktivera kontot")).to_be_visible()
    assert _user(live_server, user_id)[0] is True

    _answer(page, True, asked)
    page.get_by_role("button", name="Inaktivera kontot").click()
    expect(page.get_by_text("Bekräfta Testsson är inaktiverad.")).to_be_visible()
    assert len(asked) == 2 and _user(live_server, user_id)[0] is False
    # Enabling again is no danger: no question.
    page.on("dialog", lambda dialog: asked.append(dialog.message) or dialog.dismiss())
    page.get_by_role("button", name="Aktivera kontot igen").click()
    expect(page.get_by_text("Bekräfta Testsson är aktiverad.")).to_be_visible()
    assert len(asked) == 2 and _user(live_server, user_id)[0] is True


def test_removing_a_role_asks_first_also_when_sent_with_the_keyboard(page, live_server, login):
    user_id = _make_user(live_server, "bekrafta.roll@exempel.se", role="admin")
    login("admin")
    page.goto(live_server(f"/admin/anvandare/{user_id}"))
    asked: list[str] = []
    _answer(page, False, asked)
    page.get_by_role("button", name="Ta bort rollen").focus()
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert len(asked) == 1 and asked[0].startswith("Ta bort den valda rollen från Bekräfta Testsson?")
    assert "admin" in _user(live_server, user_id)[1]

    _answer(page, True, asked)
    page.get_by_role("button", name="Ta bort rollen").click()
    expect(page.get_by_text("Rollen Administratör är borttagen.")).to_be_visible()
    assert "admin" not in _user(live_server, user_id)[1]


def test_without_the_script_the_danger_buttons_act_at_once(browser, live_server):
    from tests.browser.helpers import log_in

    user_id = _make_user(live_server, "bekrafta.utan.js@exempel.se")
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "admin")
        page.goto(live_server(f"/admin/anvandare/{user_id}"))
        page.get_by_role("button", name="Inaktivera kontot").click()
        expect(page.get_by_text("Bekräfta Testsson är inaktiverad.")).to_be_visible()
        assert _user(live_server, user_id)[0] is False
    finally:
        context.close()
