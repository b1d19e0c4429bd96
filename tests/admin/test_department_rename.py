"""Renaming a department on /admin/organisation: validation, the log, and everything that names
departments keeps working afterwards (adoption, the edit form, drafts, search, innehall/ export
and import of files that still use the old name)."""
import csv
import io
import re

import pytest
from sqlalchemy import func, select

from portal.adoption import services as adoption
from portal.audit import AuditEvent
from portal.content import services as content
from portal.extensions import db
from portal.handbook.models import DocumentChange
from portal.handbook import services as handbook
from portal.org import services as org
from portal.org.models import Department, DepartmentFormerName
from tests.admin.conftest import field_error, flash_messages
from tests.adoption.conftest import META
from tests.conftest import table_snapshot
from tests.handbook.conftest import make_document, system  # noqa: F401  (fixtures)

NEW_NAME = "Utbildningsförvaltningen"


def _url(department) -> str:
    return f"/admin/organisation/forvaltning/{department.id}"


def _rename(client, department, name=NEW_NAME):
    return client.post(_url(department), data={"name": name})


def test_organisation_page_links_to_renaming_each_department(client, admin, organisation):
    page = client.get("/admin/organisation").get_data(as_text=True)
    assert f'<a href="{_url(organisation["school_dept"])}">Byt namn på Bildningsförvaltningen</a>' in page
    form = client.get(_url(organisation["school_dept"])).get_data(as_text=True)
    assert 'value="Bildningsförvaltningen"' in form and "Byt namn" in form


def test_admin_renames_a_department_and_the_log_has_before_and_after(client, admin, organisation):
    school_dept = organisation["school_dept"]
    response = _rename(client, school_dept, f"  {NEW_NAME} ")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/organisation"
    page = client.get("/admin/organisation").get_data(as_text=True)
    assert ("success", f"Bildningsförvaltningen heter nu {NEW_NAME}.") in flash_messages(page)
    assert f"<h2>{NEW_NAME}</h2>" in page and "<h2>Bildningsförvaltningen</h2>" not in page
    department = db.session.get(Department, school_dept.id)
    assert (department.name, department.code) == (NEW_NAME, "bildningsforvaltningen")  # the code stays
    assert [f.name for f in department.former_names] == ["Bildningsförvaltningen"]
    assert [u.name for u in department.units] == ["Ekbackens skola", "Sjöängsskolan"]
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "department.updated"))
    assert (event.actor_id, event.target_type, event.target_id) == (admin.id, "department", school_dept.id)
    assert event.summary == f"Namn: Bildningsförvaltningen → {NEW_NAME}"
    assert "Tidigare namn: Bildningsförvaltningen." in client.get(_url(school_dept)).get_data(as_text=True)


@pytest.mark.parametrize("name, message", [
    ("", "Ange ett namn."),
    ("   ", "Ange ett namn."),
    ("N" * 201, "Högst 200 tecken."),
    ("Bildning\x07", "Namnet innehåller otillåtna tecken."),
    ("Bildning\x1b[31msförvaltningen", "Namnet innehåller otillåtna tecken."),
    ("Bildnings\x7fförvaltningen", "Namnet innehåller otillåtna tecken."),
    ("Socialförvaltningen", "Det finns redan en förvaltning som heter ”Socialförvaltningen”."),
    ("SOCIALFÖRVALTNINGEN", "Det finns redan en förvaltning som heter ”Socialförvaltningen”."),
])
def test_bad_names_are_refused_next_to_the_field_and_nothing_changes(client, admin, organisation, name, message):
    before = table_snapshot()
    response = _rename(client, organisation["school_dept"], name)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name") == message
    assert table_snapshot() == before


