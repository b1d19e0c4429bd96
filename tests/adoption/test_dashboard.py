"""Follow-up: the /inforande matrix, drill-down, deadlines, exports and evidence at a date."""
import csv
import io
import re
from datetime import date, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from portal import clock
from portal.adoption import services
from portal.adoption.models import Confirmation
from portal.extensions import db
from tests.adoption.conftest import ROUTINE_BODY
from tests.adoption.helpers import save_checklist, tick
from tests.conftest import table_snapshot


def _csv_rows(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def _status_row(rows, unit_name):
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("Enhet")] == unit_name)
    return dict(zip(header, row))


def _ticks_and_confirm(client, unit, revision=1, reason=""):
    assert save_checklist(client, unit, {0: True, 1: True}).status_code == 302  # the page's current version
    return client.post(f"/min-enhet/{unit.id}/orosanmalan/bekrafta", data={"revision": str(revision), "reason": reason})


def _matrix_counts(page, department="Bildningsförvaltningen"):
    """The five status counts of the department's row, in column order."""
    row = page.split(f"<td>{department}</td>", 1)[1].split("</tr>", 1)[0]
    return [int(count) for count in re.findall(r'<td class="num"[^>]*>(\d+)(?:<span class="cell-note">[^<]*</span>)?</td>',
                                               row)]


def test_end_to_end_publish_tick_confirm_revise_reconfirm(app, client, make_user, login, routine, organisation,
                                                         republish):
    """Publish → unit heads tick and confirm → dashboard and CSV count it → substantial revision makes it
    stale → reconfirm → back; a minor revision changes nothing."""
    school, other = organisation["school"], organisation["other_school"]
    head = make_user("unit_head", units=[school, other])
    editor = make_user("editor")
    login(head)
    assert _ticks_and_confirm(client, school).status_code == 302
    assert tick(client, other, 0).status_code == 302

    client.post("/logga-ut")
    login(editor)
    page = client.get("/inforande").get_data(as_text=True)
    # införd, pågår, ej påbörjad, behöver bekräftas igen, försenad
    assert _matrix_counts(page) == [1, 1, 0, 0, 0]
    rows = _csv_rows(client.get("/inforande/export.csv"))
    assert _status_row(rows, "Ekbackens skola")["Status"] == "Införd"
    assert _status_row(rows, "Ekbackens skola")["Bekräftad version"] == "1"
    assert _status_row(rows, "Sjöängsskolan")["Status"] == "Pågår"
    assert _status_row(rows, "Sjöängsskolan")["Punkter klara"] == "1"

    republish(routine, ROUTINE_BODY.replace("Anmäl genast", "Anmäl samma dag"), substantial=True)
    assert _matrix_counts(client.get("/inforande").get_data(as_text=True)) == [0, 1, 0, 1, 0]
    assert "Behöver bekräftas igen" in client.get("/inforande?visa=inaktuella").get_data(as_text=True)
    rows = _csv_rows(client.get("/inforande/export.csv"))
    assert _status_row(rows, "Ekbackens skola")["Status"] == "Behöver bekräftas igen"

    client.post("/logga-ut")
    login(head)
    assert client.post(f"/min-enhet/{school.id}/orosanmalan/bekrafta", data={"revision": "2"}).status_code == 302
    client.post("/logga-ut")
    login(editor)
    assert _matrix_counts(client.get("/inforande").get_data(as_text=True)) == [1, 1, 0, 0, 0]

    before = [c.id for c in db.session.scalars(select(Confirmation))]
    republish(routine, ROUTINE_BODY.replace("Anmäl genast", "Anmäl samma dag").replace("Att alla", "Att var och en"),
              substantial=False)
    assert _matrix_counts(client.get("/inforande").get_data(as_text=True)) == [1, 1, 0, 0, 0]
    assert [c.id for c in db.session.scalars(select(Confirmation))] == before
    rows = _csv_rows(client.get("/inforande/export.csv"))
    assert _status_row(rows, "Ekbackens skola")["Gällande version"] == "3"
    assert _status_row(rows, "Ekbackens skola")["Bekräftad version"] == "2"


