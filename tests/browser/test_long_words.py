"""Long Swedish compounds on a 375 px phone: a document's title and its breadcrumb, and the editor's
Markdown help, break within the screen instead of pushing the page sideways."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.handbook import services as handbook
from portal.org.models import Department
from tests.browser.helpers import ACCOUNTS

PHONE = {"width": 375, "height": 740}
PAGE_WIDTH = "() => document.documentElement.scrollWidth - window.innerWidth"
TITLE = "Samverkansöverenskommelseuppföljningsrutiner för elevhälsan"


@pytest.fixture(scope="module")
def long_title(live_server):
    """A published section with a long compound in its title, archived again afterwards."""
    with live_server.app.app_context():
        editor = db.session.scalar(select(User).where(User.email == ACCOUNTS["editor"]))
        department = db.session.scalar(select(Department).where(Department.name == "Socialförvaltningen"))
        parent, _ = handbook.find_document("om-handboken")
        document = handbook.add_document(editor, slug="langt-ord", title=TITLE, kind="section",
                                         department=department, parent=parent,
                                         body="Samverkansöverenskommelseuppföljningsrutinerna gäller alla.\n")
        handbook.publish(document, handbook.latest_revision(document), editor, "Första versionen", False)
    yield "/handbok/langt-ord"
    with live_server.app.app_context():
        editor = db.session.scalar(select(User).where(User.email == ACCOUNTS["editor"]))
        document, _ = handbook.find_document("langt-ord")
        handbook.set_archived(editor, document, True)


def test_a_long_compound_in_a_title_stays_within_a_phones_screen(page, live_server, login, long_title):
    login("reader")
    page.set_viewport_size(PHONE)
    page.goto(live_server(long_title))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert page.evaluate(PAGE_WIDTH) <= 0
    crumbs = page.get_by_role("navigation", name="Brödsmulor")
    assert crumbs.evaluate("el => el.getBoundingClientRect().right") <= PHONE["width"]


def test_the_markdown_help_opened_on_a_phone_stays_within_the_screen(page, live_server, login, long_title):
    login("editor")
    page.set_viewport_size(PHONE)
    page.goto(live_server(long_title + "/redigera"))
    page.locator("details.help summary").first.click()
    expect(page.locator("details.help").first).to_have_attribute("open", "")
    assert page.evaluate(PAGE_WIDTH) <= 0
