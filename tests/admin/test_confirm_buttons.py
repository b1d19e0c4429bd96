"""The danger buttons of the user page carry the question confirm.js asks; every page loads it."""
import re


def test_disable_and_remove_role_buttons_carry_a_question_naming_the_person(client, admin, make_user):
    person = make_user("editor")
    page = client.get(f"/admin/anvandare/{person.id}").get_data(as_text=True)
    disable = re.search(r'<button[^>]*data-confirm="([^"]*)"[^>]*>Inaktivera kontot</button>', page)
    assert disable and disable.group(1).startswith("Inaktivera kontot för Test editor?")
    remove = re.search(r'<button[^>]*data-confirm="([^"]*)"[^>]*>Ta bort rollen</button>', page)
    assert remove and remove.group(1).startswith("Ta bort den valda rollen från Test editor?")
    assert '<script src="/static/js/confirm.js" defer></script>' in page
    # No form inside a paragraph (invalid HTML: the browser would close the paragraph).
    assert not re.search(r"<p>\s*(?:{[^}]*}\s*)?<form", page)


def test_a_name_with_quotes_cannot_break_out_of_the_question(client, admin, make_user):
    person = make_user("reader")
    client.post(f"/admin/anvandare/{person.id}/profil",
                data={"profil-name": 'Ann "x" <b>', "profil-title": "", "profil-unit": str(person.unit_id)})
    page = client.get(f"/admin/anvandare/{person.id}").get_data(as_text=True)
    assert 'data-confirm="Inaktivera kontot för Ann &#34;x&#34; &lt;b&gt;?' in page


def test_the_script_is_served(client):
    response = client.get("/static/js/confirm.js")
    assert response.status_code == 200 and b"data-confirm" in response.data