def test_deadline_flags_overdue_units(client, login_as, routine, organisation):
    login_as("editor")
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    assert client.post("/inforande/rutin/orosanmalan", data={"deadline": yesterday}).status_code == 302
    assert services.deadline_of(routine) == date.fromisoformat(yesterday)
    page = client.get("/inforande/rutin/orosanmalan?visa=forsenade").get_data(as_text=True)
    assert "Ekbackens skola" in page and "Sjöängsskolan" in page and "Försenad" in page
    assert _matrix_counts(client.get("/inforande").get_data(as_text=True)) == [0, 0, 0, 0, 2]


def test_deadline_bad_input_and_permissions(client, login_as, make_user, login, routine, organisation):
    login_as("editor", departments=[organisation["school_dept"]])  # the routine is owned by Socialförvaltningen
    before = table_snapshot()
    assert client.post("/inforande/rutin/orosanmalan", data={"deadline": "2027-01-01"}).status_code == 403
    assert table_snapshot() == before
    client.post("/logga-ut")
    login(make_user("editor"))
    before = table_snapshot()
    response = client.post("/inforande/rutin/orosanmalan", data={"deadline": "imorgon"})
    assert response.status_code == 400 and "Ange ett datum som ÅÅÅÅ-MM-DD" in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_unit_head_sees_own_departments_rows_only(client, login_as, routine, organisation, make_document):
    make_document("socialrutin", "Socialrutin", meta={"applies_to": ["Socialförvaltningen"]})
    login_as("unit_head")
    page = client.get("/inforande").get_data(as_text=True)
    assert "Orosanmälan – när och hur" in page and "Socialrutin" not in page
    rows = _csv_rows(client.get("/inforande/export.csv"))
    assert {r[4] for r in rows[1:]} == {"Ekbackens skola", "Sjöängsskolan"}


def test_reader_sees_own_unit_only(client, login_as, routine, organisation):
    login_as("reader")  # works at Ekbackens skola
    overview = client.get("/inforande")  # the overview's address leads to their own unit's page
    assert overview.status_code == 302
    assert overview.headers["Location"] == f"/inforande/enhet/{organisation['school'].id}"
    assert client.get("/inforande/export.csv").status_code == 403
    page = client.get(f"/inforande/enhet/{organisation['school'].id}").get_data(as_text=True)
    assert "Orosanmälan – när och hur" in page and "Ej påbörjad" in page
    assert client.get(f"/inforande/enhet/{organisation['other_school'].id}").status_code == 403


def test_a_reader_without_a_unit_may_not_see_the_overview(client, login_as, routine, organisation, make_user):
    from portal.auth import services as accounts
    user = login_as("reader")
    accounts.update_profile("test", user, name=user.name, title="", unit=None)
    assert client.get("/inforande").status_code == 403


def test_xlsx_export_has_one_row_per_routine_and_unit(client, login_as, routine, organisation):
    login_as("admin")
    response = client.get("/inforande/export.xlsx")
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Rutin", "Adress", "Gällande version", "Förvaltning", "Enhet", "Status")
    assert sorted(r[4] for r in rows[1:]) == ["Ekbackens skola", "Sjöängsskolan"]
    assert {r[5] for r in rows[1:]} == {"Ej påbörjad"}


