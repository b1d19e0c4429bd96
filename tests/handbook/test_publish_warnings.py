"""Before publishing, the editor is told what readers would stumble on, without being stopped: an
internal link that leads nowhere a reader can go, a review date already passed, a routine that applies
to no department."""
import re

from portal.handbook import services
from tests.handbook.conftest import ROUTINE_BODY, edit_data

BROKEN = ROUTINE_BODY.replace("Berätta för rektor.", "Berätta för rektor, se [SIP](sip-rutin-som-inte-finns) "
                              "och [utkastet](bara-utkast).")


def _publish_box(page: str) -> str:
    return page.split('class="publish-box"', 1)[1].split("</fieldset>", 1)[0] if "<fieldset" in page \
        else page.split('class="publish-box"', 1)[1].split("</section>", 1)[0]


def test_the_draft_page_names_links_that_lead_nowhere_and_publishing_still_works(
        client, login_as, make_document, system):
    document = make_document()
    make_document("bara-utkast", "Bara ett utkast", publish=False)
    login_as("editor")
    revision = services.save_draft(system, document, base_number=1, title=document.title, body=BROKEN,
                                   meta=document.current_revision.meta)
    page = client.get("/handbok/orosanmalan/utkast").get_data(as_text=True)
    box = _publish_box(page)
    assert "Kontrollera innan du publicerar:" in box
    assert "Länken till ”sip-rutin-som-inte-finns” leder inte till en publicerad sida: dokumentet finns inte." in box
    assert "Länken till ”bara-utkast” leder inte till en publicerad sida: dokumentet är inte publicerat." in box
    response = client.post("/handbok/orosanmalan/publicera",
                           data={"number": str(revision.number), "change_note": "Länkar", "change_kind": "minor"})
    assert response.status_code == 302  # a warning, not a refusal


def test_the_edit_page_says_when_the_review_date_has_passed(client, login_as, make_document):
    document = make_document(meta={"decided_on": "2020-01-01", "review_by": "2021-01-01",
                                   "applies_to": ["Bildningsförvaltningen"]})
    login_as("editor")
    page = client.get("/handbok/orosanmalan/redigera").get_data(as_text=True)
    assert "Revideras senast (2021-01-01) har redan passerat." in _publish_box(page)
    # A text without problems has no such box.
    document = make_document("sip", "SIP", meta={"review_by": "2999-01-01", "applies_to": ["Socialförvaltningen"]})
    page = client.get("/handbok/sip/redigera").get_data(as_text=True)
    assert "Kontrollera innan du publicerar" not in page


def test_the_warning_follows_the_text_being_edited(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera",
                           data=edit_data(document, document.current_revision, body=BROKEN, action="preview"))
    assert re.search(r"Länken till ”sip-rutin-som-inte-finns”", _publish_box(response.get_data(as_text=True)))


def test_a_routine_for_no_department_is_pointed_out_and_a_section_is_not(client, login_as, make_document, system,
                                                                        organisation):
    routine = make_document(meta={"applies_to": []})
    make_document("om", "Om handboken", kind="section", meta={"applies_to": []})
    login_as("editor")
    warning = "Rutinen gäller ingen förvaltning (”Gäller för” är tomt): ingen enhet behöver införa den"
    assert warning in _publish_box(client.get("/handbok/orosanmalan/redigera").get_data(as_text=True))
    assert "Kontrollera innan du publicerar" not in client.get("/handbok/om/redigera").get_data(as_text=True)
    services.save_draft(system, routine, base_number=1, title=routine.title, body=routine.current_revision.body
                        + "Tillägg.\n", meta=routine.current_revision.meta)
    assert warning in _publish_box(client.get("/handbok/orosanmalan/utkast").get_data(as_text=True))
    # Ticking a department in the form takes the warning away (the preview shows what would be published).
    data = edit_data(routine, services.latest_revision(routine), action="preview")
    assert warning in client.post("/handbok/orosanmalan/redigera", data=data).get_data(as_text=True)
    response = client.post("/handbok/orosanmalan/redigera",
                           data={**data, "applies_to": [str(organisation["school_dept"].id)]})
    assert response.status_code == 200 and "Förhandsgranskning" in response.get_data(as_text=True)
    assert warning not in response.get_data(as_text=True)
