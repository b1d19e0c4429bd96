"""Title suggestions as a reader sees them: below the box they belong to, readable, the chosen one
marked; in the header on every page and in /sok's own search box."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE

# What the list looks like on screen: where it is, and each option's colours as painted (a
# transparent background is the nearest painted one behind it), with their WCAG contrast ratio.
LOOKS = """(input) => {
    const list = document.getElementById(input.getAttribute('aria-controls'));
    const rgb = value => value.match(/[\\d.]+/g).map(Number);
    const painted = el => {
        for (; el; el = el.parentElement) {
            const [r, g, b, a = 1] = rgb(getComputedStyle(el).backgroundColor);
            if (a > 0) { return [r, g, b]; }
        }
        return [255, 255, 255];
    };
    const luminance = ([r, g, b]) => {
        const linear = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    const contrast = (x, y) => {
        const [light, dark] = [luminance(x), luminance(y)].sort((a, b) => b - a);
        return (light + 0.05) / (dark + 0.05);
    };
    const box = input.getBoundingClientRect(), shown = list.getBoundingClientRect();
    return {
        inputBottom: box.bottom, listTop: shown.top, listLeft: shown.left, inputLeft: box.left,
        options: [...list.querySelectorAll('[role=option]')].map(option => {
            const text = rgb(getComputedStyle(option).color).slice(0, 3), back = painted(option);
            return {text, back, contrast: contrast(text, back), selected: option.getAttribute('aria-selected')};
        }),
    };
}"""


def looks(box) -> dict:
    return box.evaluate(LOOKS)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_header_suggestions_show_below_the_box_readable_with_the_chosen_one_marked(page, live_server, login,
                                                                                   viewport):
    login("reader")
    page.set_viewport_size(viewport)
    page.goto(live_server("/"))
    box = page.get_by_role("combobox", name="Sök i handboken")
    box.press_sequentially("sam", delay=30)
    options = page.get_by_role("listbox", name="Förslag").get_by_role("option")
    expect(options.nth(1)).to_be_visible()
    seen = looks(box)
    assert seen["listTop"] >= seen["inputBottom"] - 0.5, seen  # the list does not cover what is typed
    assert abs(seen["listLeft"] - seen["inputLeft"]) <= 2.5, seen
    for option in seen["options"]:
        assert option["text"] != option["back"] and option["contrast"] >= 4.5, option
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    chosen, *others = looks(box)["options"]
    assert chosen["selected"] == "true" and chosen["contrast"] >= 4.5, chosen
    assert all(chosen["back"] != other["back"] for other in others), (chosen, others)


def test_header_search_box_takes_as_many_characters_as_search_uses(page, live_server, login):
    login("reader")
    page.goto(live_server("/"))
    box = page.get_by_role("combobox", name="Sök i handboken")
    expect(box).to_have_attribute("maxlength", "200")
    box.fill("a" * 250)
    assert len(box.input_value()) == 200


def search_page_box(page):
    return page.get_by_role("search").filter(has=page.locator("#sok-q")).get_by_role("combobox",
                                                                                     name="Vad letar du efter?")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_search_pages_own_box_suggests_titles_and_enter_opens_the_chosen_one(page, live_server, login,
                                                                                 viewport):
    login("reader")
    page.set_viewport_size(viewport)
    page.goto(live_server("/sok?q=sip"))
    box = search_page_box(page)
    expect(box).to_have_attribute("autocomplete", "off")
    box.fill("")
    box.press_sequentially("oros", delay=30)
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    expect(listbox).to_have_attribute("role", "listbox")
    options = listbox.get_by_role("option")
    expect(options.first).to_have_text("Orosanmälan – när och hur (rutin)")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#sokforslag")).to_be_hidden()  # the header's list stays closed
    seen = looks(box)
    assert seen["listTop"] >= seen["inputBottom"] - 0.5, seen
    assert all(option["contrast"] >= 4.5 for option in seen["options"]), seen
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    box.press("Enter")
    expect(page).to_have_url(live_server("/handbok/orosanmalan"))


def test_each_search_box_has_its_own_list_and_every_id_on_the_page_is_unique(page, live_server, login):
    login("reader")
    page.goto(live_server("/sok?q=orosanmälan"))
    header = page.get_by_role("combobox", name="Sök i handboken")
    own = search_page_box(page)
    for box in (header, own):
        box.fill("")
        box.press_sequentially("sam", delay=30)
        expect(page.locator("#" + box.get_attribute("aria-controls")).get_by_role("option").first).to_be_visible()
        box.press("ArrowDown")
    assert header.get_attribute("aria-controls") != own.get_attribute("aria-controls")
    assert header.get_attribute("aria-activedescendant") != own.get_attribute("aria-activedescendant")
    repeated = page.evaluate("""() => {
        const ids = [...document.querySelectorAll('[id]')].map(el => el.id);
        return ids.filter((id, i) => ids.indexOf(id) !== i);
    }""")
    assert repeated == []


def test_a_filtered_search_from_the_search_pages_box_keeps_its_filter_without_a_suggestion(page, live_server,
                                                                                          login):
    login("reader")
    page.goto(live_server("/sok?q=orosanmälan&nyckelord=bup"))
    box = search_page_box(page)
    box.fill("")
    box.press_sequentially("anmälan", delay=30)
    box.press("Enter")  # no option chosen: the form is sent, with its ticked filter
    expect(page).to_have_url(re.compile(r"/sok\?q=anm%C3%A4lan&nyckelord=bup$"))
