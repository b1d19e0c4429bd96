"""The shipped handbook in innehall/: it imports cleanly into the demo organisation, is complete,
its links lead somewhere, every routine has an adoption checklist, and a second import is a no-op."""
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from portal import demo
from portal.adoption.services import MIN_REASON_CHARS
from portal.content import services as content
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.markdown import CHECKLIST_HEADING, extract_checklist
from portal.handbook.models import CONTROLLED_KINDS, Document
from portal.policy import SystemActor
from tests.conftest import table_snapshot

INNEHALL = Path(__file__).resolve().parents[2] / "innehall"
DEMO_PASSWORD = "demo-losenord-123"

CORE = {
    "orosanmalan": "Orosanmälan – när och hur",
    "efter-orosanmalan": "Vad händer efter en orosanmälan",
    "sekretess-och-samtycke": None,
    "sip": None,
    "bus": None,
    "sams": None,
    "skolfranvaro": None,
    "overgangar": None,
    "hedersrelaterat-vald": None,
    "kontaktvagar": None,
    "samverkan-styrning-struktur-samsyn": None,
    "om-handboken": None,
    "placerade-barn": None,
}
# A raw HTML tag or comment; markdown-it escapes them (html off), so in the files they are mistakes.
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(\s[^>]*)?/?\s*>|<!--")
# FACTS.md: paragraph numbers of the new socialtjänstlag are unconfirmed, so none may be stated.
NEW_SOL_PARAGRAPH = re.compile(r"2025:400\)?,?\s*\d+\s*(a\s*)?kap\.")


def _files() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(INNEHALL.glob("*.md"))}


def _import():
    return content.import_directory(SystemActor("test"), INNEHALL)


@pytest.fixture
def shipped(app, monkeypatch):
    """The demo organisation first, so the import proves the department names match it.

    The search index is derived and has its own tests (tests/search, which also import innehall/);
    without it here, each publish skips its index sync, which would otherwise dominate this file.
    """
    monkeypatch.delitem(app.extensions, "search")
    demo.load_demo(DEMO_PASSWORD)
    report = _import()
    assert report.ok, report.refused
    monkeypatch.undo()
    return report


def _documents() -> dict[str, Document]:
    return {d.slug: d for d in db.session.scalars(select(Document))}


def test_innehall_imports_without_creating_departments_the_demo_lacks(shipped):
    assert shipped.departments_created == []
    assert len(shipped.created) == len(_files())
    assert not shipped.updated and not shipped.unchanged


def test_core_documents_exist_and_are_published(shipped):
    documents = _documents()
    for slug, title in CORE.items():
        assert slug in documents, f"{slug} is missing from innehall/"
        document = documents[slug]
        assert document.is_published and not document.is_archived, slug
        if title:
            assert document.current_revision.title == title


def test_routines_hang_under_sections(shipped):
    documents = _documents()
    sections = {slug for slug, d in documents.items() if d.kind == "section"}
    assert len(sections) >= 3
    for slug, document in documents.items():
        if document.kind in CONTROLLED_KINDS:
            assert document.parent is not None and document.parent.kind == "section", slug


def test_every_routine_and_agreement_has_an_adoption_checklist(shipped):
    controlled = [d for d in _documents().values() if d.kind in CONTROLLED_KINDS]
    assert len(controlled) >= 8
    for document in controlled:
        body = document.current_revision.body
        assert f"## {CHECKLIST_HEADING}" in body, document.slug
        items = extract_checklist(body)
        assert len(items) >= 3, f"{document.slug}: {items}"


def test_every_routine_carries_document_control_metadata(shipped):
    demo_departments = set(demo.ORGANISATION)
    for document in _documents().values():
        meta = document.current_revision.meta
        assert set(meta["applies_to"]) <= demo_departments, document.slug
        if document.kind in CONTROLLED_KINDS:
            for key in ("decided_by", "decided_on", "review_by", "owner"):
                assert meta[key], f"{document.slug}: {key}"
            assert meta["applies_to"] and meta["legal_refs"] and meta["tags"], document.slug
            assert "(kontaktvagar)" in document.current_revision.body, f"{document.slug} has no Kontakter link"


def test_no_internal_link_is_broken(shipped):
    assert [(b.document.slug, b.target_slug, b.reason) for b in handbook.broken_links()] == []
    orosanmalan = _documents()["orosanmalan"]
    linked = {d.slug for d in handbook.linked_documents(orosanmalan.current_revision)}
    assert {"kontaktvagar", "efter-orosanmalan", "sekretess-och-samtycke"} <= linked


