"""What the unit head types on /min-enhet is never lost or silently overwritten: line breaks count
as the browser counts them, a refused save gives the text back, a stale tab cannot undo another
tab's work, and a confirmation keeps what was true when it was given."""
import re
from collections import Counter

from sqlalchemy import func, select

from portal.adoption import services
from portal.adoption.models import Confirmation, ItemProgress
from portal.extensions import db
from tests.adoption.conftest import ROUTINE_BODY
from tests.adoption.helpers import checked, checklist_form, my_unit_page, save_checklist, textarea, tick
from tests.conftest import table_snapshot


def _tick(client, unit, index, *, done=True, comment="", page=None, **kwargs):
    return tick(client, unit, index, done=done, comment=comment, page=page, **kwargs)


def _confirm(client, unit, reason="", revision=1, **kwargs):
    return client.post(f"/min-enhet/{unit.id}/orosanmalan/bekrafta",
                       data={"revision": str(revision), "reason": reason}, **kwargs)


def _based_on(page, index, slug="orosanmalan"):
    return checklist_form(page, slug)[1][f"items-{index}-based_on"]


_textarea, _checked = textarea, checked


def _lines_of(total: int) -> list[str]:
    """Lines whose text joined by single line breaks is exactly `total` characters."""
    lines = ["Rad i motiveringen"] * 100
    text = "\n".join(lines)
    return lines[:-1] + [lines[-1] + "x" * (total - len(text))]


# --- Line breaks (2000 characters as the browser counts them) -------------------------------------

def test_a_reason_of_2000_characters_with_crlf_line_breaks_is_accepted(client, login_as, routine, organisation):
    login_as("unit_head")
    lines = _lines_of(2000)
    response = _confirm(client, organisation["school"], "\r\n".join(lines))  # what the browser sends
    assert response.status_code == 302
    assert db.session.scalar(select(Confirmation)).reason == "\n".join(lines)


def test_an_item_comment_of_2000_characters_with_crlf_or_cr_line_breaks_is_accepted(
        client, login_as, routine, organisation):
    login_as("unit_head")
    lines = _lines_of(2000)
    response = save_checklist(client, organisation["school"], {0: (True, "\r\n".join(lines)),
                                                               1: (True, "\r".join(lines))})
    assert response.status_code == 302
    comments = [p.comment for p in db.session.scalars(select(ItemProgress).order_by(ItemProgress.id))]
    assert comments == ["\n".join(lines)] * 2


def test_a_too_long_item_comment_points_to_its_item_and_keeps_everything_typed(client, login_as, routine,
                                                                              organisation):
    login_as("unit_head")
    before = table_snapshot()
    response = save_checklist(client, organisation["school"], {0: (True, "Gick igenom på APT"), 1: (True, "x" * 2001)})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and table_snapshot() == before
    assert "Checklistan kunde inte sparas. Rätta det som står vid fältet nedan – det du skrev finns kvar." in page
    assert re.search(r'<p class="field-error" id="kommentar-fel-orosanmalan-1">Högst 2000 tecken.</p>', page)
    assert _textarea(page, "kommentar-orosanmalan-1") == "x" * 2001 and _checked(page, 1)
    assert _textarea(page, "kommentar-orosanmalan-0") == "Gick igenom på APT" and _checked(page, 0)
    assert 'aria-invalid="true"' in page.split('id="kommentar-orosanmalan-1"')[1].split(">")[0]


def test_a_too_long_reason_points_to_the_field_and_keeps_the_text(client, login_as, routine, organisation):
    login_as("unit_head")
    reason = "x" * 2001
    before = table_snapshot()
    response = _confirm(client, organisation["school"], reason)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and table_snapshot() == before
    assert "Ladda om sidan" not in page
    assert "Bekräftelsen kunde inte sparas. Rätta det som står vid fältet nedan – det du skrev finns kvar." in page
    assert "Högst 2000 tecken." in page and _textarea(page, "motivering-orosanmalan") == reason


# --- Two tabs on one item ---------------------------------------------------------------------------

