"""Notes to the editors ("Kontrollera (redaktör):") are for editors only; blanks are listed for them."""
from portal.handbook.markdown import plain_text, render

BODY = ("Inledning.\n\n> **Kontrollera (redaktör):** paragrafnumret i lagen om zebrafink.\n\n"
        "> Ett vanligt citat.\n\n## Kontakter\n\nSocialjouren: [fyll i telefonnummer]\n")


def test_readers_html_and_search_text_leave_the_notes_out():
    rendered = render(BODY)
    assert "Kontrollera" not in rendered.html and "zebrafink" not in rendered.html
    assert "<blockquote>\n<p>Ett vanligt citat.</p>" in rendered.html
    assert rendered.editor_notes == ["paragrafnumret i lagen om zebrafink."]
    assert "zebrafink" not in plain_text(BODY) and "Ett vanligt citat." in plain_text(BODY)
    editor = render(BODY, editor=True).html
    assert '<blockquote class="editor-note">\n<p><strong>Kontrollera (redaktör):</strong> paragrafnumret' in editor


def test_document_page_shows_notes_to_editors_in_scope_only(client, login_as, make_document):
    make_document(body=BODY)
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "zebrafink" not in page and "Ett vanligt citat." in page
    search_page = client.get("/sok?q=zebrafink").get_data(as_text=True)
    assert 'id="sokresultat"' not in search_page  # the note's words are not indexed
    assert 'id="sokresultat"' in client.get("/sok?q=citat").get_data(as_text=True)
    client.post("/logga-ut")
    login_as("editor")  # an editor of the document's department
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert '<blockquote class="editor-note">' in page and "zebrafink" in page
    preview = client.post("/handbok/forhandsgranska", data={"body": BODY}).get_json()["html"]
    assert "editor-note" in preview and "zebrafink" in preview
    client.post("/logga-ut")
    login_as("reader")
    assert "zebrafink" not in client.get("/handbok/orosanmalan").get_data(as_text=True)  # not from a cache


def test_editor_overview_lists_notes_and_blanks(client, login_as, make_document):
    make_document(body=BODY)
    make_document("sip", "SIP", body="Inget att kontrollera.\n")
    login_as("editor")
    page = client.get("/redaktor").get_data(as_text=True)
    section = page.split('id="att-kontrollera"', 1)[1].split("</section>", 1)[0]
    assert "Orosanmälan – när och hur</a> – 1 plats att fylla i" in section
    assert "<li>paragrafnumret i lagen om zebrafink.</li>" in section
    assert "SIP" not in section


def test_editor_overview_shows_a_notes_markdown_formatted_and_escaped(client, login_as, make_document):
    make_document(body="Text.\n\n> **Kontrollera (redaktör):** *Till rektor:* fråga om [SIP](sip) och <b>fet</b>.\n")
    login_as("editor")
    page = client.get("/redaktor").get_data(as_text=True)
    section = page.split('id="att-kontrollera"', 1)[1].split("</section>", 1)[0]
    assert "<em>Till rektor:</em>" in section and "*Till rektor:*" not in section
    assert '<a href="/handbok/sip">SIP</a>' in section
    assert "&lt;b&gt;fet&lt;/b&gt;" in section and "<b>fet</b>" not in section
