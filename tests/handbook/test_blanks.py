"""Blanks the municipality has not filled in ("[fyll i telefonnummer]") are marked on the document page:
readers see "Uppgift saknas" and what to do meanwhile, editors see the bracket and how many there are."""
from portal.handbook import services
from portal.handbook.markdown import mark_blanks, render

BODY = ("Vem ringer jag?\n\n| Vad | Telefon |\n|---|---|\n| Socialjouren | [fyll i telefonnummer till socialjouren] |\n"
        "| Polisen | 114 14 |\n\nE-tjänst: [Fyll i  adress till e-tjänsten].\n")


def test_a_reader_sees_what_is_missing_and_whom_to_call_meanwhile(client, login_as, make_document):
    make_document(body=BODY)
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "[fyll i" not in page.lower()
    assert '<td data-label="Telefon"><span class="blank">Uppgift saknas (telefonnummer till socialjouren)</span></td>' in page
    assert '<span class="blank">Uppgift saknas (adress till e-tjänsten)</span>' in page
    assert "Några uppgifter på sidan är inte ifyllda än" in page and "Är någon i akut fara: ring 112." in page


def test_an_editor_sees_the_brackets_marked_and_counted(client, login_as, make_document):
    make_document(body=BODY)
    login_as("editor")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert '<span class="blank">[fyll i telefonnummer till socialjouren]</span>' in page
    assert "Sidan har 2 uppgifter att fylla i (markerade nedan)." in page


def test_a_page_without_blanks_has_no_notice(client, login_as, make_document):
    make_document()
    login_as("reader")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "Uppgift saknas" not in page and "inte ifyllda än" not in page


def test_only_text_is_marked_never_inside_a_tag():
    html = render('[SIP](sip "[fyll i titel]") och [fyll i <script>x</script>]\n').html
    marked, count = mark_blanks(html)
    assert 'title="[fyll i titel]"' in marked and count == 1
    assert "<script>" not in marked


def test_a_blank_in_code_is_an_example_shown_as_written_and_not_counted(client, login_as, make_document):
    body = ("Skriv så här i mallen: `[fyll i namn]`.\n\n```\nTelefon: [fyll i telefonnummer]\n```\n\n"
            "Socialjouren: [fyll i telefonnummer till socialjouren]\n")
    marked, count = mark_blanks(render(body).html)
    assert count == 1
    assert "<code>[fyll i namn]</code>" in marked and "Telefon: [fyll i telefonnummer]\n</code>" in marked
    assert '<span class="blank">Uppgift saknas (telefonnummer till socialjouren)</span>' in marked
    make_document(body=body)
    login_as("editor")
    page = client.get("/handbok/orosanmalan").get_data(as_text=True)
    assert "Sidan har 1 uppgift att fylla i (markerade nedan)." in page
    todo = client.get("/redaktor").get_data(as_text=True)
    assert "1 plats att fylla i" in todo and "3 platser" not in todo


def test_an_old_version_shows_blanks_as_the_document_page_does(client, login_as, make_document, system):
    document = make_document(body=BODY)
    services.save_and_publish(system, document, base_number=1, title=document.title, body="Allt ifyllt.\n",
                              meta=document.current_revision.meta, note="Ifyllt", substantial=False)
    login_as("reader")
    page = client.get("/handbok/orosanmalan/version/1").get_data(as_text=True)
    assert "[fyll i" not in page.lower()
    assert '<span class="blank">Uppgift saknas (telefonnummer till socialjouren)</span>' in page
    client.post("/logga-ut")
    login_as("editor")
    page = client.get("/handbok/orosanmalan/version/1").get_data(as_text=True)
    assert '<span class="blank">[fyll i telefonnummer till socialjouren]</span>' in page
