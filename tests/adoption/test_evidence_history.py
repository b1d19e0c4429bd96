"""Evidence at a date (per-datum page and exports with ?datum=) uses what was true on that date: the
"gäller för" of the version in force then, and the units that existed and were active then."""
import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select

from portal import clock
from portal.adoption import services
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.models import Revision
from portal.org import services as org
from portal.org.models import Unit, UnitActivation

NOW = datetime.utcnow()
LONG_AGO = NOW - timedelta(days=90)
THEN = (NOW - timedelta(days=30)).date()   # the day asked about


def _republish_applying_to(system, document, departments, days_ago):
    meta = dict(handbook.latest_revision(document).meta, applies_to=departments)
    revision = handbook.save_draft(system, document, base_number=document.latest_number, title=document.title,
                                   body=handbook.latest_revision(document).body + "\nÄndrad.\n", meta=meta)
    handbook.publish(document, revision, system, "Gäller för ändrat", True)
    db.session.execute(Revision.__table__.update().where(Revision.id == revision.id)
                       .values(published_at=NOW - timedelta(days=days_ago)))
    db.session.commit()


def _since_long_ago():
    """Everything the fixtures made exists from 90 days ago, version 1 published then."""
    db.session.execute(Unit.__table__.update().values(created_at=LONG_AGO))
    db.session.execute(Revision.__table__.update().where(Revision.number == 1).values(published_at=LONG_AGO))
    db.session.commit()


def _page_units(client, day):
    page = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={day}").get_data(as_text=True)
    return {name for name in ("Ekbackens skola", "Sjöängsskolan", "Mottagningsgruppen")
            if f"<td>{name}</td>" in page}


def _export_units(client, day):
    raw = client.get(f"/inforande/export.csv?datum={day}").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    return {row[rows[0].index("Enhet")] for row in rows[1:]}


def test_a_department_added_later_is_not_in_the_evidence_before(client, login_as, routine, system, organisation):
    _since_long_ago()
    _republish_applying_to(system, routine, ["Bildningsförvaltningen", "Socialförvaltningen"], days_ago=10)
    login_as("admin")
    assert _page_units(client, THEN) == {"Ekbackens skola", "Sjöängsskolan"}
    assert _export_units(client, THEN) == {"Ekbackens skola", "Sjöängsskolan"}
    assert _page_units(client, clock.today()) == {"Ekbackens skola", "Sjöängsskolan", "Mottagningsgruppen"}


def test_a_department_removed_later_is_still_in_the_evidence_before(client, login_as, routine, system,
                                                                    organisation):
    _since_long_ago()
    _republish_applying_to(system, routine, ["Socialförvaltningen"], days_ago=10)
    login_as("admin")
    assert _page_units(client, THEN) == {"Ekbackens skola", "Sjöängsskolan"}
    assert _export_units(client, THEN) == {"Ekbackens skola", "Sjöängsskolan"}
    assert _page_units(client, clock.today()) == {"Mottagningsgruppen"}


def test_a_unit_deactivated_since_is_in_the_evidence_before(client, login_as, routine, organisation):
    _since_long_ago()
    school = organisation["other_school"]
    org.update_unit("test", school, name=school.name, kind=school.kind, active=False)
    db.session.execute(UnitActivation.__table__.update().values(at=NOW - timedelta(days=5)))
    db.session.commit()
    login_as("admin")
    assert _page_units(client, THEN) == {"Ekbackens skola", "Sjöängsskolan"}
    assert _export_units(client, THEN) == {"Ekbackens skola", "Sjöängsskolan"}
    assert _page_units(client, clock.today()) == {"Ekbackens skola"}


def test_a_unit_inactive_then_and_active_now_is_not_in_the_evidence_before(client, login_as, routine,
                                                                           organisation):
    _since_long_ago()
    school = organisation["other_school"]
    org.update_unit("test", school, name=school.name, kind=school.kind, active=False)
    org.update_unit("test", school, name=school.name, kind=school.kind, active=True)
    off, on = db.session.scalars(select(UnitActivation).order_by(UnitActivation.id)).all()
    off.at, on.at = NOW - timedelta(days=60), NOW - timedelta(days=5)
    db.session.commit()
    login_as("admin")
    assert _page_units(client, THEN) == {"Ekbackens skola"}
    assert _page_units(client, clock.today()) == {"Ekbackens skola", "Sjöängsskolan"}


