"""Administration fixtures: a logged-in administrator and reading a form's field errors."""
import re

import pytest


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def field_error(html: str, field_id: str) -> str | None:
    """The error shown next to a field (the form macro's `<p class="field-error" id="…-fel">`)."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-fel">(.*?)</p>', html, re.S)
    return match.group(1) if match else None


def flash_messages(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', html, re.S)
