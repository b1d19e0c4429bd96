"""The administration on a 375 px phone: the user list and the audit log are cards (the "stack"
tables) with every column labelled, nothing scrolls sideways; the scope checkboxes fit too."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from tests.browser.helpers import ACCOUNTS, axe_violations, log_in
from tests.browser.test_phone_layout import OVERFLOW, PHONE


def _user_id(live_server, email: str) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def test_admin_pages_fit_a_phone_without_serious_axe_violations(browser, live_server):
    context = browser.new_context(bypass_csp=True, locale="sv-SE", viewport=PHONE)
    page = log_in(context.new_page(), live_server.url, "admin")
    head = _user_id(live_server, ACCOUNTS["unit_head"])
    wide, found = {}, {}
    for path in ["/admin/anvandare", "/admin/anvandare?q=rektor", "/admin/logg", f"/admin/anvandare/{head}",
                 "/admin/organisation"]:
        assert page.goto(live_server(path)).status == 200, path
        overflow = page.evaluate(OVERFLOW)
        if overflow["page"] > 0 or overflow["tables"] or overflow["outside"]:
            wide[path] = overflow
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    context.close()
    assert wide == {}, f"wider than a {PHONE['width']} px phone: {wide}"
    assert found == {}


@pytest.mark.parametrize("path, labels", [
    ("/admin/anvandare?q=rektor%40exempel.se", ["E-post", "Enhet", "Roller", "Status"]),
    ("/admin/logg", ["Tid", "Vem", "Händelse", "Objekt", "Ändring"]),
])
def test_each_row_is_a_card_whose_values_say_what_they_are(page, live_server, login, path, labels):
    login("admin")
    page.set_viewport_size(PHONE)
    page.goto(live_server(path))
    first = page.locator("table.stack tbody tr").first
    for label in labels:
        cell = first.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, (label, box)
        shown = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert shown == f'"{label}"', (label, shown)


def test_on_a_phone_a_tap_adds_a_unit_to_the_scope_and_keeps_the_others(browser, live_server):
    from portal.auth import services as accounts
    from portal.org.models import Unit

    with live_server.app.app_context():
        navet = db.session.scalar(select(Unit).where(Unit.name == "Fritidsgården Navet"))
        head = accounts.create_user("test", "omfang.mobil@exempel.se", "Omfång Mobilsson", "omfang-losen-1")
        accounts.grant_role("test", head, "unit_head", units=[navet])
        head_id = head.id
    context = browser.new_context(locale="sv-SE", viewport=PHONE, has_touch=True)
    page = log_in(context.new_page(), live_server.url, "admin")
    page.goto(live_server(f"/admin/anvandare/{head_id}"))
    scope = page.get_by_role("group", name="Enheter som rektorn/enhetschefen ansvarar för")
    culture = scope.get_by_role("group", name="Kultur- och fritidsförvaltningen")
    expect(culture.get_by_label("Fritidsgården Navet")).to_be_checked()
    culture.get_by_label("Fritidsgården Kupolen").tap()
    expect(culture.get_by_label("Fritidsgården Navet")).to_be_checked()
    page.get_by_role("button", name="Spara omfång").tap()
    expect(page.get_by_text("Behörighetsomfånget är sparat.")).to_be_visible()
    expect(page.locator("dl.meta")).to_contain_text(
        "Fritidsgården Kupolen (Kultur- och fritidsförvaltningen), Fritidsgården Navet (Kultur- och fritidsförvaltningen)")
    assert page.evaluate(OVERFLOW)["page"] == 0
    context.close()
