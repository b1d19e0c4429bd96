"""A unit head ticks checklist items and confirms adoption on /min-enhet."""
import csv
import io

from sqlalchemy import func, select

from portal.adoption import services
from portal.adoption.models import Adoption, Confirmation, ItemProgress
from portal.audit import AuditEvent
from portal.extensions import db
from tests.adoption.conftest import ROUTINE_BODY
from tests.adoption.helpers import checklist_form, my_unit_page, tick
from tests.conftest import table_snapshot


def _tick(client, unit, index, *, done=True, comment="", slug="orosanmalan", page=None):
    """Set one item on /min-enhet and press "Spara checklistan"."""
    return tick(client, unit, index, done=done, comment=comment, slug=slug, page=page)


def _confirm(client, unit, revision=1, reason="", slug="orosanmalan"):
    return client.post(f"/min-enhet/{unit.id}/{slug}/bekrafta", data={"revision": str(revision), "reason": reason})


def _adopt(client, unit):
    """Tick both items of the routine's checklist and confirm version 1 as adopted."""
    for index in (0, 1):
        assert _tick(client, unit, index).status_code == 302
    assert _confirm(client, unit).status_code == 302


def test_my_unit_lists_routines_with_checklist_for_own_unit(client, login_as, routine, organisation):
    login_as("unit_head")
    page = client.get("/min-enhet").get_data(as_text=True)
    assert "Min enhet: Ekbackens skola" in page
    assert "Orosanmälan – när och hur" in page and "Ej påbörjad" in page
    assert "Rutinen är genomgången på APT" in page and "Alla vet var blanketten finns" in page
    assert "Bekräfta att rutinen är införd (version 1)" in page


def test_ticking_an_item_records_who_and_when_and_shows_progress(client, login_as, routine, organisation):
    head = login_as("unit_head")
    unit = organisation["school"]
    response = _tick(client, unit, 0, comment="Gick igenom på APT 12 mars")
    assert response.status_code == 302
    progress = db.session.scalar(select(ItemProgress))
    assert (progress.item_text, progress.done, progress.comment) == ("Rutinen är genomgången på APT", True,
                                                                    "Gick igenom på APT 12 mars")
    assert progress.updated_by_id == head.id and progress.revision_number == 1
    page = client.get("/min-enhet").get_data(as_text=True)
    assert "Pågår" in page and "Checklista (1 av 2 klara)" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "adoption.item_done")) == 1


def test_double_submit_is_idempotent(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0)
    before = table_snapshot()
    _tick(client, unit, 0)
    assert table_snapshot() == before
    _confirm(client, unit, reason="Vi har gått igenom det viktigaste")
    before = table_snapshot()
    _confirm(client, unit, reason="Vi har gått igenom det viktigaste")
    assert table_snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(Confirmation)) == 1


def test_confirming_with_items_left_needs_a_reason(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0)
    before = table_snapshot()
    response = _confirm(client, unit, reason="kort")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # Once, at the reason; the top of the page says where to look.
    assert page.count("1 av 2 punkter är inte klar. Bocka av den,") == 1
    assert "Bekräftelsen kunde inte sparas. Rätta det som står vid fältet nedan" in page
    assert table_snapshot() == before
    assert _confirm(client, unit, reason="Blanketten läggs ut nästa vecka").status_code == 302
    confirmation = db.session.scalar(select(Confirmation))
    assert (confirmation.revision_number, confirmation.items_done, confirmation.items_total) == (1, 1, 2)
    assert confirmation.reason == "Blanketten läggs ut nästa vecka"


def test_confirming_with_all_items_done_needs_no_reason(client, login_as, routine, organisation):
    head = login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0)
    _tick(client, unit, 1)
    assert _confirm(client, unit).status_code == 302
    confirmation = db.session.scalar(select(Confirmation))
    assert confirmation.confirmed_by_id == head.id and confirmation.reason == ""
    page = client.get("/min-enhet").get_data(as_text=True)
    assert "Bekräftad för gällande version 1" in page


def test_unit_head_cannot_act_on_another_unit(client, login_as, routine, organisation):
    login_as("unit_head")  # heads Ekbackens skola only
    other = organisation["other_school"]
    before = table_snapshot()
    data = {"revision": "1", "items-0-position": "0", "items-0-done": "y", "items-0-based_on": ""}
    assert client.post(f"/min-enhet/{other.id}/orosanmalan/checklista", data=data).status_code == 403
    assert client.post(f"/min-enhet/{other.id}/orosanmalan/punkt/0", data={"revision": "1", "done": "y"}).status_code == 403
    assert _confirm(client, other, reason="x" * 20).status_code == 403
    assert table_snapshot() == before