def test_second_import_changes_nothing(shipped):
    before = table_snapshot()
    report = _import()
    assert report.ok and not report.created and not report.updated
    assert sorted(report.unchanged) == sorted(Path(name).stem for name in _files())
    assert table_snapshot() == before


def test_export_writes_the_files_back_byte_for_byte(shipped, tmp_path):
    """The files are in the export's own format, so an export into innehall/ leaves git clean."""
    content.export_directory(tmp_path / "ut")
    exported = {path.name: path.read_text(encoding="utf-8") for path in sorted((tmp_path / "ut").glob("*.md"))}
    assert exported == _files()


def test_kontaktvagar_lists_the_socialjour_after_office_hours(shipped):
    body = _documents()["kontaktvagar"].current_revision.body.lower()
    assert "socialjour" in body and "efter kontorstid" in body and "112" in body
    assert "|---|" in body and "[fyll i telefonnummer" in body


def test_files_contain_no_raw_html():
    for name, text in _files().items():
        match = HTML_TAG.search(text)
        assert match is None, f"{name}: {match.group(0)!r}"


def test_files_state_no_unconfirmed_paragraph_of_the_new_socialtjanstlag():
    for name, text in _files().items():
        match = NEW_SOL_PARAGRAPH.search(text)
        assert match is None, f"{name}: {match.group(0)!r} (FACTS.md: unconfirmed, write Kontrollera)"


def test_files_declare_every_front_matter_key():
    for name, text in _files().items():
        front = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
        assert list(front) == [key for key in content.FRONT_MATTER_KEYS
                               if key in front or key not in content.OPTIONAL_FRONT_MATTER_KEYS], name
        assert front["slug"] == Path(name).stem


def test_a_reader_finds_the_orosanmalan_routine_with_its_contact_link(shipped, client, login):
    login("lasare@exempel.se", DEMO_PASSWORD)
    response = client.get("/handbok/orosanmalan")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Orosanmälan – när och hur" in page and 'href="/handbok/kontaktvagar"' in page


# What every routine and agreement says, in this order (other sections may come in between).
CONTROLLED_SECTIONS = [r"Syfte", r"Vem gäller (rutinen|överenskommelsen) för", r"När", r"Steg för steg\b.*",
                       r"Vad händer sedan", r"Kontakter", r"Källor", CHECKLIST_HEADING]


def test_every_routine_and_agreement_has_the_sections_in_order():
    for name, text in _files().items():
        if yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))["kind"] not in CONTROLLED_KINDS:
            continue
        headings = re.findall(r"^## (.+)$", text, re.M)
        positions = []
        for pattern in CONTROLLED_SECTIONS:
            found = [i for i, heading in enumerate(headings) if re.fullmatch(pattern, heading)]
            assert found, f"{name}: no section matching {pattern!r} (has {headings})"
            positions.append(found[0])
        assert positions == sorted(positions), f"{name}: sections out of order: {headings}"


def test_no_obsolete_title_forskolechef():
    """Since 2019 the head of a förskola is its rektor."""
    for name, text in _files().items():
        assert "förskolechef" not in text.lower(), name


def test_the_radrum_is_short_and_nothing_more_specific():
    """FACTS.md: only a short rådrum; no rule such as "the same day"."""
    for name, text in _files().items():
        for sentence in re.findall(r"[^.\n]*[Rr]ådrum[^.\n]*", text):
            assert "samma dag" not in sentence, f"{name}: {sentence}"


def test_sources_not_in_facts_are_marked_for_the_editor():
    files = _files()
    heders = files["hedersrelaterat-vald.md"]
    assert "- Skolverket: *Till rektor" not in heders
    assert "> **Kontrollera (redaktör):** Skolverkets skrift *Till rektor:" in heders
    orosanmalan = files["orosanmalan.md"]
    sources = orosanmalan.split("## Källor", 1)[1].split("\n> ", 1)[0]
    assert "14 kap. 1 §" not in sources
    assert "Kontrollera också om anmälningsskyldigheten i den tidigare socialtjänstlagen (2001:453) fanns i " \
           "14 kap. 1 §" in orosanmalan


def test_om_handboken_states_the_rule_for_confirming_with_items_undone():
    """The server's rule (portal/adoption/services.py), told to staff in Swedish and in the README."""
    text = _files()["om-handboken.md"]
    assert f"**motivering på minst {MIN_REASON_CHARS} tecken**" in text and "Utan motivering går det inte" in text
    readme = (INNEHALL.parent / "README.md").read_text(encoding="utf-8")
    assert f"(*motivering*) of at least {MIN_REASON_CHARS} characters" in readme
