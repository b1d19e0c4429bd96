"""Screenshots of the main pages at desktop and phone width, for README (docs/screenshots/).

They are written into docs/screenshots/ when missing there or with UPDATE_SCREENSHOTS=1:
    UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_screenshots.py
"""
import struct

import pytest

from tests.browser.helpers import DESKTOP, PHONE, save_screenshot

SHOTS = [
    ("start", "reader", "/"),
    ("rutin", "reader", "/handbok/orosanmalan"),
    ("sok", "reader", "/sok?q=orolig+för+elev"),
    ("min-enhet", "unit_head", "/min-enhet"),
    ("inforande", "editor", "/inforande"),
    ("redigera", "editor", "/handbok/sip/redigera"),
    ("jamfor", "editor", "/handbok/efter-orosanmalan/jamfor?fran=1&till=2"),
    ("admin-anvandare", "admin", "/admin/anvandare"),
]


def png_size(path) -> tuple[int, int]:
    with open(path, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize("width_name,viewport", [("dator", DESKTOP), ("mobil", PHONE)])
@pytest.mark.parametrize("name,role,path", SHOTS)
def test_screenshot(page, live_server, login, tmp_path, name, role, path, width_name, viewport):
    login(role)
    page.set_viewport_size(viewport)
    response = page.goto(live_server(path))
    assert response.status == 200
    page.wait_for_load_state("networkidle")  # the editor's live preview has arrived
    target = save_screenshot(page, f"{name}-{width_name}", tmp_path)
    assert png_size(target) == (viewport["width"], viewport["height"])
