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
