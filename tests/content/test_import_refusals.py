"""A refused innehall/ file stores nothing: every front-matter value is checked for type and range
when the file is read, and each file is imported in one transaction (departments included)."""
import pytest
from sqlalchemy import func, select

from portal.content import services
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.models import Document
from portal.org.models import Department
from portal.policy import SystemActor
from tests.conftest import table_snapshot
from tests.content.test_import_export import ROUTINE, _import, _write


def _with(line_from: str, line_to: str) -> str:
    assert line_from in ROUTINE
    return ROUTINE.replace(line_from, line_to, 1)


def _add(extra: str) -> str:
    return ROUTINE.replace("tags: [orosanmälan, anmälningsskyldighet]\n",
                           f"tags: [orosanmälan, anmälningsskyldighet]\n{extra}\n", 1)


BAD_VALUES = [
    (_add("change_note: [a, b]"), "change_note ska vara text"),
    (_add("change_note: 12"), "change_note ska vara text"),
    (_add("change_note: " + "x" * 1001), "change_note får vara högst 1000 tecken"),
    (_add("substantial: ja"), "substantial ska vara true eller false"),
    (_with("order: 10", "order: 1000000000000"), "order ska vara ett heltal mellan -1000000 och 1000000"),
    (_with("order: 10", "order: -1000001"), "order ska vara ett heltal mellan -1000000 och 1000000"),
    (_with("order: 10", "order: 1.5"), "order ska vara ett heltal"),
    (_with("order: 10", "order: true"), "order ska vara ett heltal"),
    (_with("order: 10", "order: tio"), "order ska vara ett heltal"),
    (_with("title: Orosanmälan – när och hur", "title: [Orosanmälan]"), "title ska vara text"),
    (_with("kind: routine", "kind: 5"), "kind ska vara text"),
    (_with("department: Socialförvaltningen", "department: {namn: Social}"), "department ska vara text"),
    (_with("department: Socialförvaltningen", "department: " + "S" * 201),
     "department får vara högst 200 tecken"),
    (_with("parent: null", "parent: 5"), "parent ska vara ett dokuments adress"),
    (_with("parent: null", "parent: Inte En Adress"), "parent: Adressen får bara innehålla"),
    (_with("decided_by: Förvaltningschef", "decided_by: [Förvaltningschef]"), "Beslutad av ska vara text"),
    (_with("owner: Verksamhetsutvecklare", "owner: 17"), "Dokumentansvarig ska vara text"),
    (_with("decided_on: 2026-03-02", "decided_on: 2026-13-45"), "inte giltig YAML"),
    (_with("decided_on: 2026-03-02", "decided_on: 2026-03-02 10:00:00"), "Fastställd ska vara ett datum utan klockslag"),
    (_with("review_by: 2027-03-01", "review_by: 9999-12-31"), "Revideras senast ska vara ett datum mellan"),
    (_with("review_by: 2027-03-01", "review_by: 20270301"), "Revideras senast ska vara ett datum som ÅÅÅÅ-MM-DD"),
    (_with("  - Bildningsförvaltningen\n", "  - [Bildningsförvaltningen]\n"), "Gäller för ska vara en lista med text"),
    (_with("  - Bildningsförvaltningen\n", "  - " + "B" * 201 + "\n"), "Ett värde i gäller för är för långt"),
    (_with("tags: [orosanmälan, anmälningsskyldighet]", "tags: {a: b}"), "Nyckelord ska vara en lista med text"),
]


@pytest.mark.parametrize("text,reason", BAD_VALUES, ids=[reason for _, reason in BAD_VALUES])
def test_a_bad_front_matter_value_is_refused_with_file_name_and_reason_and_stores_nothing(app, tmp_path, text,
                                                                                        reason):
    before = table_snapshot()
    report = _import(_write(tmp_path / "in", {"orosanmalan.md": text}))
    assert [name for name, _ in report.refused] == ["orosanmalan.md"]
    assert reason in report.refused[0][1]
    assert not report.created and not report.departments_created
    assert table_snapshot() == before


def test_a_file_refused_for_its_change_note_imports_once_corrected(app, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": _add("change_note: [a, b]")})
    assert not _import(directory).ok
    _write(directory, {"orosanmalan.md": _add("change_note: Första versionen från kommunen")})
    report = _import(directory)
    assert report.created == ["orosanmalan"] and report.ok
    document = db.session.scalar(select(Document).where(Document.slug == "orosanmalan"))
    assert document.current_revision.change_note == "Första versionen från kommunen"
    assert handbook.pending_draft(document) is None


def test_a_file_refused_during_import_creates_none_of_its_departments(app, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": ROUTINE})
    _import(directory)
    document = db.session.scalar(select(Document).where(Document.slug == "orosanmalan"))
    handbook.save_draft(SystemActor("redaktör"), document, base_number=1, title=document.title,
                        body="Redaktörens utkast.\n", meta=document.current_revision.meta)
    changed = ROUTINE.replace("  - Socialförvaltningen\n", "  - Socialförvaltningen\n  - Kultur- och fritidsförvaltningen\n")
    _write(directory, {"orosanmalan.md": changed.replace("Vad du gör", "Ny text")})
    before = table_snapshot()
    report = _import(directory)
    assert "opublicerat utkast" in dict(report.refused)["orosanmalan.md"]
    assert report.departments_created == []
    assert table_snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(Department)
                             .where(Department.name == "Kultur- och fritidsförvaltningen")) == 0


def test_a_refused_new_document_under_a_new_department_leaves_no_trace(app, tmp_path, monkeypatch):
    # Whatever fails once writing has begun (here: publishing) rolls the whole file back.
    from portal.errors import ValidationError

    def refuse(*args, **kwargs):
        raise ValidationError("Publiceringen vägrades.")

    monkeypatch.setattr(handbook, "publish", refuse)
    monkeypatch.setattr(handbook, "stamp_published", refuse)
    before = table_snapshot()
    report = _import(_write(tmp_path / "in", {"orosanmalan.md": ROUTINE}))
    assert report.refused == [("orosanmalan.md", "Publiceringen vägrades.")]
    assert report.departments_created == []
    assert table_snapshot() == before


def test_the_cli_names_the_file_and_reason_instead_of_a_traceback(app, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": _add("change_note: [a, b]")})
    result = app.test_cli_runner().invoke(args=["innehall", "import", str(directory)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "orosanmalan.md: change_note ska vara text" in result.output
    assert "Traceback" not in result.output


def test_order_at_the_limits_is_imported(app, tmp_path):
    report = _import(_write(tmp_path / "in", {"orosanmalan.md": _with("order: 10", "order: -1000000")}))
    assert report.created == ["orosanmalan"]
    assert db.session.scalar(select(Document.position)) == -1_000_000


def test_parse_file_checks_without_a_database():
    with pytest.raises(services.ContentError) as error:
        services.parse_file("orosanmalan.md", _add("change_note: [a, b]"))
    assert error.value.filename == "orosanmalan.md"
