"""Editing: drafts, publishing with a change note, preview, conflicts, restore, permissions."""
from sqlalchemy import func, select

from portal.audit import AuditEvent
from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Document, Revision
from tests.conftest import table_snapshot
from tests.handbook.conftest import edit_data


def _revisions(document):
    return list(db.session.scalars(select(Revision).where(Revision.document_id == document.id)
                                   .order_by(Revision.number)))


def test_saving_a_draft_makes_a_new_revision_readers_do_not_see(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera",
                           data=edit_data(document, document.current_revision, body="Helt ny text.\n"))
    assert response.status_code == 302
    revisions = _revisions(document)
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[1].body == "Helt ny text.\n" and not revisions[1].is_published
    assert db.session.get(Document, document.id).current_revision_id == revisions[0].id
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "document.saved")) == 1


def test_saving_unchanged_text_makes_no_revision(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    client.post("/handbok/orosanmalan/redigera", data=edit_data(document, document.current_revision))
    assert len(_revisions(document)) == 1


def test_publish_needs_a_change_note_and_a_kind_of_change(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    before = table_snapshot()
    response = client.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, document.current_revision, body="Ny text.\n", action="publish", change_note=""))
    assert response.status_code == 400
    assert "Skriv en ändringsnotering" in response.get_data(as_text=True)
    response = client.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, document.current_revision, body="Ny text.\n", action="publish", change_note="Uppdaterad"))
    assert response.status_code == 400
    assert "Välj om det är en språklig eller en väsentlig ändring." in response.get_data(as_text=True)
    assert table_snapshot() == before


def test_publish_makes_the_new_version_current_with_note_and_kind(client, login_as, make_document):
    document = make_document()
    editor = login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, document.current_revision, body="Anmäl omedelbart.\n", action="publish",
        change_note="Förtydligat när man ska anmäla", change_kind="substantial"))
    assert response.status_code == 302
    document = db.session.get(Document, document.id)
    current = document.current_revision
    assert (current.number, current.change_note, current.substantial) == (2, "Förtydligat när man ska anmäla", True)
    assert current.published_by_id == editor.id
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "Anmäl omedelbart." in page and "Väsentlig ändring".lower() in page


def test_publishing_a_pending_draft_from_the_draft_page(client, login_as, make_document, system):
    document = make_document()
    services.save_draft(system, document, base_number=1, title="Ny rubrik", body="Utkast.\n",
                        meta=document.current_revision.meta)
    login_as("editor")
    page = client.get("/handbok/orosanmalan/utkast").get_data(as_text=True)
    assert "Ändringar mot gällande version 1" in page and "<ins>" in page
    response = client.post("/handbok/orosanmalan/publicera",
                           data={"number": "2", "change_note": "Ny rubrik", "change_kind": "minor"})
    assert response.status_code == 302
    document = db.session.get(Document, document.id)
    assert document.current_revision.number == 2 and document.title == "Ny rubrik"
    assert document.current_revision.substantial is False


def test_preview_renders_without_saving(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, document.current_revision, body="## Ny rubrik\n\n**Fet** text", action="preview"))
    page = response.get_data(as_text=True)
    assert '<h2 id="ny-rubrik">Ny rubrik</h2>' in page and "<strong>Fet</strong>" in page
    assert len(_revisions(document)) == 1
    json_preview = client.post("/handbok/forhandsgranska", data={"body": "*kursiv*"}).get_json()
    assert json_preview["html"] == "<p><em>kursiv</em></p>\n"


