"""Small things of the administration pages: names are stored single-spaced, the unit page leads
back to the organisation, and the text inputs announce the length their rule allows."""
import re

import pytest
from sqlalchemy import select

from portal.auth.models import User
from portal.extensions import db
from portal.org.models import Department, Unit
from tests.admin.conftest import field_error
from tests.conftest import table_snapshot


def test_a_new_persons_name_and_title_are_stored_single_spaced(client, admin):
    response = client.post("/admin/anvandare/ny", data={"email": "ny@test.se", "name": "  Ny  \u00a0 Person ",
                                                         "title": "Biträdande   rektor", "unit": "0",
                                                         "password": "ett-startlosenord"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ny@test.se"))
    assert (user.name, user.title) == ("Ny Person", "Biträdande rektor")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h1>Ny Person</h1>" in page


def test_a_changed_name_is_stored_single_spaced(client, admin, make_user):
    person = make_user("reader")
    client.post(f"/admin/anvandare/{person.id}/profil",
                data={"profil-name": "Lo   Läsarsson", "profil-title": " Lärare  i  svenska ",
                      "profil-unit": str(person.unit_id)})
    user = db.session.get(User, person.id)
    assert (user.name, user.title) == ("Lo Läsarsson", "Lärare i svenska")


def test_a_name_with_a_tab_is_still_refused(client, admin, make_user):
    person = make_user("reader")
    before = table_snapshot()
    response = client.post(f"/admin/anvandare/{person.id}/profil",
                           data={"profil-name": "Lo\tLäsarsson", "profil-title": "",
                                 "profil-unit": str(person.unit_id)})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "profil-name") == \
        "Texten innehåller otillåtna tecken (styrtecken)."
    assert table_snapshot() == before


def test_department_and_unit_names_are_stored_single_spaced(client, admin, organisation):
    client.post("/admin/organisation", data={"forvaltning-name": "Miljö-  och   byggförvaltningen"})
    assert db.session.scalar(select(Department.name).where(Department.code == "miljo-och-byggforvaltningen")) == \
        "Miljö- och byggförvaltningen"
    school = organisation["school"]
    client.post(f"/admin/organisation/enhet/{school.id}", data={"name": "Ekbackens   skola  F–6", "kind": "skola",
                                                                 "active": "y"})
    assert db.session.get(Unit, school.id).name == "Ekbackens skola F–6"


def test_the_unit_page_leads_back_to_the_organisation(client, admin, organisation):
    page = client.get(f"/admin/organisation/enhet/{organisation['school'].id}").get_data(as_text=True)
    assert '<p><a href="/admin/organisation">← Tillbaka till organisationen</a></p>' in page


@pytest.mark.parametrize("path", ["/admin/anvandare/ny", "/admin/organisation", "/admin/anvandare", "/admin/logg"])
def test_text_inputs_announce_their_length_limit(client, admin, organisation, path):
    page = client.get(path).get_data(as_text=True)
    inputs = re.findall(r'<input[^>]*type="(?:text|email)"[^>]*>', page)
    assert inputs and all(re.search(r'maxlength="(200|254)"', i) for i in inputs), inputs