def test_another_departments_former_name_cannot_be_taken(client, admin, organisation):
    org.rename_department("test", organisation["social_dept"], "Välfärdsförvaltningen")
    before = table_snapshot()
    response = _rename(client, organisation["school_dept"], "Socialförvaltningen")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name") == (
        "”Socialförvaltningen” är ett tidigare namn på Välfärdsförvaltningen. Dokument och filer som nämner "
        "det namnet hör till Välfärdsförvaltningen, så välj ett annat namn.")
    assert table_snapshot() == before
    # Nor can a new department be created with it.
    response = client.post("/admin/organisation", data={"forvaltning-name": "Socialförvaltningen"})
    assert response.status_code == 400 and "är ett tidigare namn på Välfärdsförvaltningen" in \
        field_error(response.get_data(as_text=True), "forvaltning-name")
    assert table_snapshot() == before


@pytest.mark.parametrize("name", ["Socialforvaltningen", "Socialförvaltningen.", "social förvaltningen",
                                  "SOCIAL-FÖRVALTNINGEN", "Socialförvaltningen !"])
def test_a_name_that_is_another_departments_but_for_accents_or_punctuation_is_refused(
        client, admin, organisation, name):
    # Creating such a name is refused; renaming to it is refused in the same words.
    before = table_snapshot()
    response = _rename(client, organisation["school_dept"], name)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name") == \
        "Det finns redan en förvaltning som heter ”Socialförvaltningen”."
    assert table_snapshot() == before
    response = client.post("/admin/organisation", data={"forvaltning-name": name})
    assert field_error(response.get_data(as_text=True), "forvaltning-name") == \
        "Det finns redan en förvaltning som heter ”Socialförvaltningen”."
    assert table_snapshot() == before


def test_renaming_to_a_hyphenless_unaccented_spelling_of_another_department_is_refused(
        client, admin, organisation):
    culture = org.create_department("test", "Kultur- och fritidsförvaltningen")
    technical = org.create_department("test", "Teknikförvaltningen")
    before = table_snapshot()
    response = _rename(client, technical, "Kultur och fritidsforvaltningen")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "name") == \
        f"Det finns redan en förvaltning som heter ”{culture.name}”."
    assert table_snapshot() == before


@pytest.mark.parametrize("name", ["KLIMATFÖRVALTNINGEN", "klimatforvaltningen", "Klimatförvaltningen."])
def test_a_former_name_is_refused_in_any_letter_case_accents_or_punctuation(client, admin, organisation, name):
    social = organisation["social_dept"]
    org.rename_department("test", social, "Klimatförvaltningen")
    org.rename_department("test", social, "Miljö- och byggförvaltningen")
    message = (f"”{name}” är samma namn som ”Klimatförvaltningen”, ett tidigare namn på Miljö- och "
               "byggförvaltningen. Dokument och filer som nämner det namnet hör till Miljö- och "
               "byggförvaltningen, så välj ett annat namn.")
    before = table_snapshot()
    response = _rename(client, organisation["school_dept"], name)
    assert response.status_code == 400 and field_error(response.get_data(as_text=True), "name") == message
    response = client.post("/admin/organisation", data={"forvaltning-name": name})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "forvaltning-name") == message
    assert table_snapshot() == before


def test_a_department_may_take_its_own_former_name_back_in_another_spelling(client, admin, organisation):
    school_dept = organisation["school_dept"]
    _rename(client, school_dept)
    assert _rename(client, school_dept, "BILDNINGSFÖRVALTNINGEN").status_code == 302
    assert db.session.get(Department, school_dept.id).name == "BILDNINGSFÖRVALTNINGEN"


def test_a_new_name_ending_with_a_full_stop_gets_no_second_one_in_the_message(client, admin, organisation):
    _rename(client, organisation["school_dept"], "Förvaltningen för utbildning m.m.")
    page = client.get("/admin/organisation").get_data(as_text=True)
    assert ("success", "Bildningsförvaltningen heter nu Förvaltningen för utbildning m.m.") in flash_messages(page)


