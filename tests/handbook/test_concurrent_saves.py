"""Saves that race each other (found by bench/load.py and bench/faults.py conflict under gunicorn)."""
import pytest
from sqlalchemy import select

from portal.errors import EditConflict
from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document, Revision
from tests.handbook.conftest import edit_data


def test_a_save_that_lost_the_race_is_a_conflict_not_a_server_error(app, make_document, system):
    document = make_document()
    base = document.latest_number  # this request has read the document …
    with app.app_context():  # … while another request saves on the same base and commits
        other = db.session.get(Document, document.id)
        services.save_draft(system, other, base_number=base, title=other.title, body="Först.\n",
                            meta=services.latest_revision(other).meta)
    with pytest.raises(EditConflict) as conflict:
        services.save_draft(system, document, base_number=base, title=document.title, body="Sist.\n",
                            meta=document.current_revision.meta)
    assert conflict.value.details["theirs"].body == "Först.\n"
    db.session.rollback()
    bodies = db.session.scalars(select(Revision.body).where(Revision.document_id == document.id)
                                .order_by(Revision.number)).all()
    assert bodies[-1] == "Först.\n" and "Sist.\n" not in bodies


def test_an_unchanged_form_keeps_the_stored_order_of_departments_and_makes_no_revision(
        client, login_as, make_document):
    # The form lists departments by name; an imported document may list them in another order.
    document = make_document(meta={"applies_to": ["Socialförvaltningen", "Bildningsförvaltningen"]})
    login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera",
                           data=edit_data(document, document.current_revision))
    assert response.status_code == 302
    assert db.session.get(Document, document.id).latest_number == 1
