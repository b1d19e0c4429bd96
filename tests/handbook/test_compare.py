"""Comparing versions: a word-level diff a non-programmer can read."""
from portal.handbook import services
from portal.handbook.diff import word_diff


def test_word_diff_marks_changed_words_only():
    segments = word_diff("Anmäl genast till socialtjänsten.", "Anmäl omedelbart till socialtjänsten.")
    assert [(s.kind, s.text) for s in segments] == [
        ("same", "Anmäl "), ("removed", "genast"), ("added", "omedelbart"), ("same", " till socialtjänsten.")]


def test_long_unchanged_stretches_are_folded():
    lines = "\n".join(f"Rad {i}" for i in range(40))
    segments = word_diff("Början\n" + lines + "\nSlut", "Början ändrad\n" + lines + "\nSlut")
    assert any(s.kind == "folded" and s.folded_lines > 30 for s in segments)


def test_compare_page_shows_changed_words_and_metadata(client, login_as, make_document, system):
    document = make_document()
    meta = dict(document.current_revision.meta, review_by="2027-01-31")
    body = document.current_revision.body.replace("Anmäl genast", "Anmäl omedelbart")
    revision = services.save_draft(system, document, base_number=1, title=document.title, body=body, meta=meta)
    services.publish(document, revision, system, "Förtydligat", True)
    login_as("reader")
    page = client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True)
    assert "<del><span class=\"visually-hidden\">[borttaget:] </span>genast" in page
    assert "<ins><span class=\"visually-hidden\">[tillagt:] </span>omedelbart" in page
    assert "<th scope=\"row\">Revideras senast</th><td>–</td><td>2027-01-31</td>" in page
    assert "Förtydligat" in page


def test_compare_with_bad_parameters_explains_in_swedish(client, login_as, make_document):
    make_document()
    login_as("reader")
    for query, message in (
            ("", "Välj vilka två versioner du vill jämföra: &#8221;Från version&#8221; och &#8221;Till version&#8221;."),
            ("?fran=1", "Välj vilka två versioner du vill jämföra"),
            ("?fran=a&till=1", "&#8221;Från version&#8221; ska vara ett versionsnummer (1, 2, 3 …), inte &#8221;a&#8221;."),
            ("?fran=-1&till=1", "&#8221;Från version&#8221; ska vara ett versionsnummer"),
            ("?fran=1&till=" + "9" * 30, "&#8221;Till version&#8221; ska vara ett versionsnummer")):
        response = client.get("/handbok/orosanmalan/jamfor" + query)
        assert response.status_code == 400, query
        page = response.get_data(as_text=True)
        assert message in page.replace("”", "&#8221;"), query
        assert "”fran”" not in page and "”till”" not in page
    response = client.get("/handbok/orosanmalan/jamfor?fran=1&till=7")
    assert response.status_code == 404 and "Version 7 finns inte" in response.get_data(as_text=True)


def test_comparing_backwards_does_not_show_the_older_note_as_the_change(client, login_as, make_document, system):
    document = make_document(note="Första versionen")
    services.save_and_publish(system, document, base_number=1, title=document.title, body="Ny text.\n",
                              meta=document.current_revision.meta, note="Förtydligat", substantial=False)
    login_as("reader")
    page = client.get("/handbok/orosanmalan/jamfor?fran=2&till=1").get_data(as_text=True)
    assert "Du jämför bakåt" in page and "Ändringsnotering: Första versionen" not in page
    forward = client.get("/handbok/orosanmalan/jamfor?fran=1&till=2").get_data(as_text=True)
    assert "Ändringsnotering: Förtydligat" in forward and "Du jämför bakåt" not in forward


def test_a_position_that_is_not_a_whole_number_gets_one_message(client, login_as, make_document):
    document = make_document()
    login_as("editor")
    for value, message in (("1e3", "Ange ett heltal."), ("99999999999", "Ange ett heltal mellan −1 000 000 och 1 000 000.")):
        page = client.post("/handbok/orosanmalan/installningar", data={
            "struktur-parent": "0", "struktur-position": value, "struktur-kind": "routine",
            "struktur-department": str(document.department_id)}).get_data(as_text=True)
        error = page.split('id="struktur-position-fel">', 1)[1].split("</p>", 1)[0]
        assert error == message, value
