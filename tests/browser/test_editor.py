"""An editor edits a draft with a live preview, publishes it with a change note and reads the diff."""
import re

from playwright.sync_api import expect

from tests.browser.helpers import axe_violations, focus_is_visible, log_in, tab_to


def test_edit_preview_publish_and_compare(page, live_server, login):
    login("editor")
    page.goto(live_server("/handbok/ordlista"))
    page.get_by_role("link", name="Redigera").first.click()
    expect(page).to_have_url(live_server("/handbok/ordlista/redigera"))
    body = page.get_by_label("Text (Markdown)")
    original = body.input_value()
    body.fill(original + "\n\n**Webbtestord**: ett ord som bara finns i webbläsartestet.\n")

    # The live preview is rendered by the server while typing: bold text, no Markdown left.
    preview = page.locator("#preview-output")
    expect(preview.locator("strong", has_text="Webbtestord")).to_be_visible()
    expect(preview).not_to_contain_text("**Webbtestord**")
    previewed = preview.inner_html()

    page.get_by_label("Ändringsnotering").fill("Lade till ordet Webbtestord.")
    page.get_by_label(re.compile("^Språklig ändring")).check()
    page.get_by_role("button", name="Publicera").click()

    expect(page).to_have_url(live_server("/handbok/ordlista"))
    expect(page.get_by_role("status")).to_contain_text("är publicerad")
    expect(page.locator("article .prose strong", has_text="Webbtestord")).to_be_visible()
    # The preview was exactly the page readers now see.
    assert page.locator("article .prose").inner_html() == previewed

    page.get_by_role("link", name="Historik").first.click()
    newest = page.locator("table tbody tr").first
    expect(newest).to_contain_text("Lade till ordet Webbtestord.")
    expect(newest).to_contain_text("Gällande")
    page.get_by_role("button", name="Jämför valda versioner").click()
    expect(page).to_have_url(re.compile(r"/handbok/ordlista/jamfor\?(fran|till)=\d+&(fran|till)=\d+"))
    expect(page.locator("ins", has_text="Webbtestord")).to_be_visible()
    expect(page.get_by_text("Ändringsnotering: Lade till ordet Webbtestord.")).to_be_visible()


def test_preview_button_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="sv-SE")
    page = log_in(context.new_page(), live_server.url, "editor")
    page.goto(live_server("/handbok/sams/redigera"))
    page.get_by_label("Text (Markdown)").fill("## Förhandsrubrik\n\nText med *kursiv* stil.")
    page.get_by_role("button", name="Förhandsgranska").click()
    preview = page.locator("#preview-output")
    expect(preview.get_by_role("heading", name="Förhandsrubrik")).to_be_visible()
    expect(preview.locator("em", has_text="kursiv")).to_be_visible()
    # Previewing saved nothing: the form still holds the text and no draft was made.
    expect(page.get_by_label("Text (Markdown)")).to_have_value(re.compile("Förhandsrubrik"))
    page.goto(live_server("/handbok/sams/historik"))
    expect(page.get_by_text("Utkast")).to_have_count(0)
    context.close()


def test_leaving_with_unsaved_changes_asks_first(page, live_server, login):
    login("editor")
    page.goto(live_server("/handbok/bus/redigera"))
    page.get_by_label("Text (Markdown)").press_sequentially(" osparad", delay=10)
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Handbok").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(live_server("/handbok/bus/redigera"))  # the editor stayed


def test_publishing_without_change_note_shows_the_error_at_the_field(page, live_server, login):
    login("editor")
    page.goto(live_server("/handbok/overgangar/redigera"))
    page.get_by_label("Text (Markdown)").fill(page.get_by_label("Text (Markdown)").input_value() + "\nTillägg.")
    page.get_by_role("button", name="Publicera").click()
    note = page.get_by_label("Ändringsnotering")
    expect(note).to_have_attribute("aria-invalid", "true")
    error_id = note.get_attribute("aria-describedby").split()[-1]
    expect(page.locator(f"#{error_id}")).to_contain_text("ändringsnotering")
    # Nothing was lost: the text the editor wrote is still in the form.
    expect(page.get_by_label("Text (Markdown)")).to_have_value(re.compile("Tillägg."))


def test_keyboard_only_publish(page, live_server, login):
    login("editor")
    page.goto(live_server("/handbok/om-handboken/redigera"))
    tab_to(page, "textarea[name=body]")
    assert focus_is_visible(page)
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nTangentbordsrad.")
    tab_to(page, "textarea[name=change_note]")
    page.keyboard.type("Rad skriven med tangentbordet.")
    tab_to(page, "input[name=change_kind][value=minor]", limit=5)
    page.keyboard.press("Space")
    expect(page.locator("input[name=change_kind][value=minor]")).to_be_checked()
    tab_to(page, "button[value=publish]", limit=5)
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server("/handbok/om-handboken"))
    expect(page.get_by_text("Tangentbordsrad.")).to_be_visible()


def test_two_editors_at_once_get_a_conflict_page_and_lose_nothing(page, live_server, login, browser):
    login("editor")
    page.goto(live_server("/handbok/placerade-barn/redigera"))
    other = browser.new_context(bypass_csp=True, locale="sv-SE")  # bypass: axe runs on the conflict page
    theirs = login("admin", other.new_page())
    theirs.goto(live_server("/handbok/placerade-barn/redigera"))

    body = page.get_by_label("Text (Markdown)")
    body.fill(body.input_value() + "\n\nRedaktörens stycke.\n")
    page.get_by_role("button", name="Spara utkast").click()
    expect(page.get_by_role("status")).to_contain_text("Utkastet är sparat")

    their_body = theirs.get_by_label("Text (Markdown)")
    their_body.fill(their_body.input_value() + "\n\nAdministratörens stycke.\n")
    theirs.get_by_role("button", name="Spara utkast").click()
    expect(theirs.get_by_role("heading", level=1)).to_have_text("Dokumentet har ändrats medan du redigerade")
    expect(theirs.get_by_label(re.compile(r"^Text i version"))).to_have_value(re.compile("Redaktörens stycke."))
    expect(theirs.get_by_label("Din text (skrivskyddad kopia)")).to_have_value(re.compile("Administratörens stycke."))
    assert axe_violations(theirs) == []

    # The merge box holds one's own text; the editor's paragraph is copied over from the other box.
    merged = theirs.get_by_label("Text (Markdown)")
    other_text = theirs.get_by_label(re.compile(r"^Text i version")).input_value()
    merged.fill(other_text.rstrip() + "\n\nAdministratörens stycke.\n")
    theirs.get_by_role("button", name="Spara sammanslagen version som utkast").click()
    expect(theirs.get_by_role("status")).to_contain_text("Utkastet är sparat")
    other.close()
    page.goto(live_server("/handbok/placerade-barn/utkast"))
    expect(page.locator("main")).to_contain_text("Redaktörens stycke.")
    expect(page.locator("main")).to_contain_text("Administratörens stycke.")
