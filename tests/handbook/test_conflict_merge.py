"""The conflict page keeps everything the editor typed and merges title and metadata three ways;
a publication sent twice or with nothing changed is not called a conflict."""
import html
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.handbook import services
from portal.handbook.models import Revision
from tests.handbook.conftest import edit_data


def _revisions(document):
    return list(db.session.scalars(select(Revision).where(Revision.document_id == document.id)
                                   .order_by(Revision.number)))


def _field(page: str, name: str) -> str:
    """The value a form field has on the page (input value or textarea text)."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) \
        or re.search(rf'<textarea[^>]*name="{name}"[^>]*>(?:\r?\n)?(.*?)</textarea>', page, re.S)
    assert match, name
    return html.unescape(match.group(1))


@pytest.fixture
def second_editor(app, make_user):
    user = make_user("editor")
    other = app.test_client()
    other.post("/logga-in", data={"email": user.email, "password": "test-losenord-123"})
    return other


def test_publish_into_a_conflict_keeps_note_kind_and_comment_and_can_publish_the_merge(
        client, login_as, make_document, second_editor):
    document = make_document()
    login_as("editor")
    base = document.current_revision
    assert client.post("/handbok/orosanmalan/redigera",
                       data=edit_data(document, base, body="Den förstas text.\n")).status_code == 302
    response = second_editor.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, base, body="Den andras text.\n", action="publish", change_note="Flik tvås notering",
        change_kind="substantial", save_note="Min kommentar"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert _field(page, "change_note") == "Flik tvås notering"
    assert re.search(r'<input checked[^>]*value="substantial"|<input[^>]*value="substantial"[^>]*checked', page)
    assert _field(page, "save_note") == "Min kommentar"
    assert _field(page, "body") == "Den andras text.\n"
    assert "Publicera sammanslagen version" in page
    # Publishing from the conflict page publishes the merged text on top of version 2.
    merged = edit_data(document, base, body="Sammanslagen.\n", base_number="2", action="publish",
                       change_note="Flik tvås notering", change_kind="substantial")
    assert second_editor.post("/handbok/orosanmalan/redigera", data=merged).status_code == 302
    latest = _revisions(document)[-1]
    assert (latest.number, latest.body, latest.is_published, latest.substantial) == (3, "Sammanslagen.\n", True, True)


def test_title_and_metadata_changed_only_by_the_other_are_taken_not_reverted(
        client, login_as, make_document, second_editor):
    document = make_document()
    login_as("editor")
    base = document.current_revision
    assert client.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, base, title="A-titel", review_by="2028-01-01", owner="A-ägare", action="publish",
        change_note="Ny ägare", change_kind="minor")).status_code == 302
    response = second_editor.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, base, body="B:s nya text.\n", action="publish", change_note="B", change_kind="minor"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert _field(page, "title") == "A-titel"
    assert _field(page, "review_by") == "2028-01-01" and _field(page, "owner") == "A-ägare"
    assert _field(page, "body") == "B:s nya text.\n"
    assert "Ändrat bara i version 2: taget in i formuläret" in page
    assert "<th scope=\"row\">Rubrik</th><td>Orosanmälan – när och hur</td><td>A-titel</td>" in page
    assert "<th scope=\"row\">Revideras senast</th>" in page
    # Saving the form as the page fills it keeps the other editor's title and metadata.
    fields = {name: _field(page, name) for name in ("title", "body", "review_by", "owner", "decided_by",
                                                      "decided_on", "legal_refs", "tags", "base_number")}
    second = edit_data(document, base, **fields, action="save")
    assert second_editor.post("/handbok/orosanmalan/redigera", data=second).status_code == 302
    latest = _revisions(document)[-1]
    assert latest.title == "A-titel" and latest.meta["owner"] == "A-ägare" and latest.meta["review_by"] == "2028-01-01"
    assert latest.body == "B:s nya text.\n"


def _conflict_page(client, login_as, make_document, second_editor, theirs: dict, yours: dict) -> str:
    """The second editor's page after both started from version 1 and the first saved `theirs`."""
    document = make_document()
    login_as("editor")
    base = document.current_revision
    client.post("/handbok/orosanmalan/redigera", data=edit_data(document, base, **theirs))
    response = second_editor.post("/handbok/orosanmalan/redigera", data=edit_data(document, base, **yours))
    assert response.status_code == 409
    return response.get_data(as_text=True)


def test_a_field_both_changed_keeps_yours_and_shows_both(client, login_as, make_document, second_editor):
    page = _conflict_page(client, login_as, make_document, second_editor,
                          {"title": "Deras rubrik"}, {"title": "Min rubrik"})
    assert _field(page, "title") == "Min rubrik"
    assert "Ändrat både av dig och i version 2" in page
    assert "<th scope=\"row\">Rubrik</th><td>Deras rubrik</td><td>Min rubrik</td>" in page


def test_text_only_they_changed_is_proposed_as_theirs(client, login_as, make_document, second_editor):
    page = _conflict_page(client, login_as, make_document, second_editor,
                          {"body": "Deras text.\n"}, {"owner": "Ny ägare"})
    assert _field(page, "body") == "Deras text.\n" and _field(page, "owner") == "Ny ägare"
    assert "Du har inte ändrat texten, så formuläret har texten från version 2." in page