def test_concurrent_save_shows_conflict_with_both_texts_and_loses_nothing(app, client, login_as,
                                                                         make_document, make_user, login):
    document = make_document()
    first = login_as("editor")
    other_client = app.test_client()
    second = make_user("editor")
    other_client.post("/logga-in", data={"email": second.email, "password": "test-losenord-123"})
    base = document.current_revision
    assert client.post("/handbok/orosanmalan/redigera",
                       data=edit_data(document, base, body="Första redaktörens text.\n")).status_code == 302
    response = other_client.post("/handbok/orosanmalan/redigera",
                                 data=edit_data(document, base, body="Andra redaktörens text.\n"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Dokumentet har ändrats medan du redigerade" in page
    assert "Första redaktörens text." in page and "Andra redaktörens text." in page
    assert 'name="base_number" type="hidden" value="2"' in page
    assert [r.body for r in _revisions(document)][-1] == "Första redaktörens text.\n"
    # The second editor merges and saves on top of version 2.
    merged = edit_data(document, base, body="Sammanslagen text.\n", base_number="2")
    assert other_client.post("/handbok/orosanmalan/redigera", data=merged).status_code == 302
    assert [r.body for r in _revisions(document)][-2:] == ["Första redaktörens text.\n", "Sammanslagen text.\n"]


def test_publish_of_a_draft_that_changed_meanwhile_is_refused(client, login_as, make_document, system):
    document = make_document()
    services.save_draft(system, document, base_number=1, title=document.title, body="Utkast 2.\n",
                        meta=document.current_revision.meta)
    services.save_draft(system, document, base_number=2, title=document.title, body="Utkast 3.\n",
                        meta=document.current_revision.meta)
    login_as("editor")
    response = client.post("/handbok/orosanmalan/publicera",
                           data={"number": "2", "change_note": "x", "change_kind": "minor"})
    assert response.status_code == 400
    assert "Utkastet har ändrats sedan du öppnade sidan" in response.get_data(as_text=True)
    assert db.session.get(Document, document.id).current_revision.number == 1


def test_restore_makes_an_old_version_a_new_draft_and_keeps_history(client, login_as, make_document, system):
    document = make_document()
    revision = services.save_draft(system, document, base_number=1, title=document.title, body="Version två.\n",
                                   meta=document.current_revision.meta)
    services.publish(document, revision, system, "Två", False)
    login_as("editor")
    response = client.post("/handbok/orosanmalan/version/1/aterstall")
    assert response.status_code == 302
    revisions = _revisions(document)
    assert [r.number for r in revisions] == [1, 2, 3]
    assert revisions[2].body == revisions[0].body and not revisions[2].is_published
    assert revisions[2].save_note == "Återställd från version 1"
    assert db.session.get(Document, document.id).current_revision.number == 2


def test_editor_outside_scope_cannot_edit_and_nothing_changes(client, login_as, make_document, organisation):
    document = make_document()  # owned by Socialförvaltningen
    login_as("editor", departments=[organisation["school_dept"]])
    before = table_snapshot()
    assert client.get("/handbok/orosanmalan/redigera").status_code == 403
    for url, data in [("/handbok/orosanmalan/redigera", edit_data(document, document.current_revision, body="x\n")),
                      ("/handbok/orosanmalan/version/1/aterstall", {}),
                      ("/handbok/orosanmalan/arkivera", {}),
                      ("/handbok/orosanmalan/installningar", {"adress-slug": "ny-adress"})]:
        assert client.post(url, data=data).status_code == 403, url
    assert table_snapshot() == before
    assert "Redigera</a>" not in client.get("/handbok/orosanmalan").get_data(as_text=True)


def test_reader_cannot_edit(client, login_as, make_document):
    document = make_document()
    login_as("reader")
    before = table_snapshot()
    assert client.get("/handbok/orosanmalan/redigera").status_code == 403
    assert client.post("/handbok/orosanmalan/redigera",
                       data=edit_data(document, document.current_revision, body="x\n")).status_code == 403
    assert table_snapshot() == before


def test_create_a_document_as_draft(client, login_as, organisation):
    login_as("editor")
    response = client.post("/handbok/ny", data={
        "title": "Skolfrånvaro", "slug": "skolfranvaro", "kind": "routine",
        "department": str(organisation["social_dept"].id), "parent": "0",
        "applies_to": [str(organisation["school_dept"].id)], "review_by": "2027-06-30"})
    assert response.status_code == 302 and response.headers["Location"] == "/handbok/skolfranvaro/redigera"
    document = db.session.scalar(select(Document).where(Document.slug == "skolfranvaro"))
    revision = services.latest_revision(document)
    assert not document.is_published
    assert revision.meta["applies_to"] == ["Bildningsförvaltningen"] and revision.meta["review_by"] == "2027-06-30"
    assert "## Checklista för införande" in revision.body


def test_create_refuses_bad_slugs_and_dates_with_swedish_messages(client, login_as, organisation, make_document):
    make_document()
    login_as("editor")
    base = {"title": "T", "kind": "routine", "department": str(organisation["social_dept"].id), "parent": "0"}
    before = table_snapshot()
    for slug, message in [("Åäö mellanslag", "Adressen får bara innehålla"), ("orosanmalan", "används redan"),
                          ("ny", "är reserverad"), ("-", "Adressen får bara innehålla")]:
        response = client.post("/handbok/ny", data={**base, "slug": slug})
        assert response.status_code == 400 and message in response.get_data(as_text=True), slug
    response = client.post("/handbok/ny", data={**base, "slug": "ok-adress", "review_by": "31/12/2026"})
    assert "Revideras senast ska vara ett datum som ÅÅÅÅ-MM-DD." in response.get_data(as_text=True)
    response = client.post("/handbok/ny", data={**base, "slug": "ok-adress",
                                                 "department": str(organisation["school_dept"].id)})
    assert response.status_code == 400  # not one of the editor's departments
    assert table_snapshot() == before


def test_edit_form_survives_absurd_input(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    before = table_snapshot()
    for changes in [{"title": "x" * 5000}, {"title": ""}, {"base_number": "abc"}, {"base_number": ""},
                    {"decided_on": "2026-13-45"}, {"body": "text\x00med nolltecken"},
                    {"tags": "ok, " + "y" * 500}, {"title": "\u202e\u0007"}]:
        response = client.post("/handbok/orosanmalan/redigera",
                               data=edit_data(document, document.current_revision, **changes))
        assert response.status_code == 400, changes
    assert table_snapshot() == before


def test_unicode_and_emoji_are_saved_as_written(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    text = "Språk: عربى, 中文, emoji 🧒🏽 och ”citattecken”.\n"
    client.post("/handbok/orosanmalan/redigera", data=edit_data(document, document.current_revision, body=text))
    assert _revisions(document)[-1].body == text


def test_a_one_megabyte_document_saves_and_renders(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    paragraph = "Det här är en mening om samverkan kring barn och unga i kommunen. " * 15 + "\n\n"
    body = "## Lång text\n\n" + paragraph * (1_000_000 // len(paragraph) + 1)
    assert len(body) > 1_000_000
    response = client.post("/handbook/orosanmalan/redigera".replace("handbook", "handbok"),
                           data=edit_data(document, document.current_revision, body=body, action="publish",
                                          change_note="Lång", change_kind="minor"))
    assert response.status_code == 302
    page = client.get("/handbok/orosanmalan")
    assert page.status_code == 200 and page.get_data(as_text=True).count("<p>Det här är en mening") > 900


def test_revisions_cannot_be_changed_after_insert(make_document):
    document = make_document()
    revision = document.current_revision
    revision.body = "manipulerad"
    try:
        db.session.commit()
    except RuntimeError as error:
        db.session.rollback()
        assert "immutable" in str(error)
    else:
        raise AssertionError("a revision's body could be changed")
    assert db.session.get(Revision, revision.id).body != "manipulerad"


def test_saving_after_being_logged_out_elsewhere_says_nothing_was_saved(client, login_as, make_document):
    """Logged out in another tab while writing: the form's token is still good, the session's user is gone."""
    document = make_document()
    login_as("editor")
    data = edit_data(document, document.current_revision, body="Text som inte får försvinna.\n")
    client.post("/logga-ut")
    response = client.post("/handbok/orosanmalan/redigera", data=data)
    assert response.status_code == 302 and "/logga-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Du är inte inloggad längre, så det du skickade sparades inte." in page
    assert [r.number for r in _revisions(document)] == [1]
    # A plain visit to a page that needs a login gets no such warning.
    page = client.get(client.get("/handbok/orosanmalan/redigera").headers["Location"]).get_data(as_text=True)
    assert "sparades inte" not in page