def test_a_unit_created_since_is_not_in_the_evidence_before(client, login_as, routine, organisation):
    _since_long_ago()
    org.create_unit("test", organisation["school_dept"], "Nya skolan", "skola")
    admin = login_as("admin")
    evidence = services.evidence_at(admin, routine, THEN)
    assert "Nya skolan" not in {row.unit.name for row in evidence.rows}
    evidence = services.evidence_at(admin, routine, clock.today())
    assert "Nya skolan" in {row.unit.name for row in evidence.rows}


def test_before_the_first_version_no_unit_had_anything_to_adopt(client, login_as, routine, organisation):
    _since_long_ago()
    login_as("admin")
    day = (LONG_AGO - timedelta(days=1)).date()
    page = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={day}").get_data(as_text=True)
    assert "fanns ingen publicerad version" in page and "<td>Ekbackens skola</td>" not in page
    assert _export_units(client, day) == set()


def test_changing_a_units_active_state_is_recorded_with_the_change(app, organisation):
    school = organisation["school"]
    org.update_unit("test", school, name="Ekbacken", kind=school.kind, active=True)  # a rename only
    assert db.session.scalars(select(UnitActivation)).all() == []
    org.update_unit("test", school, name="Ekbacken", kind=school.kind, active=False)
    assert [(a.unit_id, a.active) for a in db.session.scalars(select(UnitActivation))] == [(school.id, False)]


def test_an_archived_routine_still_has_its_evidence_before_the_archiving(client, login_as, routine, system,
                                                                        organisation):
    # An inspection asks about a date when the routine was in force, even after it was archived.
    _since_long_ago()
    handbook.set_archived(system, routine, True)
    routine.archived_at = NOW - timedelta(days=10)
    db.session.commit()
    login_as("admin")
    assert client.get("/inforande/rutin/orosanmalan").status_code == 404  # no longer followed up
    page = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={THEN}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rutinen arkiverades" in text and "gällde <a" in text
    assert 'href="/handbok/orosanmalan/historik"' in text  # back to what is left of it, not its follow-up
    assert 'href="/inforande/rutin/orosanmalan"' not in text
    assert _page_units(client, THEN) == {"Ekbackens skola", "Sjöängsskolan"}
    assert _export_units(client, THEN) == {"Ekbackens skola", "Sjöängsskolan"}
    # After the archiving nothing was in force, and nobody was expected to confirm.
    after = client.get(f"/inforande/rutin/orosanmalan/per-datum?datum={clock.today()}").get_data(as_text=True)
    assert "var rutinen arkiverad och gällde inte" in after
    assert _page_units(client, clock.today()) == set()
    # The history page of the archived routine leads there.
    history = client.get("/handbok/orosanmalan/historik").get_data(as_text=True)
    assert "/inforande/rutin/orosanmalan/per-datum" in history
    assert client.post("/logga-ut").status_code == 302
    login_as("reader")  # follows up nothing: no link to it
    assert client.get("/handbok/orosanmalan/historik").status_code == 200
    assert "/per-datum" not in client.get("/handbok/orosanmalan/historik").get_data(as_text=True)


def test_the_evidence_page_of_a_routine_followed_up_now_leads_back_to_its_follow_up(client, login_as, routine):
    login_as("admin")
    text = client.get("/inforande/rutin/orosanmalan/per-datum").get_data(as_text=True)
    assert 'href="/inforande/rutin/orosanmalan"' in text and "Rutinen arkiverades" not in text
    assert "/per-datum" in client.get("/handbok/orosanmalan/historik").get_data(as_text=True)


def test_evidence_is_not_found_for_a_routine_never_published_or_a_section(client, login_as, system,
                                                                         organisation):
    department = organisation["school_dept"]
    handbook.create_document(system, slug="utkast-rutin", title="Utkast", kind="routine", department=department,
                             meta={"applies_to": [department.name]})
    section = handbook.create_document(system, slug="ett-avsnitt", title="Avsnitt", kind="section",
                                       department=department)
    handbook.publish(section, handbook.latest_revision(section), system, "Första", False)
    db.session.commit()
    login_as("admin")
    assert client.get("/handbok/ett-avsnitt").status_code == 200
    assert client.get("/inforande/rutin/utkast-rutin/per-datum").status_code == 404
    assert client.get("/inforande/rutin/ett-avsnitt/per-datum").status_code == 404
    assert client.get("/inforande/rutin/finns-inte/per-datum").status_code == 404
