"""A reason or comment made of characters nobody sees (a zero-width space, a byte-order mark, as a
paste can bring) counts as empty: the minimum length of a reason counts what a reader sees."""
from sqlalchemy import select

from portal.adoption import services
from portal.adoption.models import ItemProgress
from portal.extensions import db
from tests.conftest import table_snapshot
from tests.adoption.test_my_unit import _confirm, _tick

ZWSP, BOM, LRM = "\u200b", "\ufeff", "\u200e"


def test_a_reason_of_invisible_characters_is_no_reason(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0)
    before = table_snapshot()
    response = _confirm(client, unit, reason=ZWSP * 12 + BOM + LRM * 3)
    assert response.status_code == 400
    assert "1 av 2 punkter är inte klar. Bocka av den," in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_invisible_characters_do_not_make_a_short_reason_long_enough(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0)
    before = table_snapshot()
    assert _confirm(client, unit, reason="kort" + ZWSP * 10 + " ok").status_code == 400
    assert table_snapshot() == before


def test_a_comment_keeps_its_text_without_the_invisible_ends(client, login_as, routine, organisation):
    login_as("unit_head")
    unit = organisation["school"]
    _tick(client, unit, 0, comment=BOM + ZWSP + " Gick igenom på APT " + ZWSP)
    assert services.visible_length("a\u200cb") == 2  # a joiner inside a word stays and is not counted
    assert db.session.scalar(select(ItemProgress.comment)) == "Gick igenom på APT"
