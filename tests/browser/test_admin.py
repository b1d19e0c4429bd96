"""An administrator creates an account and grants it a role; the new person can then use it."""
import re

from playwright.sync_api import expect

from tests.browser.helpers import focus_is_visible, log_in, tab_to

NEW_PASSWORD = "nytt-konto-losen-1"


def test_create_user_grant_unit_head_and_the_user_can_act(page, live_server, login, browser):
    login("admin")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Administration").click()
    page.get_by_role("link", name=re.compile("Användare")).first.click()
    page.get_by_role("link", name=re.compile("Ny användare")).first.click()
    page.get_by_label("E-postadress").fill("ny.rektor@exempel.se")
    page.get_by_label("Namn").fill("Nova Nyrektorsson")
    page.get_by_label("Titel").fill("Biträdande rektor")
    page.get_by_label("Arbetar på enhet").select_option(label="Tallbergets skola (Bildningsförvaltningen)")
    page.get_by_label("Startlösenord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Skapa konto").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Nova Nyrektorsson")
    page.get_by_label("Roll", exact=True).select_option(label="Rektor/enhetschef")
    page.get_by_role("group", name=re.compile(r"^Enheter \(för rektor")) \
        .get_by_role("group", name="Bildningsförvaltningen").get_by_label("Tallbergets skola").check()
    page.get_by_role("button", name="Ge rollen").click()
    roles = page.locator("dl.meta")
    expect(roles).to_contain_text("Rektor/enhetschef")
    expect(roles).to_contain_text("Tallbergets skola")

    # The new person logs in (in a browser of their own) and finds their unit's checklist.
    other = browser.new_context(locale="sv-SE")
    theirs = other.new_page()
    log_in(theirs, live_server.url, "ny.rektor@exempel.se", NEW_PASSWORD)
    theirs.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Min enhet").click()
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Min enhet: Tallbergets skola")
    other.close()

    # The audit log shows both changes.
    page.goto(live_server("/admin/logg?q=ny.rektor%40exempel.se"))
    expect(page.locator("table")).to_contain_text("ny.rektor@exempel.se")
    expect(page.locator("tbody tr", has_text="Rektor")).not_to_have_count(0)
    expect(page.locator("tbody tr", has_text="Nova Nyrektorsson")).not_to_have_count(0)


def test_bad_input_is_shown_at_the_field_and_nothing_is_created(page, live_server, login):
    login("admin")
    page.goto(live_server("/admin/anvandare/ny"))
    page.get_by_label("E-postadress").fill("inte-en-adress")
    page.get_by_label("Namn").fill("Felaktig Användare")
    page.get_by_label("Startlösenord").fill("kort")
    page.get_by_role("button", name="Skapa konto").click()
    password = page.get_by_label("Startlösenord")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#" + password.get_attribute("aria-describedby").split()[-1])) \
        .to_contain_text("10–1000 tecken")
    expect(page.get_by_label("Namn")).to_have_value("Felaktig Användare")
    page.goto(live_server("/admin/anvandare"))
    expect(page.get_by_text("Felaktig Användare")).to_have_count(0)


def test_keyboard_only_create_user(page, live_server, login):
    login("admin")
    page.goto(live_server("/admin/anvandare/ny"))
    tab_to(page, "#email")
    assert focus_is_visible(page)
    page.keyboard.type("tangent.konto@exempel.se")
    page.keyboard.press("Tab")
    page.keyboard.type("Tore Tangentsson")
    tab_to(page, "#unit", limit=3)
    page.keyboard.press("ArrowDown")  # the select changes with the arrow keys
    tab_to(page, "#password", limit=3)
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("heading", level=1)).to_have_text("Tore Tangentsson")
    tab_to(page, "#roll-role")
    assert focus_is_visible(page)