def test_reader_and_editor_cannot_act(client, login_as, make_user, login, routine, organisation):
    unit = organisation["school"]
    for role in ("reader", "editor"):
        client.post("/logga-ut")
        login(make_user(role))
        before = table_snapshot()
        data = {"revision": "1", "items-0-position": "0", "items-0-done": "y", "items-0-based_on": ""}
        assert client.post(f"/min-enhet/{unit.id}/orosanmalan/checklista", data=data).status_code == 403
        assert _confirm(client, unit, reason="x" * 20).status_code == 403
        assert client.get("/min-enhet").status_code == 403
        assert table_snapshot() == before


def test_ticking_an_old_version_is_refused_with_the_current_checklist(client, login_as, routine, organisation,
                                                                    republish):
    login_as("unit_head")
    unit = organisation["school"]
    old_page = my_unit_page(client, unit)
    republish(routine, ROUTINE_BODY + "- [ ] Ny punkt om återkoppling\n", substantial=True)
    before = table_snapshot()
    response = _tick(client, unit, 0, page=old_page)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Rutinen har fått en ny version (version 2)" in page
    assert "Ny punkt om återkoppling" in page
    assert table_snapshot() == before


def test_unknown_ids_give_404(client, login_as, routine, organisation):
    login_as("admin")
    unit = organisation["school"]
    data = {"revision": "1", "items-0-position": "0", "items-0-done": "y"}
    assert client.post("/min-enhet/999999/orosanmalan/checklista", data=data).status_code == 404
    assert client.post(f"/min-enhet/{unit.id}/finns-inte/checklista", data=data).status_code == 404
    assert client.post(f"/min-enhet/{unit.id}/orosanmalan/checklista",
                       data={"revision": "1", "items-0-position": "99", "items-0-done": "y"}).status_code == 404
    assert client.post("/min-enhet/999999/orosanmalan/punkt/0", data={"revision": "1"}).status_code == 404
    assert client.get("/inforande/rutin/finns-inte").status_code == 404
    assert client.get("/inforande/enhet/424242").status_code == 404


def test_bad_form_values_are_refused_without_changes(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    _, form = checklist_form(my_unit_page(client, unit))
    url = f"/min-enhet/{unit.id}/orosanmalan/checklista"
    before = table_snapshot()
    for data in ({"revision": "abc"}, {"revision": ""}, {"revision": "-1"},
                 {"items-0-comment": "x" * 3000}, {"items-1-comment": "bell\x07"}, {"items-1-position": "x"},
                 {"items-1-position": "0"}):
        response = client.post(url, data={**form, "items-0-done": "y", **data})
        assert response.status_code == 400, data
    form.pop("csrf_token")
    assert client.post(url, data={**form, "items-0-done": "y"}, csrf=False).status_code == 400
    assert table_snapshot() == before


def test_progress_of_unchanged_items_carries_over_and_removed_items_stay_in_history(
        client, login_as, routine, organisation, republish):
    login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0)
    _tick(client, unit, 1, comment="Klart")
    body = ROUTINE_BODY.replace("- [ ] Alla vet var blanketten finns\n", "- [ ] Blanketten finns på intranätet\n")
    republish(routine, body, substantial=False)
    status = services.unit_status(routine, unit)
    assert [(i.text, i.done) for i in status.items] == [("Rutinen är genomgången på APT", True),
                                                        ("Blanketten finns på intranätet", False)]
    assert db.session.scalar(select(func.count()).select_from(ItemProgress)) == 2  # the removed item's row stays
    history = client.get(f"/min-enhet/{unit.id}/orosanmalan").get_data(as_text=True)
    assert "”Alla vet var blanketten finns”: ej klar → klar" in history


def test_substantial_revision_makes_confirmation_stale_and_shows_what_changed(
        client, login_as, routine, organisation, republish):
    login_as("unit_head")
    unit = organisation["school"]
    _adopt(client, unit)
    republish(routine, ROUTINE_BODY.replace("Anmäl genast", "Anmäl samma dag"), substantial=True)
    start = client.get("/").get_data(as_text=True)
    assert "Att göra för dina enheter" in start and "behöver bekräftas igen" in start
    page = client.get("/min-enhet").get_data(as_text=True)
    assert page.index("Behöver bekräftas igen") < page.index("Rutinen är genomgången på APT")
    detail = client.get(f"/min-enhet/{unit.id}/orosanmalan").get_data(as_text=True)
    assert "Ändrat sedan bekräftad version 1" in detail
    assert "[borttaget:] </span>genast" in detail and "[tillagt:] </span>samma dag" in detail
    assert _confirm(client, unit, revision=2).status_code == 302
    assert services.unit_status(routine, unit).status == "adopted"