def test_the_same_name_changes_nothing_and_renaming_back_is_allowed(client, admin, organisation):
    school_dept = organisation["school_dept"]
    before = table_snapshot()
    response = _rename(client, school_dept, " Bildningsförvaltningen ")
    assert response.status_code == 302
    assert table_snapshot() == before
    assert flash_messages(client.get("/admin/organisation").get_data(as_text=True)) == \
        [("info", "Namnet är oförändrat.")]
    _rename(client, school_dept)
    assert _rename(client, school_dept, "Bildningsförvaltningen").status_code == 302
    department = db.session.get(Department, school_dept.id)
    assert department.name == "Bildningsförvaltningen"
    assert [f.name for f in department.former_names] == [NEW_NAME]


def test_an_unknown_department_is_a_404(client, admin):
    assert client.get("/admin/organisation/forvaltning/999999").status_code == 404
    assert client.post("/admin/organisation/forvaltning/999999", data={"name": "X"}).status_code == 404


# --- What still works after a rename -----------------------------------------------------------

@pytest.fixture
def adopted(client, make_user, login, make_document, organisation):
    """A routine that Bildningsförvaltningen must adopt; Ekbackens skola has ticked one item and
    confirmed with a reason."""
    routine = make_document(meta=META)
    head = make_user("unit_head")
    login(head)
    school = organisation["school"]
    client.post(f"/min-enhet/{school.id}/orosanmalan/punkt/0", data={"revision": "1", "done": "y"})
    client.post(f"/min-enhet/{school.id}/orosanmalan/bekrafta",
                data={"revision": "1", "reason": "Blanketten kommer nästa vecka"})
    client.post("/logga-ut")
    return routine


def test_a_routines_adoption_records_survive_a_rename(client, login_as, adopted, organisation):
    school = organisation["school"]
    before = adoption.unit_status(adopted, school)
    assert (before.status, before.done, before.total) == ("adopted", 1, 2)
    org.rename_department("test", organisation["school_dept"], NEW_NAME)

    after = adoption.unit_status(adopted, school)
    assert (after.status, after.done, after.total, after.confirmation.reason) == \
        ("adopted", 1, 2, "Blanketten kommer nästa vecka")
    assert [d.name for d in adopted.applies_to] == [NEW_NAME]
    login_as("admin")
    assert f"<td>{NEW_NAME}</td>" in client.get("/inforande").get_data(as_text=True)
    raw = client.get("/inforande/export.csv").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw), delimiter=";"))
    assert {(r["Förvaltning"], r["Enhet"], r["Status"]) for r in rows} >= {(NEW_NAME, "Ekbackens skola", "Införd")}
    assert not any(r["Förvaltning"] == "Bildningsförvaltningen" for r in rows)


def test_publishing_after_a_rename_keeps_the_routine_applying_to_the_department(
        adopted, organisation, system):
    # A draft saved before the rename names the department by its old name.
    draft = handbook.save_draft(system, adopted, base_number=1, title=adopted.title,
                                body=adopted.current_revision.body + "\nTillägg.\n", meta=META)
    org.rename_department("test", organisation["school_dept"], NEW_NAME)
    handbook.publish(adopted, draft, system, "Tillägg", False)
    assert [d.name for d in db.session.get(type(adopted), adopted.id).applies_to] == [NEW_NAME]
    assert adoption.unit_status(adopted, organisation["school"]).status == "adopted"


def test_the_edit_form_shows_the_renamed_department_as_chosen(client, login_as, adopted, organisation):
    org.rename_department("test", organisation["school_dept"], NEW_NAME)
    login_as("editor")
    page = client.get("/handbok/orosanmalan/redigera").get_data(as_text=True)
    box = re.search(rf'<input[^>]*value="{organisation["school_dept"].id}"[^>]*> <label[^>]*>{NEW_NAME}</label>', page)
    assert box and "checked" in box.group(0)


