"""A rektor ticks a routine's checklist for their school and confirms that the routine is adopted."""
import re

from playwright.sync_api import expect

from tests.browser.helpers import focus_is_visible, tab_to


def open_unit(page, live_server, unit_name: str):
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Min enhet").click()
    expect(page).to_have_url(re.compile(r"/min-enhet"))
    page.get_by_label("Välj enhet").select_option(label=f"{unit_name} (Bildningsförvaltningen)")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Min enhet: {unit_name}")


def test_tick_every_item_and_confirm(page, live_server, login):
    login("unit_head")
    open_unit(page, live_server, "Sjöängsskolan")
    card = page.get_by_role("region", name=re.compile("^SIP – samordnad individuell plan"))
    expect(card).to_contain_text("Ej påbörjad")
    total = card.locator(".checklist-item").count()
    assert total == 6
    for index in range(total):
        item = card.locator(".checklist-item").nth(index)
        item.get_by_role("checkbox").check()
        if index == 0:
            item.get_by_label("Kommentar till punkten").fill("Genomgången på APT i november.")
        item.get_by_role("button", name="Spara punkten").click()
        expect(card.locator(".checklist-item").nth(index).get_by_role("checkbox")).to_be_checked()
    expect(card.get_by_role("heading", name=re.compile(r"Checklista \(6 av 6 klara\)"))).to_be_visible()
    expect(card.locator(".checklist-item").first.get_by_label("Kommentar till punkten")) \
        .to_have_value("Genomgången på APT i november.")

    card.get_by_role("button", name=re.compile("^Bekräfta att rutinen är införd")).click()
    card = page.get_by_role("region", name=re.compile("^SIP – samordnad individuell plan"))
    expect(card.locator(".confirmed")).to_contain_text("Bekräftad för gällande version 1")
    expect(card.locator(".confirmed")).to_contain_text("Rut Rektorsson")

    # The department's dashboard row now counts the school as done.
    page.goto(live_server("/inforande/rutin/sip"))
    row = page.locator("tr", has_text="Sjöängsskolan")
    expect(row).to_contain_text("Införd")


def test_confirming_with_items_left_needs_a_reason_shown_at_the_field(page, live_server, login):
    login("unit_head")
    open_unit(page, live_server, "Sjöängsskolan")
    card = page.get_by_role("region", name=re.compile("^Hedersrelaterat våld"))
    card.get_by_role("button", name=re.compile("^Bekräfta att rutinen är införd")).click()
    card = page.get_by_role("region", name=re.compile("^Hedersrelaterat våld"))
    reason = card.get_by_label(re.compile(r"^Motivering"))
    expect(reason).to_have_attribute("aria-invalid", "true")
    described = reason.get_attribute("aria-describedby").split()
    expect(page.locator(f"#{described[-1]}")).to_be_visible()
    expect(card.locator(".confirmed")).to_have_count(0)


def test_keyboard_only_tick_with_comment(page, live_server, login):
    login("unit_head")
    page.goto(live_server("/min-enhet"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Min enhet: Ekbackens skola")
    checkbox = "#klar-skolfranvaro-1"
    tab_to(page, checkbox, limit=250)  # every routine card has a fold toggle (summary) too
    assert focus_is_visible(page)
    page.keyboard.press("Space")
    expect(page.locator(checkbox)).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Klart med tangentbordet.")
    page.keyboard.press("Tab")
    expect(page.locator(checkbox).locator("xpath=ancestor::form").get_by_role("button")).to_be_focused()
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(checkbox)).to_be_checked()
    expect(page.locator("#kommentar-skolfranvaro-1")).to_have_value("Klart med tangentbordet.")


def test_my_unit_fits_a_phone(page, live_server, login):
    login("unit_head")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(live_server("/min-enhet"))
    overflow = page.evaluate("""() => [document.documentElement.scrollWidth - window.innerWidth,
        ...[...document.querySelectorAll('main table')].map(t => t.scrollWidth - t.parentElement.clientWidth)]""")
    assert max(overflow) <= 0, overflow
    # Each summary row still says what its values are.
    first = page.locator("table.summary tbody tr").first
    assert first.locator("td[data-label=Status]").evaluate(
        "td => getComputedStyle(td, '::before').content") == '"Status"'


def test_saving_one_item_warns_before_dropping_another_items_unsaved_comment(page, live_server, login):
    login("unit_head")
    open_unit(page, live_server, "Sjöängsskolan")
    card = page.get_by_role("region", name=re.compile("^Hedersrelaterat våld"))
    items = card.locator(".checklist-item")
    items.nth(1).get_by_label("Kommentar till punkten").fill("Skrivet men inte sparat.")
    items.nth(0).get_by_role("checkbox").click()  # other tests may have ticked it: a change either way
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    items.nth(0).get_by_role("button", name="Spara punkten").click()
    expect(items.nth(1).get_by_label("Kommentar till punkten")).to_have_value("Skrivet men inte sparat.")
    assert dialogs == ["beforeunload"]
    # Saving the changed form itself is no reason to warn when the others are as they were.
    items.nth(0).get_by_role("checkbox").click()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    items.nth(1).get_by_role("button", name="Spara punkten").click()
    expect(page.locator(".flash-success")).to_contain_text("Sparat")
    card = page.get_by_role("region", name=re.compile("^Hedersrelaterat våld"))
    expect(card.locator(".checklist-item").nth(1).get_by_label("Kommentar till punkten")) \
        .to_have_value("Skrivet men inte sparat.")
    assert dialogs == ["beforeunload"]
