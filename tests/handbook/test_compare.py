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
    for query in ("", "?fran=a&till=1", "?fran=1", "?fran=-1&till=1", "?fran=1&till=" + "9" * 30):
        response = client.get("/handbok/orosanmalan/jamfor" + query)
        assert response.status_code == 400, query
        assert "Ange versionsnummer som heltal" in response.get_data(as_text=True)
    response = client.get("/handbok/orosanmalan/jamfor?fran=1&till=7")
    assert response.status_code == 404 and "Version 7 finns inte" in response.get_data(as_text=True)
