"""The follow-up exports (/inforande/export.csv|xlsx, today and at a date): what users typed is
never run as a formula, numbers and dates keep their types, the columns say what they hold."""
import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from portal import clock
from portal.extensions import db
from tests.adoption.helpers import tick

ATTACK = '=HYPERLINK("http://evil";"klicka") och mer text'


def _tick(client, unit, index, done=True, comment=""):
    return tick(client, unit, index, done=done, comment=comment)


def _confirm(client, unit, reason=""):
    return client.post(f"/min-enhet/{unit.id}/orosanmalan/bekrafta", data={"revision": "1", "reason": reason})


def _csv_row(client, query, unit_name="Ekbackens skola"):
    rows = list(csv.reader(io.StringIO(client.get(f"/inforande/export.csv{query}").get_data()
                                       .decode("utf-8-sig")), delimiter=";"))
    return dict(zip(rows[0], next(r for r in rows[1:] if unit_name in r)))


def _xlsx_row(client, query, unit_name="Ekbackens skola"):
    sheet = load_workbook(io.BytesIO(client.get(f"/inforande/export.xlsx{query}").get_data())).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("Enhet")].value == unit_name)
    return {name: cell for name, cell in zip(header, row)}


@pytest.fixture
def confirmed_with(client, login_as, make_user, login, routine, organisation):
    """The school confirmed with one item left and a reason; then an admin reads the exports."""

    def do(reason):
        login_as("unit_head")
        _tick(client, organisation["school"], 0)
        assert _confirm(client, organisation["school"], reason).status_code == 302
        client.post("/logga-ut")
        login(make_user("admin"))

    return do


@pytest.mark.parametrize("query", ["", "?datum={today}"])
def test_a_formula_in_a_reason_is_text_in_the_xlsx(client, confirmed_with, query):
    confirmed_with(ATTACK)
    cell = _xlsx_row(client, query.format(today=clock.today().isoformat()))["Motivering"]
    assert cell.value == ATTACK and cell.data_type == "s"


@pytest.mark.parametrize("query", ["", "?datum={today}"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_reason_starting_like_a_formula_gets_an_apostrophe_in_the_csv(client, confirmed_with, query, start):
    reason = start + "1+1 cmd|' /C calc'!A0 – ändå införd"
    confirmed_with(reason)
    assert _csv_row(client, query.format(today=clock.today().isoformat()))["Motivering"] == "'" + reason


def test_a_tab_or_carriage_return_at_the_start_is_guarded_in_the_csv():
    # A reason cannot start with either (it is trimmed), so the guard itself is checked here.
    from portal.adoption.services import _csv_cell

    assert _csv_cell("\r=1+1") == "'\r=1+1" and _csv_cell("\t=1+1") == "'\t=1+1"
    assert _csv_cell("Vanlig text") == "Vanlig text" and _csv_cell(3) == 3 and _csv_cell(None) == ""


def test_every_typed_text_cell_of_the_xlsx_is_a_string(client, make_user, login, routine, organisation):
    """Names and titles are typed too: no text cell of the export is ever a formula."""
    head = make_user("unit_head")
    head.name = "=1+2 Rektor"
    db.session.commit()
    login(head)
    _tick(client, organisation["school"], 0)
    _tick(client, organisation["school"], 1)
    _confirm(client, organisation["school"])
    client.post("/logga-ut")
    login(make_user("admin"))
    for query in ("", f"?datum={clock.today().isoformat()}"):
        row = _xlsx_row(client, query)
        assert row["Bekräftad av"].value.startswith("=1+2 Rektor") and row["Bekräftad av"].data_type == "s"
        assert _csv_row(client, query)["Bekräftad av"].startswith("'=1+2 Rektor")
        sheet = load_workbook(io.BytesIO(client.get(f"/inforande/export.xlsx{query}").get_data())).active
        assert not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]


def test_numbers_stay_numbers_and_the_confirmation_day_is_a_date(client, confirmed_with):
    confirmed_with("Blanketten läggs ut nästa vecka")
    today = clock.today()
    row = _xlsx_row(client, "")
    assert row["Gällande version"].value == 1 and row["Bekräftad version"].value == 1
    assert (row["Punkter klara vid bekräftelsen"].value, row["Punkter totalt vid bekräftelsen"].value) == (1, 2)
    assert (row["Punkter klara"].value, row["Punkter totalt"].value) == (1, 2)
    assert row["Bekräftad den"].is_date and row["Bekräftad den"].value == datetime(today.year, today.month, today.day)
    assert _csv_row(client, "")["Bekräftad den"] == today.isoformat()


def test_the_csv_says_its_charset_once(client, login_as, routine):
    login_as("admin")
    assert client.get("/inforande/export.csv").headers["Content-Type"] == "text/csv; charset=utf-8"
