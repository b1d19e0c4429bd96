"""innehall/ import and export: idempotent, refuses malformed files, round-trips."""
import re
import shutil
from pathlib import Path

from sqlalchemy import func, select

from portal.content import services
from portal.extensions import db
from portal.handbook.models import Document, Revision
from portal.policy import SystemActor
from tests.conftest import table_snapshot

ROUTINE = """---
slug: orosanmalan
title: Orosanmälan – när och hur
kind: routine
parent: null
order: 10
department: Socialförvaltningen
applies_to:
  - Bildningsförvaltningen
  - Socialförvaltningen
decided_by: Förvaltningschef
decided_on: 2026-03-02
review_by: 2027-03-01
owner: Verksamhetsutvecklare
legal_refs:
  - Socialtjänstlagen (2025:400)
tags: [orosanmälan, anmälningsskyldighet]
---

Vad du gör när du är orolig för ett barn. Se [SIP](sip).

## Checklista för införande

- [ ] Rutinen är genomgången på APT
"""

SECTION = """---
slug: sip
title: Samordnad individuell plan
kind: section
parent: orosanmalan
order: 20
department: Socialförvaltningen
applies_to: []
decided_by: null
decided_on: null
review_by: null
owner: null
legal_refs: []
tags: [sip]
---
Om SIP.
"""


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def _revision_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Revision))


def _import(directory):
    return services.import_directory(SystemActor("test"), directory)


def test_import_creates_published_documents_and_departments(app, tmp_path):
    report = _import(_write(tmp_path / "in", {"orosanmalan.md": ROUTINE, "sip.md": SECTION}))
    assert report.created == ["orosanmalan", "sip"] and report.ok
    assert set(report.departments_created) == {"Bildningsförvaltningen", "Socialförvaltningen"}
    document = db.session.scalar(select(Document).where(Document.slug == "orosanmalan"))
    revision = document.current_revision
    assert revision.number == 1 and revision.change_note == "Första versionen i portalen"
    assert revision.meta["decided_on"] == "2026-03-02" and revision.meta["tags"] == ["orosanmälan", "anmälningsskyldighet"]
    assert sorted(d.name for d in document.applies_to) == ["Bildningsförvaltningen", "Socialförvaltningen"]
    assert db.session.scalar(select(Document).where(Document.slug == "sip")).parent_id == document.id


