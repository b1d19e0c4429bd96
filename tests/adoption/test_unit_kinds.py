""""Gäller för enhetstyper": a routine that names unit types applies only to units of those types in its
departments, on /min-enhet, the start page's to-do, the dashboards, the exports, the API and the
evidence at a date; a routine without types applies to every unit of its departments, as before."""
import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest

from portal import clock
from portal.adoption import services
from portal.api import services as api
from portal.extensions import db
from portal.handbook import services as handbook
from portal.handbook.models import Document, Revision
from portal.org import services as org
from portal.policy import SystemActor
from tests.conftest import table_snapshot
from tests.adoption.test_evidence_history import THEN, _since_long_ago

PRESCHOOL_ONLY = {"decided_by": "Förvaltningschef", "applies_to": ["Bildningsförvaltningen"],
                  "unit_kinds": ["forskola"]}
EVERY_KIND = {"decided_by": "Förvaltningschef", "applies_to": ["Bildningsförvaltningen"]}
TITLE = "Skyddsbedömning i förskolan"


@pytest.fixture
def preschool(organisation):
    return org.create_unit("test", organisation["school_dept"], "Förskolan Solrosen", "forskola")


def _routine(make_document, meta):
    return make_document(slug="skyddsbedomning", title=TITLE, meta=meta)


def _export_units(client, query=""):
    raw = client.get(f"/inforande/export.csv{query}").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    return {row[rows[0].index("Enhet")] for row in rows[1:] if row[rows[0].index("Rutin")] == TITLE}


def _dashboard_count(page, status):
    """The dashboard's count of units in `status` for the routine's only department row."""
    row = re.search(rf"{TITLE}</a></th>.*?</tr>", page, re.S).group(0)
    return int(re.search(rf'data-status="{status}">(\d+)<', row).group(1))


def test_a_preschool_routine_is_not_on_a_schools_my_unit_page(client, login_as, make_document, organisation,
                                                            preschool):
    _routine(make_document, PRESCHOOL_ONLY)
    login_as("unit_head")  # heads Ekbackens skola
    page = client.get("/min-enhet").get_data(as_text=True)
    assert "Min enhet: Ekbackens skola" in page and TITLE not in page
    assert client.get(f"/min-enhet/{organisation['school'].id}/skyddsbedomning").status_code == 403
    before = table_snapshot()
    response = client.post(f"/min-enhet/{organisation['school'].id}/skyddsbedomning/bekrafta",
                           data={"revision": "1", "reason": "Vi gör detta redan i skolan"})
    assert response.status_code == 404 and table_snapshot() == before


def test_a_preschool_routine_is_on_the_preschools_my_unit_page(client, login_as, make_document, preschool):
    _routine(make_document, PRESCHOOL_ONLY)
    login_as("unit_head", units=[preschool], unit=preschool)
    page = client.get("/min-enhet").get_data(as_text=True)
    assert "Min enhet: Förskolan Solrosen" in page and TITLE in page and "Ej påbörjad" in page


def test_the_dashboard_exports_and_api_count_only_the_preschool(client, login_as, make_document, make_user,
                                                               preschool):
    document = _routine(make_document, PRESCHOOL_ONLY)
    login_as("admin")
    page = client.get("/inforande").get_data(as_text=True)
    assert _dashboard_count(page, "not_started") == 1
    units_page = client.get("/inforande/rutin/skyddsbedomning").get_data(as_text=True)
    assert "Förskolan Solrosen" in units_page and "Ekbackens skola" not in units_page
    assert "enhetstyper: förskola" in units_page
    assert _export_units(client) == {"Förskolan Solrosen"}
    admin = make_user("admin")
    assert [r["unit"] for r in api.adoption_rows(admin, document)] == ["Förskolan Solrosen"]
    assert client.get("/api/v1/adoption?routine=skyddsbedomning").get_json()["adoption"][0]["unit"] == \
        "Förskolan Solrosen"
    assert len(client.get("/api/v1/adoption?routine=skyddsbedomning").get_json()["adoption"]) == 1
    metadata = client.get("/api/v1/documents/skyddsbedomning/revisions/1").get_json()["metadata"]
    assert metadata["unit_kinds"] == ["forskola"]


def test_an_overdue_preschool_routine_is_only_in_the_preschools_to_do(client, login_as, make_document, make_user,
                                                                     login, organisation, preschool):
    document = _routine(make_document, PRESCHOOL_ONLY)
    services.set_deadline(SystemActor("test"), document, clock.today() - timedelta(days=1))
    login_as("unit_head")
    assert "Att göra för dina enheter" not in client.get("/").get_data(as_text=True)
    client.post("/logga-ut")
    login(make_user("unit_head", units=[preschool], unit=preschool))
    page = client.get("/").get_data(as_text=True)
    todo = re.search(r'<section class="todo".*?</section>', page, re.S).group(0)
    assert TITLE in todo and "Förskolan Solrosen: <strong>försenad</strong>" in todo


def test_a_routine_without_types_applies_to_every_unit_of_its_departments(client, login_as, make_document,
                                                                         preschool):
    _routine(make_document, EVERY_KIND)
    login_as("admin")
    assert _dashboard_count(client.get("/inforande").get_data(as_text=True), "not_started") == 3
    assert _export_units(client) == {"Förskolan Solrosen", "Ekbackens skola", "Sjöängsskolan"}


def _republish_with(system, document, changes: dict, days_ago: int):
    latest = handbook.latest_revision(document)
    revision = handbook.save_draft(system, document, base_number=latest.number, title=latest.title,
                                   body=latest.body + "\nÄndrad.\n", meta={**latest.meta, **changes})
    handbook.publish(document, revision, system, "Enhetstyper ändrade", True)
    db.session.execute(Revision.__table__.update().where(Revision.id == revision.id)
                       .values(published_at=datetime.utcnow() - timedelta(days=days_ago)))
    db.session.commit()


def _evidence_units(client, day):
    page = client.get(f"/inforande/rutin/skyddsbedomning/per-datum?datum={day}").get_data(as_text=True)
    return {name for name in ("Ekbackens skola", "Sjöängsskolan", "Förskolan Solrosen") if f"<td>{name}</td>" in page}


def _export_units_at(client, day: date):
    raw = client.get(f"/inforande/export.csv?datum={day}").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    return {row[rows[0].index("Enhet")] for row in rows[1:]}


@pytest.mark.parametrize("before,after", [(EVERY_KIND, PRESCHOOL_ONLY), (PRESCHOOL_ONLY, EVERY_KIND)],
                         ids=["narrowed-later", "widened-later"])
def test_the_evidence_at_a_date_uses_the_types_of_the_version_in_force_then(client, login_as, system,
                                                                           make_document, preschool, before, after):
    routine = _routine(make_document, before)
    _since_long_ago()  # every unit and version 1 from 90 days ago
    _republish_with(system, db.session.get(Document, routine.id), {"unit_kinds": after.get("unit_kinds", [])},
                    days_ago=10)
    login_as("admin")
    every = {"Ekbackens skola", "Sjöängsskolan", "Förskolan Solrosen"}
    then, now = (every, {"Förskolan Solrosen"}) if before is EVERY_KIND else ({"Förskolan Solrosen"}, every)
    assert _evidence_units(client, THEN) == then
    assert _export_units_at(client, THEN) == then
    assert _evidence_units(client, clock.today()) == now
    assert _export_units_at(client, clock.today()) == now