def test_a_stale_tab_cannot_undo_another_tabs_tick_and_keeps_what_it_typed(client, login_as, routine,
                                                                          organisation):
    login_as("unit_head")
    unit = organisation["school"]
    stale = my_unit_page(client, unit)  # tab A opens the page
    assert _tick(client, unit, 0, comment="Gick igenom på APT").status_code == 302  # tab B
    before = table_snapshot()
    response = _tick(client, unit, 0, done=False, comment="Inte gjort än", page=stale)  # tab A saves
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and table_snapshot() == before
    # The other tab was the same person's: the page says so, not "someone else".
    assert "Du har själv ändrat punkten ”Rutinen är genomgången på APT” sedan du öppnade sidan" in page
    assert "du markerade den som klar med kommentaren ”Gick igenom på APT” i en annan flik eller ett annat fönster" in page
    assert "Någon annan" not in page
    assert _textarea(page, "kommentar-orosanmalan-0") == "Inte gjort än" and not _checked(page, 0)
    progress = db.session.scalar(select(ItemProgress))
    assert (progress.done, progress.comment) == (True, "Gick igenom på APT")
    # Saving again from the refreshed form is a choice made knowing the other save: it goes through.
    action, data = checklist_form(page)
    assert client.post(action, data=data).status_code == 302
    db.session.expire_all()
    assert (progress.done, progress.comment) == (False, "Inte gjort än")


