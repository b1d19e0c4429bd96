"""A checklist item that a new version words differently: after a minor revision ("språklig ändring",
nothing needs doing again) the unit keeps its tick and comment on it and its history says so; after a
substantial one the item is asked again. Removing an item in a minor revision is not an untick."""
from sqlalchemy import select

from portal.adoption import services
from portal.adoption.models import ItemProgress
from portal.audit import AuditEvent
from portal.extensions import db
from tests.adoption.conftest import ROUTINE_BODY
from tests.adoption.test_my_unit import _adopt, _tick

REWORDED = ROUTINE_BODY.replace("- [ ] Alla vet var blanketten finns", "- [ ] Alla vet var blanketten alltid finns")


def _events():
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "adoption.items_reworded")))


def test_reworded_items_pairs_alike_texts_and_not_a_different_item_in_its_place():
    old = ["Rutinen är genomgången på APT", "Alla vet var blanketten finns", "Kontaktlistan sitter uppe"]
    assert services.reworded_items(old, ["Rutinen är genomgången på en APT", "Alla vet var blanketten finns",
                                         "Kontaktlistan sitter uppe i personalrummet"]) == [
        ("Rutinen är genomgången på APT", "Rutinen är genomgången på en APT"),
        ("Kontaktlistan sitter uppe", "Kontaktlistan sitter uppe i personalrummet")]
    assert services.reworded_items(old, ["Rutinen är genomgången på APT", "Blanketten finns på intranätet",
                                         "Kontaktlistan sitter uppe"]) == []
    # A new item put in next to a reworded one: the reworded one is found, the new one is new.
    assert services.reworded_items(old[:2], ["Rutinen är genomgången på APT", "Eleverna vet vem de kan prata med",
                                             "Alla vet var blanketterna finns"]) == [
        ("Alla vet var blanketten finns", "Alla vet var blanketterna finns")]


def test_a_minor_revision_that_rewords_an_item_keeps_the_tick_comment_and_confirmation(
        client, login_as, routine, organisation, republish):
    head = login_as("unit_head")
    unit = organisation["school"]
    assert _tick(client, unit, 0).status_code == 302
    assert _tick(client, unit, 1, comment="I pärmen på expeditionen").status_code == 302
    assert client.post(f"/min-enhet/{unit.id}/orosanmalan/bekrafta", data={"revision": "1"}).status_code == 302
    republish(routine, REWORDED, substantial=False)
    status = services.unit_status(routine, unit)
    assert [(i.text, i.done, i.comment) for i in status.items] == [
        ("Rutinen är genomgången på APT", True, ""),
        ("Alla vet var blanketten alltid finns", True, "I pärmen på expeditionen")]
    assert status.items[1].updated_by == head.name  # who ticked it, as it was
    assert status.status == "adopted" and status.unticked_since_confirmation == 0
    [event] = _events()
    assert "Version 2 (språklig ändring) formulerar om 1 punkt" in event.summary
    assert "”Alla vet var blanketten finns” → ”Alla vet var blanketten alltid finns”" in event.summary
    page = client.get("/min-enhet").get_data(as_text=True)
    assert "urbockad" not in page
    history = client.get(f"/min-enhet/{unit.id}/orosanmalan").get_data(as_text=True)
    assert "Checkpunkt omformulerad" in history
    # The old text's row stays (progress follows the text): publishing it again finds it as it was.
    assert {p.item_text for p in db.session.scalars(select(ItemProgress))} == {
        "Rutinen är genomgången på APT", "Alla vet var blanketten finns", "Alla vet var blanketten alltid finns"}


def test_a_substantial_revision_carries_nothing_over(client, login_as, routine, organisation, republish):
    login_as("unit_head")
    unit = organisation["school"]
    _adopt(client, unit)
    republish(routine, REWORDED, substantial=True)
    status = services.unit_status(routine, unit)
    assert [i.done for i in status.items] == [True, False] and status.status == "stale"
    assert _events() == []


def test_a_unit_without_work_on_the_item_gets_nothing_and_no_history(client, login_as, routine, organisation,
                                                                    republish):
    login_as("unit_head")
    unit = organisation["school"]
    assert _tick(client, unit, 0).status_code == 302  # not the item that is reworded
    republish(routine, REWORDED, substantial=False)
    assert [i.done for i in services.unit_status(routine, unit).items] == [True, False]
    assert _events() == []


def test_an_item_taken_out_in_a_minor_revision_is_not_counted_as_unticked(client, login_as, routine,
                                                                          organisation, republish):
    login_as("unit_head")
    unit = organisation["school"]
    _adopt(client, unit)  # 2 of 2 done at confirmation
    republish(routine, ROUTINE_BODY.replace("- [ ] Alla vet var blanketten finns\n", ""), substantial=False)
    status = services.unit_status(routine, unit)
    assert (status.done, status.total, status.unticked_since_confirmation) == (1, 1, 0)
    assert "urbockad" not in client.get("/min-enhet").get_data(as_text=True)
