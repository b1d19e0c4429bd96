"""An editor whose session ended while writing loses nothing: the tab keeps a copy of the form and
the edit page offers it back after logging in again (portal/static/js/editor.js)."""
import re

from playwright.sync_api import expect

from tests.browser.helpers import ACCOUNTS, DEMO_PASSWORD

TYPED = "\n\nEN HALVTIMMES ARBETE SOM INTE FÅR FÖRSVINNA.\n"


def test_text_typed_before_the_session_ended_is_offered_back_after_logging_in(page, live_server, login):
    login("editor")
    page.goto(live_server("/handbok/bus/redigera"))
    body = page.get_by_label("Text (Markdown)")
    original = body.input_value()
    body.fill(original + TYPED)
    page.get_by_label("Rubrik").fill("BUS – ny rubrik från fliken")

    page.context.clear_cookies()  # the session ends (timeout, logged out in another tab, new password)
    page.get_by_role("button", name="Spara utkast").click()
    # The form's token belonged to the ended session: refused, nothing saved.
    expect(page.get_by_role("heading", name="Felaktig begäran")).to_be_visible()
    expect(page.get_by_text("Text i handbokens redigering finns kvar i den här fliken")).to_be_visible()
    page.goto(live_server("/handbok/bus/redigera"))
    expect(page).to_have_url(re.compile(r"/logga-in\?next="))

    page.get_by_label("E-postadress").fill(ACCOUNTS["editor"])
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(live_server("/handbok/bus/redigera"))
    # The server has the old text; the tab offers what was typed.
    assert "EN HALVTIMMES ARBETE" not in body.input_value()
    offer = page.get_by_role("status").filter(has_text="Den här fliken har kvar text")
    expect(offer).to_be_visible()
    offer.get_by_role("button", name="Återställ min text").click()
    expect(body).to_have_value(re.compile("EN HALVTIMMES ARBETE SOM INTE FÅR FÖRSVINNA"))
    expect(page.get_by_label("Rubrik")).to_have_value("BUS – ny rubrik från fliken")
    expect(offer).to_have_count(0)

    # Thrown away, it is not offered again.
    page.reload()
    offer = page.get_by_role("status").filter(has_text="Den här fliken har kvar text")
    offer.get_by_role("button", name="Släng den").click()
    page.reload()
    expect(page.get_by_label("Text (Markdown)")).to_have_value(original)
    expect(page.get_by_text("Den här fliken har kvar text")).to_have_count(0)


def test_nothing_is_offered_when_the_page_already_has_the_text(page, live_server, login):
    login("editor")
    page.goto(live_server("/handbok/bus/redigera"))
    body = page.get_by_label("Text (Markdown)")
    body.fill(body.input_value() + " ")  # typed, then the same text again
    body.fill(body.input_value().rstrip(" "))
    page.reload()
    expect(page.get_by_label("Text (Markdown)")).to_be_visible()
    expect(page.get_by_text("Den här fliken har kvar text")).to_have_count(0)
