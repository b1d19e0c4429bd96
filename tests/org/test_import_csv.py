"""`flask org import FILE.csv`: departments and units from a CSV file, all or nothing, idempotent."""
import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.org.models import Department, Unit
from tests.conftest import table_snapshot

GOOD = """förvaltning;enhet;typ
Bildningsförvaltningen;Ekbackens skola;skola
Bildningsförvaltningen;Förskolan Myran;Förskola
Bildningsförvaltningen;Centrala elevhälsan;elevhälsa
Socialförvaltningen;Mottagningsgruppen barn och unga;Socialtjänstens enhet
Kultur- och fritidsförvaltningen;Fritidsgården Navet;fritidsgård
Kultur- och fritidsförvaltningen;Biblioteket;
Miljöförvaltningen;;
"""


@pytest.fixture
def run(app, tmp_path):
    def run(text: str | bytes, name="organisation.csv"):
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return app.test_cli_runner().invoke(args=["org", "import", str(path)])

    return run


def _units() -> dict[str, tuple[str, str]]:
    return {u.name: (u.department.name, u.kind) for u in db.session.scalars(select(Unit))}


def test_a_good_file_creates_departments_and_units_with_kinds(run):
    result = run(GOOD)
    assert result.exit_code == 0, result.output
    assert "Förvaltningar skapade: 4" in result.output and "Enheter skapade: 6" in result.output
    assert "  + Förskolan Myran (Bildningsförvaltningen)" in result.output
    assert sorted(db.session.scalars(select(Department.name))) == [
        "Bildningsförvaltningen", "Kultur- och fritidsförvaltningen", "Miljöförvaltningen", "Socialförvaltningen"]
    assert _units() == {
        "Ekbackens skola": ("Bildningsförvaltningen", "skola"),
        "Förskolan Myran": ("Bildningsförvaltningen", "forskola"),
        "Centrala elevhälsan": ("Bildningsförvaltningen", "elevhalsa"),
        "Mottagningsgruppen barn och unga": ("Socialförvaltningen", "socialtjanst"),
        "Fritidsgården Navet": ("Kultur- och fritidsförvaltningen", "fritidsgard"),
        "Biblioteket": ("Kultur- och fritidsförvaltningen", "annan"),
    }
    actors = set(db.session.scalars(select(AuditEvent.actor_label)))
    assert actors == {"kommandorad"}


def test_importing_the_same_file_again_changes_nothing(run):
    run(GOOD)
    before = table_snapshot()
    result = run(GOOD)
    assert result.exit_code == 0
    assert "Förvaltningar skapade: 0" in result.output and "Enheter skapade: 0" in result.output
    assert "Enheter som redan fanns: 6" in result.output
    assert table_snapshot() == before


def test_a_later_file_adds_only_what_is_new(run, organisation):
    result = run("förvaltning,enhet,typ\nBildningsförvaltningen,Ekbackens skola,skola\n"
                 "Bildningsförvaltningen,Tallbergets skola,skola\n")
    assert result.exit_code == 0
    assert "Enheter skapade: 1" in result.output and "Enheter som redan fanns: 1" in result.output
    assert db.session.scalar(select(Unit).where(Unit.name == "Tallbergets skola")).department.name == \
        "Bildningsförvaltningen"


def test_a_unit_written_in_another_case_is_the_one_that_exists(run, organisation):
    before = table_snapshot()
    result = run("förvaltning,enhet,typ\nBildningsförvaltningen,EKBACKENS SKOLA,skola\n"
                 "Bildningsförvaltningen,sjöängsskolan,skola\n")
    assert result.exit_code == 0, result.output
    assert "Enheter skapade: 0" in result.output and "Enheter som redan fanns: 2" in result.output
    assert table_snapshot() == before


@pytest.mark.parametrize("text", [
    "\ufeffförvaltning,enhet,typ\nSocialförvaltningen,Familjeteamet,socialtjanst\n",        # Excel's BOM
    "Förvaltning\tEnhet\tTyp\nSocialförvaltningen\tFamiljeteamet\tsocialtjanst\n",           # tabs
    "department;unit;kind\nSocialförvaltningen;Familjeteamet;socialtjanst\n",               # English headings
    'förvaltning,enhet,typ\r\n"Socialförvaltningen","Familjeteamet",socialtjanst\r\n',      # quotes, CRLF
    "förvaltning;enhet;typ\n\n  Socialförvaltningen ; Familjeteamet ;  socialtjanst \n\n",  # blanks, spaces
])
def test_common_spreadsheet_exports_are_understood(run, text):
    result = run(text)
    assert result.exit_code == 0, result.output
    assert _units() == {"Familjeteamet": ("Socialförvaltningen", "socialtjanst")}


def test_a_comma_inside_quotes_stays_in_the_name(run):
    result = run('förvaltning,enhet,typ\nBildningsförvaltningen,"Skolan, den nya",skola\n')
    assert result.exit_code == 0
    assert "Skolan, den nya" in _units()


@pytest.mark.parametrize("text, message", [
    ("", "Filen är tom."),
    ("\n\n  \n", "Filen är tom."),
    ("enhet;typ\nEkbackens skola;skola\n", "Rubrikraden måste ha kolumnen ”förvaltning”"),
    ("Bildningsförvaltningen;Ekbackens skola;skola\n", "Rubrikraden måste ha kolumnen ”förvaltning”"),
    ("förvaltning;enhet;typ\nA;B;skola\nA;C;rymdskepp\n", "Rad 3: okänd enhetstyp ”rymdskepp”"),
    ("förvaltning;enhet;typ\n;Ekbackens skola;skola\n", "Rad 2: Ange ett namn på förvaltningen."),
    ("förvaltning;enhet;typ\nA;" + "B" * 201 + ";skola\n", "Rad 2: Namnet på enheten får vara högst 200 tecken."),
    ("förvaltning;enhet;typ\nA;Skola\x07;skola\n", "Rad 2: Namnet innehåller otillåtna tecken."),
    ("förvaltning;enhet;typ\nÅÄÖ förvaltning;;\nAAO förvaltning;;\n", "Rad 3: Det finns redan en förvaltning som heter ”ÅÄÖ förvaltning”."),
    ('förvaltning,enhet,typ\n"Bildningsförvaltningen,Ekbackens skola,skola\n', "Filen är inte giltig CSV"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5\x9f", "filen är inte UTF-8"),  # an .xlsx file
    ("förvaltning;enhet\nBildningsförvaltningen;Ekbäcken\n".encode("cp1252"), "filen är inte UTF-8"),
])
def test_a_malformed_file_is_refused_with_a_message_and_nothing_is_imported(run, text, message):
    before = table_snapshot()
    result = run(text)
    assert result.exit_code == 1
    assert message in result.output
    assert "Ingenting importerades." in result.output or "UTF-8" in result.output
    assert "Traceback" not in result.output
    assert table_snapshot() == before


def test_a_bad_row_late_in_the_file_leaves_no_earlier_row_behind(run):
    before = table_snapshot()
    result = run(GOOD + "Bildningsförvaltningen;Sista skolan;slott\n")
    assert result.exit_code == 1 and "Rad 9:" in result.output
    assert table_snapshot() == before


def test_a_missing_file_is_reported(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["org", "import", str(tmp_path / "finns-inte.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output or "finns inte" in result.output