def test_minor_revision_keeps_confirmation_valid(client, login_as, routine, organisation, republish):
    login_as("unit_head")
    unit = organisation["school"]
    _adopt(client, unit)
    republish(routine, ROUTINE_BODY.replace("Att alla vet", "Att var och en vet"), substantial=False)
    status = services.unit_status(routine, unit)
    assert status.status == "adopted" and status.confirmation.revision_number == 1
    assert "Att göra för dina enheter" not in client.get("/").get_data(as_text=True)


def test_concurrent_first_ticks_on_one_unit_lose_nothing(app, routine, organisation, make_user):
    """Two unit heads tick different items of the same unit at the same time."""
    import threading

    head_a = make_user("unit_head", email="a@test.se")
    head_b = make_user("unit_head", email="b@test.se")
    clients = []
    for head in (head_a, head_b):
        c = app.test_client()
        c.post("/logga-in", data={"email": head.email, "password": "test-losenord-123"})
        clients.append(c)
    unit = organisation["school"]
    pages = [my_unit_page(c, unit) for c in clients]  # both open the page before either saves
    barrier = threading.Barrier(2)
    results = []

    def save(c, page, index):
        action, data = checklist_form(page)
        barrier.wait()
        results.append(c.post(action, data={**data, f"items-{index}-done": "y"}).status_code)

    threads = [threading.Thread(target=save, args=(c, pages[i], i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [302, 302]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Adoption)) == 1
    assert sorted(p.item_text for p in db.session.scalars(select(ItemProgress)) if p.done) == \
        ["Alla vet var blanketten finns", "Rutinen är genomgången på APT"]


def test_what_changed_since_the_confirmation_is_shown_as_readers_see_it_without_notes_to_editors(
        client, login_as, routine, organisation, republish):
    login_as("unit_head")
    unit = organisation["school"]
    _adopt(client, unit)
    note = "> **Kontrollera (redaktör):** stämmer paragrafen om zebrafinkar?\n\n"
    republish(routine, ROUTINE_BODY.replace("## Gör så här\n", "## Gör så här\n\n" + note)
              .replace("Anmäl genast", "Anmäl samma dag"), substantial=True)
    detail = client.get(f"/min-enhet/{unit.id}/orosanmalan").get_data(as_text=True)
    assert "Ändrat sedan bekräftad version 1" in detail
    assert "zebrafink" not in detail and "Kontrollera (redaktör)" not in detail
    assert "## Gör så här" not in detail and "cmp-label-changed" in detail  # rendered, not Markdown


def test_an_item_names_who_changed_it_as_the_confirmation_names_its_signer(client, login_as, routine, organisation):
    head = login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0, comment="Klart")
    page = client.get("/min-enhet").get_data(as_text=True)
    assert f"av {head.name}</p>" in page and f"av {head.email}</p>" not in page


def test_a_changed_form_gets_swedish_messages_and_changes_nothing(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    action, data = checklist_form(my_unit_page(client, unit))
    before = table_snapshot()
    response = client.post(action, data={**data, "items-0-position": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not a valid" not in page
    assert "Checklistan kunde inte sparas: Ange ett heltal." in page
    response = client.post(action, data={**data, "items-0-done": "y", "revision": "99"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Rutinen har ingen version 99 (gällande version är 1). Ingenting sparades." in page
    assert "har fått en ny version" not in page
    response = _confirm(client, unit, revision=99)
    assert response.status_code == 400 and "Rutinen har ingen version 99" in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_a_unit_the_head_does_not_lead_in_the_address_is_named_not_silently_replaced(client, login_as, routine,
                                                                                   organisation):
    login_as("unit_head")  # leads organisation["school"] only
    for wanted in ("999", "abc", str(organisation["other_school"].id)):
        page = client.get(f"/min-enhet?enhet={wanted}").get_data(as_text=True)
        assert "Du är inte rektor eller enhetschef för den enheten (eller så finns den inte). " \
               f"Sidan visar {organisation['school'].name} i stället." in page
        assert f"Min enhet: {organisation['school'].name}" in page
    page = client.get(f"/min-enhet?enhet={organisation['school'].id}").get_data(as_text=True)
    assert "Du är inte rektor" not in page
    assert "Du är inte rektor" not in client.get("/min-enhet").get_data(as_text=True)
