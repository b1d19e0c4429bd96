"""Archiving a document asks first (data-confirm, portal/static/js/confirm.js): dismissing changes
nothing, accepting archives it."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.handbook import services as handbook
from portal.org.models import Department
from tests.browser.helpers import ACCOUNTS


def _archived(live_server, slug: str) -> bool:
    with live_server.app.app_context():
        document, _ = handbook.find_document(slug)
        return document.is_archived


def test_archiving_asks_first(page, live_server, login):
    with live_server.app.app_context():
        editor = db.session.scalar(select(User).where(User.email == ACCOUNTS["editor"]))
        department = db.session.scalar(select(Department).where(Department.name == "Socialförvaltningen"))
        document = handbook.add_document(editor, slug="arkivera-fraga", title="Att arkivera", kind="section",
                                         department=department, body="Text.\n")
        handbook.publish(document, handbook.latest_revision(document), editor, "Första versionen", False)
    login("editor")
    page.goto(live_server("/handbok/arkivera-fraga/installningar"))
    asked = []

    def answer(accept):
        def handle(dialog):
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        page.once("dialog", handle)

    answer(False)
    page.get_by_role("button", name="Arkivera dokumentet").click()
    assert asked == ["Arkivera ”Att arkivera”? Dokumentet försvinner ur handboken och sökningen. Det går att ta "
                     "tillbaka under Placering och adress."]
    expect(page.get_by_role("button", name="Arkivera dokumentet")).to_be_visible()
    assert not _archived(live_server, "arkivera-fraga")
    answer(True)
    page.get_by_role("button", name="Arkivera dokumentet").click()
    expect(page.get_by_role("button", name="Ta tillbaka till handboken")).to_be_visible()
    assert _archived(live_server, "arkivera-fraga") and len(asked) == 2
