"""A routine's checklist on /min-enhet is one form with one "Spara checklistan" button: every item the
unit head changed is saved at once, all or nothing, and an item left as it was changes nothing."""
import re

from sqlalchemy import func, select

from portal.adoption import services as adoption
from portal.adoption.models import Adoption, ItemProgress
from portal.audit import AuditEvent
from portal.extensions import db
from tests.adoption.conftest import META, ROUTINE_BODY
from tests.adoption.helpers import change, checked, checklist_form, my_unit_page, save_checklist, textarea, tick
from tests.conftest import table_snapshot

APT_BODY = ROUTINE_BODY.replace(
    "- [ ] Alla vet var blanketten finns\n",
    "- [ ] Alla vet var blanketten finns\n- [ ] Kontaktvägar till socialtjänsten finns på anslagstavlan\n"
    "- [ ] Nyanställda får rutinen vid introduktionen\n")
ITEMS = ["Rutinen är genomgången på APT", "Alla vet var blanketten finns",
         "Kontaktvägar till socialtjänsten finns på anslagstavlan", "Nyanställda får rutinen vid introduktionen"]


def _progress():
    return {p.item_text: (p.done, p.comment) for p in db.session.scalars(select(ItemProgress))}


def _events(action=None):
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("adoption.item%"))
    return db.session.scalar(stmt.where(AuditEvent.action == action) if action else stmt)


def test_ticking_three_items_and_saving_once_stores_all_three(client, login_as, make_document, organisation):
    make_document(body=APT_BODY, meta=META)
    head = login_as("unit_head")
    unit = organisation["school"]
    response = save_checklist(client, unit, {0: (True, "Genomgången på APT 12 mars"), 1: True, 2: True})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("#rutin-orosanmalan")
    assert _progress() == {ITEMS[0]: (True, "Genomgången på APT 12 mars"), ITEMS[1]: (True, ""),
                           ITEMS[2]: (True, "")}
    assert {p.updated_by_id for p in db.session.scalars(select(ItemProgress))} == {head.id}
    assert (_events("adoption.item_done"), _events("adoption.item_comment")) == (3, 1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sparat 3 punkter i ”Orosanmälan – när och hur”" in page
    assert "Checklista (3 av 4 klara)" in page
    assert [checked(page, i) for i in range(4)] == [True, True, True, False]


def test_a_stale_item_refuses_the_whole_save_and_keeps_everything_typed(client, login_as, make_user, make_document,
                                                                        organisation):
    document = make_document(body=APT_BODY, meta=META)
    login_as("unit_head")
    unit = organisation["school"]
    colleague = make_user("unit_head", units=[unit])
    opened = my_unit_page(client, unit)  # the rektor opens the page before the APT meeting
    adoption.set_item(colleague, document, unit, revision_number=1, index=1, done=True,  # a colleague saves
                      comment="Blanketten ligger i pärmen")
    before = table_snapshot()
    response = save_checklist(client, unit, {0: (True, "Genomgången på APT"), 1: (True, "Finns på intranätet"),
                                             2: True}, page=opened)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and table_snapshot() == before
    assert "Någon annan har ändrat punkten ”Alla vet var blanketten finns” sedan du öppnade sidan" in page
    assert f"{colleague.name} markerade den som klar med kommentaren ”Blanketten ligger i pärmen”" in page
    assert f"{colleague.email} markerade" not in page  # by name, as the checklist names who changed an item
    assert "Ingenting sparades" in page
    note = re.search(r'<p class="notice notice-warn item-note" id="notering-orosanmalan-1">([^<]*)</p>', page)
    assert note and "Ändrad av någon annan under tiden" in note.group(1)
    # Everything typed is still there: the conflicting item and the two that were not in conflict.
    assert [checked(page, i) for i in range(4)] == [True, True, True, False]
    assert textarea(page, "kommentar-orosanmalan-0") == "Genomgången på APT"
    assert textarea(page, "kommentar-orosanmalan-1") == "Finns på intranätet"
    # The script counts the typed items as not saved: the page says what is stored.
    assert 'data-saved-value="Blanketten ligger i pärmen"' in page
    assert page.count('data-saved-checked="false"') == 2
    # Saving the refreshed form again is a choice made knowing the other save.
    action, data = checklist_form(page)
    assert client.post(action, data=data).status_code == 302
    assert _progress() == {ITEMS[0]: (True, "Genomgången på APT"), ITEMS[1]: (True, "Finns på intranätet"),
                           ITEMS[2]: (True, "")}


def test_unchanged_items_create_no_rows_and_no_audit_events(client, login_as, make_document, organisation):
    make_document(body=APT_BODY, meta=META)
    login_as("unit_head")
    unit = organisation["school"]
    before = table_snapshot()
    response = save_checklist(client, unit, {})  # "Spara checklistan" with nothing changed
    assert response.status_code == 302 and table_snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(Adoption)) == 0
    assert "Inga ändringar att spara" in client.get(response.headers["Location"]).get_data(as_text=True)

    assert save_checklist(client, unit, {2: True}).status_code == 302
    assert list(_progress()) == [ITEMS[2]] and _events() == 1
    # The next save changes one comment: the other items, ticked or not, stay as they were.
    before_rows = {p.item_text: p.updated_at for p in db.session.scalars(select(ItemProgress))}
    assert save_checklist(client, unit, {0: (False, "Tas upp på APT i maj")}).status_code == 302
    db.session.expire_all()
    assert _progress() == {ITEMS[0]: (False, "Tas upp på APT i maj"), ITEMS[2]: (True, "")}
    assert {p.item_text: p.updated_at for p in db.session.scalars(select(ItemProgress))}[ITEMS[2]] == \
        before_rows[ITEMS[2]]
    assert (_events("adoption.item_done"), _events("adoption.item_comment"), _events()) == (1, 1, 2)