def test_evidence_at_a_date_shows_version_in_force_and_confirmations(client, login_as, make_user, login, routine,
                                                                    organisation, republish):
    school = organisation["school"]
    login_as("unit_head")
    _ticks_and_confirm(client, school)
    confirmation = db.session.scalar(select(Confirmation))
    # Backdate what happened so the dates differ: published and confirmed last month.
    routine.current_revision.__class__  # noqa: B018
    last_month = datetime.now() - timedelta(days=30)
    db.session.execute(Confirmation.__table__.update().values(confirmed_at=last_month))
    from portal.handbook.models import Revision
    db.session.execute(Revision.__table__.update().where(Revision.number == 1).values(published_at=last_month - timedelta(days=1)))
    from portal.org.models import Unit
    db.session.execute(Unit.__table__.update().values(created_at=last_month - timedelta(days=2)))  # units existed then
    db.session.commit()
    republish(routine, ROUTINE_BODY + "\nNytt stycke.\n", substantial=True)
    client.post("/logga-ut")
    login(make_user("admin"))
    earlier = (last_month + timedelta(days=1)).date().isoformat()
    page = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={earlier}").get_data(as_text=True)
    assert f"Den {earlier} gällde" in page and "version 1</a>" in page
    assert "<td>Ekbackens skola</td><td>Införd</td>" in page
    assert "<td>Sjöängsskolan</td><td>Ej bekräftad</td>" in page
    today = clock.today().isoformat()
    page = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={today}").get_data(as_text=True)
    assert "version 2</a>" in page and "<td>Ekbackens skola</td><td>Behöver bekräftas igen</td>" in page
    rows = _csv_rows(client.get(f"/inforande/export.csv?datum={earlier}"))
    assert _status_row(rows, "Ekbackens skola")["Status"] == "Införd"
    assert _status_row(rows, "Ekbackens skola")["Gällande version"] == "1"
    assert confirmation.revision_number == 1


def test_evidence_and_export_refuse_bad_dates(client, login_as, routine):
    login_as("admin")
    for value in ("", "igår", "2026-02-30", "9" * 40):
        response = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={value}")
        assert response.status_code == 400, value
    response = client.get("/inforande/export.csv?datum=igår")
    assert response.status_code == 400 and "ÅÅÅÅ-MM-DD" in response.get_data(as_text=True)


def test_evidence_without_a_date_shows_today(client, login_as, routine):
    login_as("admin")
    response = client.get("/inforande/rutin/orosanmalan/per-datum")
    page = response.get_data(as_text=True)
    today = clock.today().isoformat()
    assert response.status_code == 200
    assert f'value="{today}"' in page and f"Den {today} gällde" in page


def test_old_addresses_of_a_renamed_routine_lead_to_the_new_ones(client, login_as, make_user, login, routine,
                                                                  organisation, system):
    from portal.handbook import services as handbook

    handbook.rename_slug(system, routine, "anmal-oro")
    school = organisation["school"]
    login(make_user("unit_head", units=[school]))
    for old, new in ((f"/min-enhet/{school.id}/orosanmalan", f"/min-enhet/{school.id}/anmal-oro"),
                     ("/inforande/rutin/orosanmalan/per-datum?datum=2026-01-01",
                      "/inforande/rutin/anmal-oro/per-datum?datum=2026-01-01")):
        response = client.get(old)
        assert response.status_code == 301 and response.headers["Location"] == new, old
        assert client.get(new).status_code == 200, new
    assert client.get("/inforande/rutin/finns-inte").status_code == 404


def test_the_overview_counts_confirmed_units_with_fewer_items_done_than_when_they_confirmed(
        client, make_user, login, routine, organisation):
    school, other = organisation["school"], organisation["other_school"]
    head, editor = make_user("unit_head", units=[school, other]), make_user("editor")
    login(head)
    assert _ticks_and_confirm(client, school).status_code == 302
    assert _ticks_and_confirm(client, other).status_code == 302
    assert save_checklist(client, school, {1: False}).status_code == 302  # unticked after the confirmation
    client.post("/logga-ut")
    login(editor)
    page = client.get("/inforande").get_data(as_text=True)
    assert _matrix_counts(page) == [2, 0, 0, 0, 0]  # both still count as adopted
    assert '<span class="cell-note">varav 1 med färre punkter klara än vid bekräftelsen</span>' in page
    client.post("/logga-ut")
    login(head)
    assert save_checklist(client, school, {1: True}).status_code == 302
    client.post("/logga-ut")
    login(editor)
    assert "cell-note" not in client.get("/inforande").get_data(as_text=True)
