"""The adoption pages on a 375 px phone: a rektor or enhetschef checking a routine's checklist, a
förvaltning following up the dashboard. Nothing scrolls sideways, nothing is hidden off to the
right of a table, and /min-enhet reads as a short list of routines whose checklists open on a tap."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import Unit
from tests.browser.helpers import axe_violations, log_in

PHONE = {"width": 375, "height": 740}
# An enhetschef whose units no other browser test reads or changes: this module ticks one item.
YOUTH_CENTRE_HEAD = "enhetschef.fritid@exempel.se"

# The page does not scroll sideways, and no table is wider than its box (a table scrolling inside
# its box would hide the columns that matter, e.g. the dashboard's counts, behind the right edge).
OVERFLOW = """() => ({
    page: document.documentElement.scrollWidth - window.innerWidth,
    tables: [...document.querySelectorAll('main table')]
        .map(t => t.scrollWidth - t.parentElement.clientWidth).filter(excess => excess > 0),
    outside: [...document.querySelectorAll('main *')]
        .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')).slice(0, 5),
})"""


def unit_id(live_server, name: str) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(Unit.id).where(Unit.name == name))


def adoption_pages(live_server) -> dict[str, list[str]]:
    school, other = unit_id(live_server, "Ekbackens skola"), unit_id(live_server, "Sjöängsskolan")
    return {
        "unit_head": ["/min-enhet", f"/min-enhet?enhet={other}", f"/min-enhet/{school}/orosanmalan",
                      "/inforande", "/inforande/rutin/orosanmalan", "/inforande/rutin/orosanmalan/per-datum",
                      f"/inforande/enhet/{school}"],
        "editor": ["/inforande", "/inforande/rutin/orosanmalan", "/inforande/rutin/orosanmalan/per-datum"],
    }


@pytest.mark.parametrize("role", ["unit_head", "editor"])
def test_adoption_pages_fit_a_phone_without_serious_axe_violations(browser, live_server, role):
    # axe is injected as a script: this context bypasses the CSP so it may run.
    context = browser.new_context(bypass_csp=True, locale="sv-SE", viewport=PHONE)
    page = log_in(context.new_page(), live_server.url, role)
    wide, found = {}, {}
    for path in adoption_pages(live_server)[role]:
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


def test_my_unit_on_a_phone_is_a_short_list_of_routines(page, live_server, login):
    login("unit_head")
    page.set_viewport_size(PHONE)
    page.goto(live_server("/min-enhet"))
    cards = page.locator("section.routine-card")
    assert cards.count() >= 10
    # Every checklist is folded; each routine shows its title, status and progress in a few lines.
    assert page.locator("details.routine-details[open]").count() == 0
    assert page.locator("details.routine-details").count() == cards.count()
    heights = cards.evaluate_all("cards => cards.map(c => c.getBoundingClientRect().height)")
    assert max(heights) < PHONE["height"] / 3, heights
    first = cards.first
    expect(first.get_by_role("heading", level=2)).to_contain_text("Orosanmälan – när och hur")
    expect(first.locator(".badge")).to_have_text("Pågår")
    expect(first.get_by_role("progressbar")).to_be_visible()
    expect(first.get_by_role("checkbox").first).to_be_hidden()
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 5 * PHONE["height"], f"/min-enhet is {height} px high on a phone"


def test_a_routine_opens_on_a_tap_and_saving_its_checklist_comes_back_to_it(page, live_server, login):
    login(YOUTH_CENTRE_HEAD)
    page.set_viewport_size(PHONE)
    page.goto(live_server("/min-enhet"))
    card = page.get_by_role("region", name=re.compile("^Orosanmälan – när och hur"))
    card.get_by_text("Visa checklistan").click()
    item = card.locator(".checklist-item").first
    expect(item.get_by_role("checkbox")).to_be_visible()
    item.get_by_role("checkbox").check()
    card.get_by_role("button", name="Spara checklistan").click()
    expect(page.locator(".flash-success")).to_contain_text("Sparat")
    expect(page).to_have_url(re.compile(r"#rutin-orosanmalan$"))
    # Back on the page, the routine worked on is open and in view; the others stay folded.
    card = page.get_by_role("region", name=re.compile("^Orosanmälan – när och hur"))
    expect(card.locator("details.routine-details")).to_have_attribute("open", "")
    expect(card.locator(".checklist-item").first.get_by_role("checkbox")).to_be_checked()
    expect(card.get_by_role("heading", level=2)).to_be_in_viewport()
    assert page.locator("details.routine-details[open]").count() == 1


def test_my_unit_on_a_desktop_still_shows_the_overview_and_every_checklist(page, live_server, login):
    login("unit_head")
    page.goto(live_server("/min-enhet"))
    expect(page.get_by_role("table", name="Översikt för Ekbackens skola")).to_be_visible()
    details = page.locator("details.routine-details")
    assert details.count() == page.locator("details.routine-details[open]").count() > 0
    expect(page.locator(".checklist-item").first.get_by_role("checkbox")).to_be_visible()


def test_dashboard_on_a_phone_shows_every_count_with_what_it_counts(page, live_server, login):
    login("editor")
    page.set_viewport_size(PHONE)
    page.goto(live_server("/inforande"))
    routine = page.locator("table.matrix tbody").first
    expect(routine.get_by_role("link", name="Orosanmälan – när och hur")).to_be_visible()
    expect(routine.get_by_text("Bildningsförvaltningen")).to_be_visible()
    # Each figure shown is inside the screen and labelled on screen by its column's name.
    facts = routine.locator("td[data-label]").evaluate_all("""cells => cells
        .filter(c => c.getClientRects().length)
        .map(c => ({label: c.dataset.label, right: c.getBoundingClientRect().right,
                    shown: getComputedStyle(c, '::before').content}))""")
    assert {f["label"] for f in facts} >= {"Införda", "Pågår", "Ej påbörjad", "Behöver bekräftas igen", "Försenad"}, facts
    assert all(f["right"] <= PHONE["width"] for f in facts), facts
    assert all(f["label"] in f["shown"] for f in facts), facts