def test_export_after_a_rename_uses_the_new_name_and_old_files_still_import(app, adopted, organisation, tmp_path):
    content.export_directory(tmp_path / "fore")
    org.rename_department("test", organisation["school_dept"], NEW_NAME)
    content.export_directory(tmp_path / "efter")
    text = (tmp_path / "efter" / "orosanmalan.md").read_text(encoding="utf-8")
    assert f"applies_to:\n- {NEW_NAME}\n" in text and "Bildningsförvaltningen" not in text

    before = table_snapshot()
    for directory in ("efter", "fore"):  # the new export, and files that still use the old name
        report = content.import_directory(system_actor(), tmp_path / directory)
        assert report.ok and report.unchanged == ["orosanmalan"] and not report.departments_created, directory
        assert table_snapshot() == before, directory
    assert db.session.scalar(select(func.count()).select_from(Department)) == 2
    content.export_directory(tmp_path / "igen")
    assert (tmp_path / "igen" / "orosanmalan.md").read_text(encoding="utf-8") == text


def test_a_changed_file_with_the_old_name_is_stored_with_the_new_one(adopted, organisation, tmp_path):
    content.export_directory(tmp_path / "fore")
    org.rename_department("test", organisation["school_dept"], NEW_NAME)
    path = tmp_path / "fore" / "orosanmalan.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nNytt stycke.\n", encoding="utf-8")
    report = content.import_directory(system_actor(), tmp_path / "fore")
    assert report.ok and report.updated == ["orosanmalan"] and not report.departments_created
    assert adopted.current_revision.meta["applies_to"] == [NEW_NAME]
    assert db.session.scalar(select(func.count()).select_from(DepartmentFormerName)) == 1


def test_a_rename_tells_the_search_indexes_about_the_departments_documents(make_document, organisation):
    owned = make_document("skolfranvaro", "Skolfrånvaro", department=organisation["school_dept"])
    make_document()  # owned by Socialförvaltningen
    before = set(db.session.scalars(select(DocumentChange.id)))
    org.rename_department("test", organisation["school_dept"], NEW_NAME)
    added = db.session.scalars(select(DocumentChange).where(DocumentChange.id.not_in(before))).all()
    assert [change.document_id for change in added] == [owned.id]


def test_search_filters_by_the_new_name(client, login_as, make_document, organisation):
    make_document("skolfranvaro", "Skolfrånvaro", department=organisation["school_dept"],
                  body="Upprepad frånvaro utreds av rektorn.", meta={"tags": ["frånvaro"]})
    org.rename_department("test", organisation["school_dept"], NEW_NAME)
    login_as("reader")
    page = client.get("/sok", query_string={"q": "frånvaro", "forvaltning": NEW_NAME}).get_data(as_text=True)
    listing = re.search(r'<ol id="sokresultat"[^>]*>(.*?)</ol>', page, re.S)
    assert listing and 'href="/handbok/skolfranvaro"' in listing.group(1)


def test_users_cli_finds_a_department_by_its_former_name(app, make_user, organisation):
    org.rename_department("test", organisation["social_dept"], "Välfärdsförvaltningen")
    user = make_user("reader", email="person@test.se")
    result = app.test_cli_runner().invoke(args=["users", "grant", user.email, "editor",
                                                "--department", "Socialförvaltningen"])
    assert result.exit_code == 0, result.output
    assert [d.name for d in db.session.get(type(user), user.id).editor_departments] == ["Välfärdsförvaltningen"]


def system_actor():
    from portal.policy import SystemActor

    return SystemActor("test")


def test_a_readers_cached_page_shows_the_new_name(client, login_as, make_document, organisation):
    make_document("skolfranvaro", "Skolfrånvaro", department=organisation["school_dept"],
                  body="Upprepad frånvaro utreds av rektorn.")
    login_as("reader")
    assert "Bildningsförvaltningen" in client.get("/handbok/skolfranvaro").get_data(as_text=True)
    org.rename_department("test", organisation["school_dept"], NEW_NAME)
    page = client.get("/handbok/skolfranvaro").get_data(as_text=True)
    owner = re.search(r"<dt>Ägare</dt><dd>([^<]*)</dd>", page)
    assert owner and owner.group(1).strip() == NEW_NAME