def test_second_import_of_unchanged_files_changes_nothing(app, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": ROUTINE, "sip.md": SECTION})
    _import(directory)
    before = table_snapshot()
    report = _import(directory)
    assert report.unchanged == ["orosanmalan", "sip"] and not report.created and not report.updated
    assert table_snapshot() == before


def test_changed_file_makes_exactly_one_new_revision(app, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": ROUTINE, "sip.md": SECTION})
    _import(directory)
    _write(directory, {"orosanmalan.md": ROUTINE.replace("Vad du gör", "Det här gör du")})
    report = _import(directory)
    assert report.updated == ["orosanmalan"] and report.unchanged == ["sip"]
    assert _revision_count() == 3
    document = db.session.scalar(select(Document).where(Document.slug == "orosanmalan"))
    assert document.current_revision.number == 2 and document.current_revision.body.startswith("Det här gör du")
    assert document.current_revision.change_note == "Uppdaterad från handbokens grundtext"
    assert document.current_revision.save_note == "Import av orosanmalan.md"


def test_malformed_front_matter_is_refused_with_file_name_and_reason(app, tmp_path):
    bad = {
        "utan-front.md": "Bara text\n",
        "trasig-yaml.md": "---\nslug: trasig-yaml\ntitle: [ofullständig\n---\nText\n",
        "saknar-titel.md": "---\nslug: saknar-titel\nkind: routine\ndepartment: X\n---\nText\n",
        "okand-nyckel.md": "---\nslug: okand-nyckel\ntitle: T\nkind: routine\ndepartment: X\nfarg: blå\n---\nText\n",
        "fel-typ.md": "---\nslug: fel-typ\ntitle: T\nkind: rutin\ndepartment: X\n---\nText\n",
        "fel-datum.md": "---\nslug: fel-datum\ntitle: T\nkind: routine\ndepartment: X\nreview_by: snart\n---\nT\n",
        "annat-namn.md": "---\nslug: helt-annat\ntitle: T\nkind: routine\ndepartment: X\n---\nText\n",
        "ej-avslutad.md": "---\nslug: ej-avslutad\ntitle: T\n",
    }
    directory = _write(tmp_path / "in", {**bad, "orosanmalan.md": ROUTINE})
    report = _import(directory)
    refused = dict(report.refused)
    assert set(refused) == set(bad)
    assert "måste börja med front matter" in refused["utan-front.md"]
    assert "inte giltig YAML" in refused["trasig-yaml.md"]
    assert "saknar title" in refused["saknar-titel.md"]
    assert "okända nycklar i front matter: farg" in refused["okand-nyckel.md"]
    assert "Okänd dokumenttyp" in refused["fel-typ.md"]
    assert "ÅÅÅÅ-MM-DD" in refused["fel-datum.md"]
    assert "filnamnet ska vara helt-annat.md" in refused["annat-namn.md"]
    assert "avslutas inte" in refused["ej-avslutad.md"]
    assert report.created == ["orosanmalan"]
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1


def test_missing_parent_refuses_only_that_file(app, tmp_path):
    report = _import(_write(tmp_path / "in", {"sip.md": SECTION}))
    assert report.refused == [("sip.md", "överordnat dokument ”orosanmalan” finns inte.")]
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_import_does_not_overwrite_an_editors_unpublished_draft(app, tmp_path):
    from portal.handbook import services as handbook

    directory = _write(tmp_path / "in", {"orosanmalan.md": ROUTINE})
    _import(directory)
    document = db.session.scalar(select(Document).where(Document.slug == "orosanmalan"))
    handbook.save_draft(SystemActor("redaktör"), document, base_number=1, title=document.title,
                        body="Redaktörens utkast.\n", meta=document.current_revision.meta)
    _write(directory, {"orosanmalan.md": ROUTINE.replace("Vad du gör", "Ny text")})
    report = _import(directory)
    assert "opublicerat utkast" in dict(report.refused)["orosanmalan.md"]
    assert handbook.latest_revision(document).body == "Redaktörens utkast.\n"


def test_export_then_import_changes_nothing(app, tmp_path):
    _import(_write(tmp_path / "in", {"orosanmalan.md": ROUTINE, "sip.md": SECTION}))
    written = services.export_directory(tmp_path / "ut")
    assert sorted(written) == ["orosanmalan", "sip"]
    exported = (tmp_path / "ut" / "orosanmalan.md").read_text(encoding="utf-8")
    assert exported.startswith("---\nslug: orosanmalan\ntitle: Orosanmälan – när och hur\nkind: routine\n")
    assert "decided_on: 2026-03-02\n" in exported and "## Checklista för införande" in exported
    before = table_snapshot()
    report = _import(tmp_path / "ut")
    assert report.unchanged == ["orosanmalan", "sip"]
    assert table_snapshot() == before


def test_cli_reports_counts_and_fails_on_refused_files(app, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": ROUTINE, "trasig.md": "ingen front matter"})
    result = app.test_cli_runner().invoke(args=["innehall", "import", str(directory)])
    assert result.exit_code == 1
    assert "Skapade: 1 (orosanmalan)" in result.output
    assert "trasig.md: filen måste börja med front matter" in result.output
    result = app.test_cli_runner().invoke(args=["innehall", "export", str(tmp_path / "ut")])
    assert result.exit_code == 0 and "Exporterade 1 dokument" in result.output


def test_cli_refuses_a_missing_directory(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["innehall", "import", str(tmp_path / "finns-inte")])
    assert result.exit_code != 0 and "Katalogen finns inte" in result.output


def test_readers_see_the_import_named_in_swedish_and_the_api_keeps_its_label(app, client, login_as, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": ROUTINE, "sip.md": SECTION})
    result = app.test_cli_runner().invoke(args=["innehall", "import", str(directory)])
    assert result.exit_code == 0, result.output
    login_as("reader")
    page = client.get("/handbok/orosanmalan/historik").get_data(as_text=True)
    assert "Handbokens grundtext (import)" in page
    assert "innehall-import" not in page
    revisions = client.get("/api/v1/documents/orosanmalan/revisions").get_json()
    assert [r["author"] for r in revisions["revisions"]] == ["innehall-import"]


def test_the_first_version_is_called_so_and_not_a_kind_of_change(client, login_as, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": ROUTINE})
    assert _import(directory).created == ["orosanmalan"]
    login_as("reader")
    rows = re.findall(r"<tr>(.*?)</tr>", client.get("/handbok/orosanmalan/historik").get_data(as_text=True), re.S)
    [first] = [row for row in rows if "Version 1<" in row]
    assert "Första versionen" in first and "ändring" not in first.replace("Första versionen i portalen", "")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "Första versionen i portalen" in page and "(språklig ändring)" not in page
    _write(directory, {"orosanmalan.md": ROUTINE.replace("Vad du gör", "Det här gör du", 1)})
    assert _import(directory).updated == ["orosanmalan"]
    rows = re.findall(r"<tr>(.*?)</tr>", client.get("/handbok/orosanmalan/historik").get_data(as_text=True), re.S)
    [second] = [row for row in rows if "Version 2<" in row]
    assert "Språklig ändring" in second
    assert "Uppdaterad från handbokens grundtext <span class=\"muted\">(språklig ändring)</span>" in \
        client.get("/handbok/orosanmalan").get_data(as_text=True)