def test_a_double_submit_from_one_tab_stays_harmless(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    page = my_unit_page(client, unit)
    assert _tick(client, unit, 0, comment="Klart", page=page).status_code == 302
    before = table_snapshot()
    assert _tick(client, unit, 0, comment="Klart", page=page).status_code == 302
    assert table_snapshot() == before


# --- A second confirmation --------------------------------------------------------------------------

def test_a_second_confirmation_with_other_words_is_told_who_was_first(client, login_as, routine, organisation):
    head = login_as("unit_head")
    unit = organisation["school"]
    assert _confirm(client, unit, "Blanketten läggs ut nästa vecka").status_code == 302
    before = table_snapshot()
    response = _confirm(client, unit, "Vi har gått igenom allt utom blanketten")  # the other tab
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and table_snapshot() == before
    assert f"Rutinen är redan bekräftad för version 1: {head.name} ({head.email}) bekräftade den" in page
    assert "med motiveringen ”Blanketten läggs ut nästa vecka”" in page
    assert _textarea(page, "motivering-orosanmalan") == "Vi har gått igenom allt utom blanketten"
    assert [c.reason for c in db.session.scalars(select(Confirmation))] == ["Blanketten läggs ut nästa vecka"]


# --- A refused save gives the text back --------------------------------------------------------------

def test_a_new_version_gives_the_typed_reason_and_comment_back_in_the_refreshed_forms(
        client, login_as, routine, organisation, republish):
    login_as("unit_head")
    unit = organisation["school"]
    old_page = my_unit_page(client, unit)
    # The new version puts an item first: the typed comment follows its item, not its place.
    republish(routine, ROUTINE_BODY.replace("- [ ] Rutinen är genomgången på APT\n",
                                            "- [ ] Ny punkt om återkoppling\n- [ ] Rutinen är genomgången på APT\n"),
              substantial=True)
    before = table_snapshot()
    response = _tick(client, unit, 0, comment="Gick igenom på APT", page=old_page)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Rutinen har fått en ny version (version 2)" in page
    assert _textarea(page, "kommentar-orosanmalan-1") == "Gick igenom på APT" and _checked(page, 1)
    assert _textarea(page, "kommentar-orosanmalan-0") == "" and not _checked(page, 0)
    assert 'id="revision-orosanmalan-checklista" name="revision" type="hidden" value="2"' in page
    response = _confirm(client, unit, "Blanketten läggs ut nästa vecka", revision=1)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and _textarea(page, "motivering-orosanmalan") == "Blanketten läggs ut nästa vecka"
    assert 'id="revision-orosanmalan" name="revision" type="hidden" value="2"' in page
    assert table_snapshot() == before


def test_a_comment_on_an_item_the_new_version_removed_is_shown_in_the_message(
        client, login_as, routine, organisation, republish):
    login_as("unit_head")
    unit = organisation["school"]
    old_page = my_unit_page(client, unit)
    republish(routine, ROUTINE_BODY.replace("- [ ] Alla vet var blanketten finns\n", ""), substantial=True)
    response = save_checklist(client, unit, {0: (True, "Gick igenom på APT"), 1: (True, "Blanketten ligger i pärmen")},
                              page=old_page)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Kommentaren du skrev (sparades inte): ”Blanketten ligger i pärmen”" in page
    assert _textarea(page, "kommentar-orosanmalan-0") == "Gick igenom på APT" and _checked(page, 0)
    assert db.session.scalar(select(func.count()).select_from(ItemProgress)) == 0


def _expired(client, unit, changes):
    """Save a checklist whose form's token has gone (here: none at all)."""
    action, data = checklist_form(my_unit_page(client, unit))
    del data["csrf_token"]
    for index, (done, comment) in changes.items():
        data = {**data, f"items-{index}-comment": comment, **({f"items-{index}-done": "y"} if done else {})}
    return client.post(action, data=data, csrf=False)


def test_an_expired_form_gives_the_text_back_and_changes_nothing(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    before = table_snapshot()
    for response, element_id, text in (
            (_expired(client, unit, {1: (True, "Blanketten finns i pärmen")}), "kommentar-orosanmalan-1",
             "Blanketten finns i pärmen"),
            (_confirm(client, unit, "Genomgånget på APT i mars", csrf=False), "motivering-orosanmalan",
             "Genomgånget på APT i mars")):
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "formuläret hade gått ut. Ingenting har ändrats. Det du skrev finns kvar nedan – spara igen." in page
        assert _textarea(page, element_id) == text
    assert table_snapshot() == before


# --- Unticking after a confirmation -----------------------------------------------------------------

def test_unticking_after_a_confirmation_keeps_it_and_warns_with_both_counts(
        client, login_as, make_user, login, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0)
    _tick(client, unit, 1)
    assert _confirm(client, unit).status_code == 302
    response = _tick(client, unit, 1, done=False, comment="Blanketten är borttagen")
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    # Said on the routine's card, not again in a message above the page.
    assert "urbockad efter bekräftelsen" in shown and "är bekräftad som införd med fler punkter klara" not in shown
    status = services.unit_status(routine, unit)
    assert status.status == "adopted" and status.confirmation.items_done == 2 and status.done == 1
    page = client.get("/min-enhet").get_data(as_text=True)
    assert "1 punkt urbockad efter bekräftelsen" in page
    assert "när rutinen bekräftades var 2 av 2 punkter klara, nu är 1 av 2 klara" in page
    detail = client.get(f"/min-enhet/{unit.id}/orosanmalan").get_data(as_text=True)
    assert "(2/2 punkter klara vid bekräftelsen)" in detail and "1 punkt urbockad efter bekräftelsen" in detail
    client.post("/logga-ut")
    login(make_user("editor"))
    routine_page = client.get("/inforande/rutin/orosanmalan").get_data(as_text=True)
    assert "(2/2 punkter klara vid bekräftelsen)" in routine_page and "1 punkt urbockad" in routine_page


def test_a_new_version_s_confirmation_is_not_compared_with_the_old_one(client, login_as, routine, organisation,
                                                                      republish):
    login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0)
    _tick(client, unit, 1)
    _confirm(client, unit)
    republish(routine, ROUTINE_BODY.replace("Alla vet var blanketten finns", "Blanketten finns på intranätet"),
              substantial=True)
    assert services.unit_status(routine, unit).unticked_since_confirmation == 0  # stale: asked again anyway


# --- Words and ids -----------------------------------------------------------------------------------

def test_the_reason_label_says_one_item_or_items(client, login_as, routine, organisation):
    login_as("unit_head")
    assert "Motivering (2 punkter är inte klara)" in client.get("/min-enhet").get_data(as_text=True)
    _tick(client, organisation["school"], 0)
    assert "Motivering (1 punkt är inte klar)" in client.get("/min-enhet").get_data(as_text=True)


def test_the_forms_on_my_unit_have_unique_ids_and_the_same_field_names(client, login_as, routine, organisation):
    login_as("unit_head")
    page = client.get("/min-enhet").get_data(as_text=True)
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    assert page.count('name="revision"') == 2  # the checklist's form and the confirmation's
    assert page.count('-based_on"') == 2 and page.count('<form method="post" action="/min-enhet/') == 2
    assert db.session.scalar(select(func.count()).select_from(ItemProgress)) == 0


def test_the_checklist_page_loads_its_unsaved_changes_script(client, login_as, routine, organisation):
    login_as("unit_head")
    page = client.get("/min-enhet").get_data(as_text=True)
    assert '<script src="/static/js/checklist.js" defer></script>' in page
    assert client.get("/static/js/checklist.js").status_code == 200
