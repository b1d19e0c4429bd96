"""Saving a routine's checklist on /min-enhet as a browser does: read the page's checklist form,
change some items, send the whole form."""
import re
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """The fields one form sends: hidden inputs, checked checkboxes, textareas (by name)."""

    def __init__(self, action_end: str):
        super().__init__(convert_charrefs=True)
        self.action_end, self.inside, self.action = action_end, False, None
        self.fields, self.checkboxes, self._textarea = {}, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("action") or "").endswith(self.action_end):
            self.inside, self.action = True, attrs["action"]
        elif self.inside and tag == "input" and attrs.get("name"):
            if attrs.get("type") == "checkbox":
                self.checkboxes[attrs["name"]] = attrs.get("value", "on")
                if "checked" in attrs:
                    self.fields[attrs["name"]] = attrs.get("value", "on")
            else:
                self.fields[attrs["name"]] = attrs.get("value") or ""
        elif self.inside and tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def checklist_form(page: str, slug: str = "orosanmalan") -> tuple[str, dict]:
    """(action, data) of the routine's checklist form as the page shows it."""
    reader = _FormReader(f"/{slug}/checklista")
    reader.feed(page)
    assert reader.action, f"no checklist form for {slug} on the page"
    return reader.action, dict(reader.fields)


def change(data: dict, index: int, done: bool | None = None, comment: str | None = None) -> dict:
    """The form data with item `index` ticked or unticked and/or its comment replaced."""
    data = dict(data)
    if done is True:
        data[f"items-{index}-done"] = "y"
    elif done is False:
        data.pop(f"items-{index}-done", None)
    if comment is not None:
        data[f"items-{index}-comment"] = comment
    return data


def my_unit_page(client, unit) -> str:
    return client.get(f"/min-enhet?enhet={unit.id}").get_data(as_text=True)


def save_checklist(client, unit, changes: dict, *, slug="orosanmalan", page=None, revision=None, **kwargs):
    """Open /min-enhet (or use `page`, a page opened earlier), make `changes` ({index: done} or
    {index: (done, comment)}), press "Spara checklistan"."""
    action, data = checklist_form(page if page is not None else my_unit_page(client, unit), slug)
    for index, value in changes.items():
        done, comment = value if isinstance(value, tuple) else (value, None)
        data = change(data, index, done, comment)
    if revision is not None:
        data["revision"] = str(revision)
    return client.post(action, data=data, **kwargs)


def tick(client, unit, index, *, done=True, comment="", slug="orosanmalan", page=None, **kwargs):
    """Set one item (ticked or not, with its comment) and save the checklist."""
    return save_checklist(client, unit, {index: (done, comment)}, slug=slug, page=page, **kwargs)


def textarea(page: str, element_id: str) -> str:
    return re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', page, re.S).group(1)


def checked(page: str, index: int, slug: str = "orosanmalan") -> bool:
    return bool(re.search(rf'<input type="checkbox" id="klar-{slug}-{index}"[^>]*\schecked[\s>]', page))