def test_an_item_someone_else_changed_that_this_save_left_alone_neither_blocks_nor_is_undone(
        client, login_as, make_document, organisation):
    make_document(body=APT_BODY, meta=META)
    login_as("unit_head")
    unit = organisation["school"]
    opened = my_unit_page(client, unit)
    assert tick(client, unit, 3, comment="Ingår i introduktionen från i höst").status_code == 302  # a colleague
    response = save_checklist(client, unit, {0: True}, page=opened)  # item 3 is sent back as it was shown
    assert response.status_code == 302
    assert _progress() == {ITEMS[0]: (True, ""), ITEMS[3]: (True, "Ingår i introduktionen från i höst")}


def test_a_double_submit_of_the_whole_checklist_changes_nothing_the_second_time(
        client, login_as, make_document, organisation):
    make_document(body=APT_BODY, meta=META)
    login_as("unit_head")
    unit = organisation["school"]
    action, data = checklist_form(my_unit_page(client, unit))
    for index in (0, 1, 2):
        data = change(data, index, done=True)
    assert client.post(action, data=data).status_code == 302
    before = table_snapshot()
    assert client.post(action, data=data).status_code == 302
    assert table_snapshot() == before and _events() == 3


def test_a_refused_save_is_the_my_unit_page_in_the_menu(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    for response in (save_checklist(client, unit, {0: (True, "x" * 2001)}),
                     client.post(f"/min-enhet/{unit.id}/orosanmalan/bekrafta", data={"revision": "1", "reason": "kort"}),
                     client.post(f"/min-enhet/{unit.id}/orosanmalan/punkt/0", data={"revision": "1", "comment": "x" * 2001})):
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        menu = page[page.index('aria-label="Huvudmeny"'):page.index('class="nav-account"')]
        marked = re.findall(r'<a href="[^"]*" aria-current="\w+">([^<]+)</a>', menu)
        assert marked == ["Min enhet"], response.request.path


def test_an_old_pages_form_for_one_item_still_saves_it(client, login_as, routine, organisation):
    """A page opened before the checklist became one form posts one item to /punkt/<n>."""
    login_as("unit_head")
    unit = organisation["school"]
    response = client.post(f"/min-enhet/{unit.id}/orosanmalan/punkt/1",
                           data={"revision": "1", "done": "y", "comment": "I pärmen", "based_on": ""})
    assert response.status_code == 302
    assert _progress() == {"Alla vet var blanketten finns": (True, "I pärmen")}
    assert "Sparat: ”Alla vet var blanketten finns” är klar med kommentar." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    before = table_snapshot()
    response = client.post(f"/min-enhet/{unit.id}/orosanmalan/punkt/1",  # a second old tab, still based on ""
                           data={"revision": "1", "comment": "Saknas", "based_on": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and table_snapshot() == before
    assert textarea(page, "kommentar-orosanmalan-1") == "Saknas" and not checked(page, 1)
