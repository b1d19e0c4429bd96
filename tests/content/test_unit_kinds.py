""""Gäller för enhetstyper" in innehall/ files: front matter `unit_kinds: [forskola]` is imported, exported
only when set, round-trips, and an unknown type refuses the file by name; the shipped school routines
name their types."""
from sqlalchemy import select

from portal import demo
from portal.adoption import services as adoption
from portal.content import services
from portal.extensions import db
from portal.handbook.models import Document
from portal.org.models import Unit
from portal.policy import SystemActor
from tests.conftest import table_snapshot
from tests.content.test_import_export import ROUTINE, _import, _write
from tests.content.test_shipped_innehall import DEMO_PASSWORD, INNEHALL

PRESCHOOL_ROUTINE = ROUTINE.replace("decided_by: Förvaltningschef\n",
                                    "unit_kinds: [forskola]\ndecided_by: Förvaltningschef\n", 1)


def _document(slug="orosanmalan") -> Document:
    return db.session.scalar(select(Document).where(Document.slug == slug))


def test_imported_types_are_stored_and_exported_and_the_round_trip_changes_nothing(app, tmp_path):
    report = _import(_write(tmp_path / "in", {"orosanmalan.md": PRESCHOOL_ROUTINE}))
    assert report.created == ["orosanmalan"] and report.ok
    assert _document().current_revision.meta["unit_kinds"] == ["forskola"]
    services.export_directory(tmp_path / "ut")
    exported = (tmp_path / "ut" / "orosanmalan.md").read_text(encoding="utf-8")
    assert "- Socialförvaltningen\nunit_kinds:\n- forskola\ndecided_by: Förvaltningschef\n" in exported
    before = table_snapshot()
    assert _import(tmp_path / "ut").unchanged == ["orosanmalan"]
    assert _import(tmp_path / "in").unchanged == ["orosanmalan"]
    assert table_snapshot() == before


def test_a_file_without_types_exports_without_the_key_and_adding_types_makes_one_version(app, tmp_path):
    directory = _write(tmp_path / "in", {"orosanmalan.md": ROUTINE})
    _import(directory)
    assert "unit_kinds" not in _document().current_revision.meta
    services.export_directory(tmp_path / "ut")
    assert "unit_kinds" not in (tmp_path / "ut" / "orosanmalan.md").read_text(encoding="utf-8")
    _write(directory, {"orosanmalan.md": PRESCHOOL_ROUTINE.replace("[forskola]", "[skola, forskola]")})
    assert _import(directory).updated == ["orosanmalan"]
    assert _document().current_revision.number == 2
    assert _document().current_revision.meta["unit_kinds"] == ["skola", "forskola"]  # UNIT_KINDS' order


def test_an_unknown_type_refuses_the_file_by_name_and_stores_nothing(app, tmp_path):
    before = table_snapshot()
    report = _import(_write(tmp_path / "in", {"orosanmalan.md": PRESCHOOL_ROUTINE.replace("forskola", "dagis")}))
    [(name, reason)] = report.refused
    assert name == "orosanmalan.md"
    assert "Okänd enhetstyp ”dagis” i gäller för enhetstyper" in reason and "forskola (förskola)" in reason
    assert table_snapshot() == before
    report = _import(_write(tmp_path / "in2", {"orosanmalan.md": PRESCHOOL_ROUTINE.replace("[forskola]",
                                                                                         "{typ: skola}")}))
    assert "Gäller för enhetstyper ska vara en lista med enhetstyper" in report.refused[0][1]


def test_the_shipped_school_absence_routine_is_not_for_preschools(app, monkeypatch):
    monkeypatch.delitem(app.extensions, "search")
    demo.load_demo(DEMO_PASSWORD)
    report = _import(INNEHALL)
    assert report.ok, report.refused
    units = {u.name: u for u in db.session.scalars(select(Unit))}
    absence = _document("skolfranvaro")
    assert absence.unit_kinds == ("skola", "socialtjanst", "elevhalsa")
    assert not adoption.applies(absence, units["Förskolan Solrosen"])
    assert adoption.applies(absence, units["Ekbackens skola"]) and adoption.applies(absence, units["Familjeteamet"])
    assert adoption.applies(absence, units["Centrala elevhälsan"])
    # A routine that names no types still applies to every unit of its departments.
    assert adoption.applies(_document("orosanmalan"), units["Förskolan Solrosen"])


def test_an_import_that_narrows_the_types_away_from_a_unit_at_work_is_refused_unless_confirmed(app, tmp_path,
                                                                                              monkeypatch):
    monkeypatch.delitem(app.extensions, "search")
    demo.load_demo(DEMO_PASSWORD)
    assert _import(INNEHALL).ok
    routine = _document()
    preschool = db.session.scalar(select(Unit).where(Unit.name == "Förskolan Solrosen"))
    adoption.set_item(SystemActor("test"), routine, preschool, revision_number=routine.current_revision.number,
                      index=0, done=True, comment="")
    narrowed = (INNEHALL / "orosanmalan.md").read_text(encoding="utf-8").replace(
        "decided_by:", "unit_kinds: [skola]\ndecided_by:", 1)
    directory = _write(tmp_path / "in", {"orosanmalan.md": narrowed})
    before = table_snapshot()
    result = app.test_cli_runner().invoke(args=["innehall", "import", str(directory)])
    assert result.exit_code == 1
    assert "orosanmalan.md: Publiceringen" in result.output and "Förskolan Solrosen" in result.output
    assert "kör om med --confirm-narrowing orosanmalan för att bekräfta" in result.output
    assert table_snapshot() == before
    # Confirming another document confirms nothing here.
    result = app.test_cli_runner().invoke(args=["innehall", "import", "--confirm-narrowing", "sip", str(directory)])
    assert result.exit_code == 1 and table_snapshot() == before
    result = app.test_cli_runner().invoke(
        args=["innehall", "import", "--confirm-narrowing", "orosanmalan", str(directory)])
    assert result.exit_code == 0, result.output
    assert "Uppdaterade: 1 (orosanmalan)" in result.output
    routine = _document()
    assert routine.current_revision.meta["unit_kinds"] == ["skola"]
    assert not adoption.applies(routine, preschool)