def test_publishing_with_nothing_changed_says_so_and_stores_nothing(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera", data=edit_data(
        document, document.current_revision, action="publish", change_note="Inget", change_kind="minor"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Inget är ändrat sedan version 1, som redan är publicerad" in page
    assert "Någon annan" not in page and "Dokumentet har ändrats medan" not in page
    assert [r.number for r in _revisions(document)] == [1]


def test_a_publish_sent_twice_is_published_once_without_a_conflict(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    data = edit_data(document, document.current_revision, body="Ny text.\n", action="publish",
                     change_note="Förtydligat", change_kind="minor")
    assert client.post("/handbok/orosanmalan/redigera", data=data).status_code == 302
    again = client.post("/handbok/orosanmalan/redigera", data=data)
    assert again.status_code == 302 and again.headers["Location"].endswith("/handbok/orosanmalan")
    assert [(r.number, r.is_published) for r in _revisions(document)] == [(1, True), (2, True)]
    # The same text with another note is a new publication attempt, and a conflict (version 2 exists).
    other = client.post("/handbok/orosanmalan/redigera", data={**data, "change_note": "Annan notering"})
    assert other.status_code == 409


def test_saving_an_unchanged_text_says_no_version_was_saved(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    response = client.post("/handbok/orosanmalan/redigera", data=edit_data(document, document.current_revision),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Inget är ändrat sedan version 1, så ingen ny version sparades." in page
    assert "Utkastet är sparat" not in page
    assert [r.number for r in _revisions(document)] == [1]


def test_a_conflict_with_your_own_other_tab_says_so(client, login_as, make_document):
    document = make_document()
    user = login_as("editor")
    base = document.current_revision
    client.post("/handbok/orosanmalan/redigera", data=edit_data(document, base, body="Flik ett.\n"))
    page = client.post("/handbok/orosanmalan/redigera",
                       data=edit_data(document, base, body="Flik två.\n")).get_data(as_text=True)
    assert "Du har själv sparat version 2 (i en annan flik eller ett annat fönster)" in page
    assert user.email not in page.split("<main", 1)[1].split("</main>")[0].replace(f"value=\"{user.email}\"", "")


def test_merge_without_a_base_keeps_everything_yours(app, make_document, system):
    document = make_document()
    theirs = document.current_revision
    yours = {"title": "Min", "body": "Min text.\n", "meta": dict(theirs.meta, owner="Jag")}
    merge = services.merge_conflict(None, theirs, yours)
    assert (merge.title, merge.body, merge.meta["owner"], merge.taken, merge.clashes) == (
        "Min", "Min text.\n", "Jag", [], [])


def _with_paragraph(after: str, paragraph: str) -> str:
    from tests.handbook.conftest import ROUTINE_BODY
    return ROUTINE_BODY.replace(after, f"{after}\n\n{paragraph}", 1)


def test_paragraphs_added_in_different_places_are_both_in_the_proposal_and_the_saved_merge(
        client, login_as, make_document, second_editor):
    # The tester's case: B appends a paragraph near the end, A adds one after the introduction.
    from tests.handbook.conftest import ROUTINE_BODY
    theirs_body = ROUTINE_BODY.replace("2. Berätta för rektor.\n", "2. Berätta för rektor.\n\nSTYCKE FRÅN B.\n")
    yours_body = _with_paragraph("Inledning om rutinen.", "STYCKE FRÅN A.")
    page = _conflict_page(client, login_as, make_document, second_editor,
                          {"body": theirs_body}, {"body": yours_body})
    proposal = _field(page, "body")
    assert "STYCKE FRÅN A." in proposal and "STYCKE FRÅN B." in proposal
    assert proposal.index("STYCKE FRÅN A.") < proposal.index("## Syfte") < proposal.index("STYCKE FRÅN B.")
    assert "1 ställe i texten som bara ändrades i version 2 är taget in i förslaget" in page
    assert "där ni båda ändrat samma rader" not in page
    # Saving the proposal as it stands keeps both editors' work.
    document = db.session.scalar(select(services.Document).where(services.Document.slug == "orosanmalan"))
    response = second_editor.post("/handbok/orosanmalan/redigera",
                                  data=edit_data(document, _revisions(document)[1], body=proposal))
    assert response.status_code == 302
    db.session.expire_all()
    saved = _revisions(document)[-1]
    assert saved.number == 3 and "STYCKE FRÅN A." in saved.body and "STYCKE FRÅN B." in saved.body


def test_lines_both_changed_keep_yours_and_show_both_texts(client, login_as, make_document, second_editor):
    from tests.handbook.conftest import ROUTINE_BODY
    theirs_body = ROUTINE_BODY.replace("1. Anmäl genast till socialtjänsten.", "1. Ring socialjouren.")
    yours_body = ROUTINE_BODY.replace("1. Anmäl genast till socialtjänsten.", "1. Anmäl samma dag.") \
        .replace("Inledning om rutinen.", "Inledning om rutinen, ny.")
    page = _conflict_page(client, login_as, make_document, second_editor,
                          {"body": theirs_body}, {"body": yours_body})
    proposal = _field(page, "body")
    assert "1. Anmäl samma dag." in proposal and "Inledning om rutinen, ny." in proposal
    assert "Ring socialjouren" not in proposal
    assert "1 ställe där ni båda ändrat samma rader: förslaget har din text, välj själv" in page
    assert '<pre class="diff">1. Ring socialjouren.</pre>' in page
    assert '<pre class="diff">1. Anmäl samma dag.</pre>' in page


def test_the_text_merge_takes_only_what_the_other_changed(app):
    from portal.handbook.merge import merge_text
    base = "Ett.\n\nTvå.\n\nTre.\n"
    merged = merge_text(base, "Ett.\n\nTvå, deras.\n\nTre.\n", "Ett, min.\n\nTvå.\n\nTre.")
    assert (merged.body, merged.taken, merged.clashes) == ("Ett, min.\n\nTvå, deras.\n\nTre.\n", 1, [])
    removed = merge_text(base, "Ett.\n\nTre.\n", "Ett.\n\nTvå, min.\n\nTre.\n")
    assert removed.body == "Ett.\n\nTvå, min.\n\nTre.\n" and removed.clashes == [("", "Två, min.")]
