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
        card.locator(".checklist-item").nth(index).get_by_role("checkbox").check()
    card.locator(".checklist-item").first.get_by_label("Kommentar till punkten").fill("Genomgången på APT i november.")
    card.get_by_role("button", name="Spara checklistan").click()  # one button for the whole checklist
    expect(page.locator(".flash-success")).to_contain_text("Sparat 6 punkter")
    card = page.get_by_role("region", name=re.compile("^SIP – samordnad individuell plan"))
    expect(card.get_by_role("heading", name=re.compile(r"Checklista \(6 av 6 klara\)"))).to_be_visible()
    for index in range(total):
        expect(card.locator(".checklist-item").nth(index).get_by_role("checkbox")).to_be_checked()
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
    # On past the other items to the checklist's one button.
    tab_to(page, "#rutin-skolfranvaro form.checklist-form button[type=submit]", limit=30)
    expect(page.locator(checkbox).locator("xpath=ancestor::form").get_by_role("button")).to_have_text(
        "Spara checklistan")
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".flash-success")).to_contain_text("Sparat")
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


def test_three_ticks_are_saved_with_one_click_and_no_dialog(page, live_server, login):
    """After an APT meeting the rektor ticks three items and presses one button: all three are saved."""
    login("unit_head")
    open_unit(page, live_server, "Sjöängsskolan")
    dialogs, accept = [], []  # leave-page dialogs seen; dismissed until `accept` holds something

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", on_dialog)
    card = page.get_by_role("region", name=re.compile("^Sekretess och samtycke"))
    items = card.locator(".checklist-item")
    hint = card.locator(".unsaved-hint")
    expect(hint).to_have_text("")
    for index in range(3):
        items.nth(index).get_by_role("checkbox").check()
    expect(hint).to_have_text("3 ändringar är inte sparade")
    items.nth(3).get_by_role("checkbox").check()
    items.nth(3).get_by_role("checkbox").uncheck()  # ticked and unticked again: no change
    expect(hint).to_have_text("3 ändringar är inte sparade")
    card.get_by_role("button", name="Spara checklistan").click()
    expect(page.locator(".flash-success")).to_contain_text("Sparat 3 punkter")
    page.reload()
    card = page.get_by_role("region", name=re.compile("^Sekretess och samtycke"))
    items = card.locator(".checklist-item")
    for index in range(3):
        expect(items.nth(index).get_by_role("checkbox")).to_be_checked()
    expect(items.nth(3).get_by_role("checkbox")).not_to_be_checked()
    expect(card.get_by_role("heading", name=re.compile(r"Checklista \(3 av \d+ klara\)"))).to_be_visible()
    expect(card.locator(".unsaved-hint")).to_have_text("")
    assert dialogs == []


def test_leaving_with_unsaved_ticks_warns_and_keeps_them(page, live_server, login):
    login("unit_head")
    open_unit(page, live_server, "Sjöängsskolan")
    card = page.get_by_role("region", name=re.compile("^Hedersrelaterat våld"))
    items = card.locator(".checklist-item")
    items.nth(1).get_by_label("Kommentar till punkten").fill("Skrivet men inte sparat.")
    items.nth(0).get_by_role("checkbox").click()  # other tests may have ticked it: a change either way
    expect(card.locator(".unsaved-hint")).to_have_text("2 ändringar är inte sparade")
    dialogs, accept = [], []  # leave-page dialogs seen; dismissed until `accept` holds something

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()

    page.on("dialog", on_dialog)
    # The confirmation is a form of its own: sending it would drop the checklist's changes, so it
    # is not sent; the card asks for the checklist to be saved first.
    card.get_by_role("button", name=re.compile("^Bekräfta att rutinen är införd")).click()
    blocked = card.locator(".confirm-blocked")
    expect(blocked).to_have_text("Checklistan har 2 ändringar som inte är sparade. Spara checklistan först, "
                                 "så räknas det du har gjort när du bekräftar.")
    expect(blocked).to_be_focused()
    expect(items.nth(1).get_by_label("Kommentar till punkten")).to_have_value("Skrivet men inte sparat.")
    expect(page).to_have_url(re.compile(r"/min-enhet\?"))  # still the page, nothing sent
    assert dialogs == []
    # Leaving the page by a link still warns: the changes would be lost.
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Handbok").click()
    expect(items.nth(1).get_by_label("Kommentar till punkten")).to_have_value("Skrivet men inte sparat.")
    assert dialogs == ["beforeunload"]
    # Saving the checklist itself is no reason to warn: it carries every change.
    accept.append(True)
    card.get_by_role("button", name="Spara checklistan").click()
    expect(page.locator(".flash-success")).to_contain_text("Sparat 2 punkter")
    card = page.get_by_role("region", name=re.compile("^Hedersrelaterat våld"))
    expect(card.locator(".checklist-item").nth(1).get_by_label("Kommentar till punkten")) \
        .to_have_value("Skrivet men inte sparat.")
    # Nothing unsaved now: leaving the page asks nothing.
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Handbok").click()
    expect(page).to_have_url(re.compile(r"/handbok"))
    assert dialogs == ["beforeunload"]


def test_a_refused_save_counts_the_typed_items_as_unsaved(page, live_server, login):
    """An item was saved meanwhile in another tab: the page says which, keeps what was typed, and the
    script counts the typed items as not saved (leaving would lose them)."""
    login("unit_head")
    open_unit(page, live_server, "Sjöängsskolan")
    card = page.get_by_role("region", name=re.compile("^BUS"))
    items = card.locator(".checklist-item")
    other = page.context.new_page()  # another tab, opened now, saves item 2 first
    other.goto(page.url)
    theirs = other.get_by_role("region", name=re.compile("^BUS")).locator(".checklist-item")
    theirs.nth(2).get_by_label("Kommentar till punkten").fill("Tas upp på nästa APT.")
    other.get_by_role("region", name=re.compile("^BUS")).get_by_role("button", name="Spara checklistan").click()
    expect(other.locator(".flash-success")).to_contain_text("Sparat")
    other.close()
    items.nth(0).get_by_role("checkbox").check()
    items.nth(2).get_by_label("Kommentar till punkten").fill("Klart i oktober.")
    card.get_by_role("button", name="Spara checklistan").click()
    expect(page.get_by_role("alert")).to_contain_text("Du har själv ändrat punkten")
    card = page.get_by_role("region", name=re.compile("^BUS"))
    items = card.locator(".checklist-item")
    expect(items.nth(0).get_by_role("checkbox")).to_be_checked()
    expect(items.nth(2).get_by_label("Kommentar till punkten")).to_have_value("Klart i oktober.")
    expect(items.nth(2).locator(".item-note")).to_contain_text("Ändrad av någon annan under tiden")
    expect(card.locator(".unsaved-hint")).to_have_text("2 ändringar är inte sparade")
    expect(page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Min enhet")) \
        .to_have_attribute("aria-current", "true")
