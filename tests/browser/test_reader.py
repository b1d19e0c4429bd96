"""A worried teacher finds the orosanmälan routine: from the start page, by search, by suggestion."""
import re
import subprocess

from playwright.sync_api import expect

from tests.browser.helpers import CHROMIUM, DESKTOP, PHONE, focus_is_visible, log_in, tab_to


def test_start_page_reaches_orosanmalan_in_one_click(page, live_server, login):
    login("reader")
    page.goto(live_server("/"))
    urgent = page.get_by_role("region", name="Orolig för ett barn?")
    urgent.get_by_role("link", name="Orosanmälan – när och hur").click()
    expect(page).to_have_url(live_server("/handbok/orosanmalan"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Orosanmälan – när och hur")
    expect(page.get_by_role("heading", name="Steg för steg")).to_be_visible()
    # The document panel says which version the reader is looking at.
    expect(page.get_by_text(re.compile(r"^\s*1, publicerad"))).to_be_visible()


def test_header_search_finds_orosanmalan_first(page, live_server, login):
    login("reader")
    page.goto(live_server("/handbok/sip"))
    page.get_by_role("search").get_by_label("Sök i handboken").fill("jag är orolig för en elev")
    page.get_by_role("search").get_by_role("button", name="Sök").click()
    expect(page).to_have_url(re.compile(r"/sok\?q="))
    first = page.locator("ol#sokresultat > li").first
    expect(first.get_by_role("link").first).to_have_attribute("href", "/handbok/orosanmalan")
    first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orosanmälan – när och hur")


def test_search_without_swedish_letters_still_finds(page, live_server, login):
    login("reader")
    page.goto(live_server("/sok?q=orosanmalan"))
    expect(page.locator("ol#sokresultat > li").first.get_by_role("link").first) \
        .to_have_attribute("href", "/handbok/orosanmalan")


def test_empty_result_helps_with_the_orosanmalan_entry(page, live_server, login):
    login("reader")
    page.goto(live_server("/sok?q=qwxzv"))
    expect(page.locator("ol#sokresultat")).to_have_count(0)
    expect(page.get_by_role("link", name="Orosanmälan – när och hur").first).to_be_visible()


def test_title_suggestions_while_typing_can_be_chosen_with_the_keyboard(page, live_server, login):
    login("reader")
    page.goto(live_server("/"))
    box = page.get_by_role("combobox", name="Sök i handboken")
    box.press_sequentially("samord", delay=30)
    options = page.get_by_role("listbox", name="Förslag").get_by_role("option")
    expect(options.first).to_contain_text("SIP – samordnad individuell plan")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page).to_have_url(live_server("/handbok/sip"))


def test_escape_closes_the_suggestions_first_and_keeps_the_typed_text(page, live_server, login):
    login("reader")
    page.goto(live_server("/"))
    box = page.get_by_role("combobox", name="Sök i handboken")
    box.press_sequentially("samord", delay=30)
    listbox = page.get_by_role("listbox", name="Förslag")
    expect(listbox.get_by_role("option").first).to_be_visible()
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("samord")
    box.press("Escape")  # with the list closed, the search box's own Escape clears it as usual
    expect(box).to_have_value("")

def test_keyboard_only_from_skip_link_to_the_routine(page, live_server, login):
    login("reader")
    page.goto(live_server("/"))
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused, hidden otherwise
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab from the main content lands inside it: the urgent entry comes first.
    tab_to(page, ".urgent a.button.primary", limit=5)
    assert focus_is_visible(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server("/handbok/orosanmalan"))


def test_keyboard_only_search(page, live_server, login):
    login("reader")
    page.goto(live_server("/tillganglighet"))
    tab_to(page, "#header-q", limit=5)
    assert focus_is_visible(page)
    page.keyboard.type("hemmasittare")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/sok\?q=hemmasittare"))
    expect(page.locator("ol#sokresultat > li").first.get_by_role("link").first) \
        .to_have_attribute("href", "/handbok/skolfranvaro")
    tab_to(page, "ol#sokresultat > li a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server("/handbok/skolfranvaro"))


def test_reading_and_searching_work_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, locale="sv-SE")
    page = log_in(context.new_page(), live_server.url, "reader")
    page.get_by_role("search").get_by_label("Sök i handboken").fill("sekretess")
    page.get_by_role("search").get_by_role("button", name="Sök").click()
    expect(page.locator("ol#sokresultat > li").first.get_by_role("link").first) \
        .to_have_attribute("href", "/handbok/sekretess-och-samtycke")
    page.locator("ol#sokresultat > li").first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sekretess och samtycke")
    context.close()


def test_phone_width_has_no_sideways_scrolling(page, live_server, login):
    login("reader")
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/", "/handbok/orosanmalan", "/sok?q=sip", "/handbok/kontaktvagar",
                 "/handbok/efter-orosanmalan/jamfor?fran=1&till=2"):
        page.goto(live_server(path))
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a 360px phone"


def test_the_browser_is_debians_chromium(browser):
    printed = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout
    assert browser.version and browser.version in printed


def test_on_a_phone_the_first_hit_is_on_the_first_screen(page, live_server, login):
    login("reader")
    page.set_viewport_size(PHONE)
    page.goto(live_server("/sok?q=sip"))
    first = page.locator("ol#sokresultat > li").first.get_by_role("link").first
    expect(first).to_have_attribute("href", "/handbok/sip")
    box = first.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], f"the first hit ends {box['y'] + box['height']}px down"
    # The filters follow the hits, and a link at the top leads to them.
    page.get_by_role("link", name="Avgränsa träffarna").click()
    expect(page.get_by_role("heading", name="Avgränsa", exact=True)).to_be_in_viewport()


def test_on_a_wide_screen_the_filters_stay_left_of_the_hits(page, live_server, login):
    login("reader")
    page.set_viewport_size(DESKTOP)
    page.goto(live_server("/sok?q=sip"))
    filters = page.locator(".search-filters").bounding_box()
    hits = page.locator(".search-hits").bounding_box()
    assert filters["x"] + filters["width"] <= hits["x"] and abs(filters["y"] - hits["y"]) < 5
    expect(page.get_by_role("link", name="Avgränsa träffarna")).to_be_hidden()


def test_on_a_phone_a_hit_leads_to_the_section_where_its_words_are(page, live_server, login):
    """orosanmalan is some 10,000 px long on a phone, its steps over 3,000 px down: the hit's
    second link goes to the section of its snippet, the title still to the top."""
    login("reader")
    page.set_viewport_size(PHONE)
    page.goto(live_server("/sok?q=lova+inte+att+hålla+det+hemligt"))
    first = page.locator("ol#sokresultat > li").first
    expect(first.get_by_role("link").first).to_have_attribute("href", "/handbok/orosanmalan")
    section = first.get_by_role("link", name=re.compile("^Till avsnittet ”Steg för steg”"))
    expect(section).to_have_attribute("href", "/handbok/orosanmalan#steg-for-steg")
    section.click()
    expect(page).to_have_url(live_server("/handbok/orosanmalan#steg-for-steg"))
    heading = page.get_by_role("heading", name="Steg för steg", exact=True)
    expect(heading).to_be_in_viewport()
    box = heading.bounding_box()
    assert 0 <= box["y"] < PHONE["height"] / 2, box  # at the top of the screen, not just at its edge
    assert page.evaluate("window.scrollY") > 2000
    page.go_back()
    first.get_by_role("link").first.click()
    expect(page).to_have_url(live_server("/handbok/orosanmalan"))
    assert page.evaluate("window.scrollY") == 0
