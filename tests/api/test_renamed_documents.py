"""The API follows renamed documents: an old slug answers 301 to the same API path under the new slug."""
import pytest

from portal.handbook import services as handbook
from tests.handbook.conftest import make_document, system  # noqa: F401  (fixtures)


@pytest.mark.parametrize("subpath", ["", "/revisions", "/revisions/1"])
def test_an_old_slug_redirects_to_the_same_api_path_under_the_new_slug(client, make_document, system,
                                                                         token_for, subpath):
    document = make_document()
    handbook.rename_slug(system, document, "orosanmalan-ny")
    headers = token_for()
    response = client.get(f"/api/v1/documents/orosanmalan{subpath}", headers=headers)
    assert response.status_code == 301
    assert response.headers["Location"] == f"/api/v1/documents/orosanmalan-ny{subpath}"
    assert response.get_json()["moved"] == {
        "slug": "orosanmalan-ny", "location": f"/api/v1/documents/orosanmalan-ny{subpath}",
        "message": f"Dokumentet har flyttat till /api/v1/documents/orosanmalan-ny{subpath}."}
    followed = client.get(response.headers["Location"], headers=headers)
    assert followed.status_code == 200
    assert followed.get_json() == client.get(f"/api/v1/documents/orosanmalan-ny{subpath}", headers=headers).get_json()


def test_every_slug_of_a_chain_of_renames_redirects_straight_to_the_current_one(client, make_document, system,
                                                                                 token_for):
    document = make_document()
    handbook.rename_slug(system, document, "andra")
    handbook.rename_slug(system, document, "tredje")
    for old in ("orosanmalan", "andra"):
        response = client.get(f"/api/v1/documents/{old}/revisions", headers=token_for())
        assert (response.status_code, response.headers["Location"]) == (301, "/api/v1/documents/tredje/revisions")


def test_an_unknown_version_at_an_old_slug_redirects_and_is_404_at_the_new_one(client, make_document, system,
                                                                               token_for):
    handbook.rename_slug(system, make_document(), "orosanmalan-ny")
    headers = token_for()
    response = client.get("/api/v1/documents/orosanmalan/revisions/9", headers=headers)
    assert (response.status_code, response.headers["Location"]) == (301, "/api/v1/documents/orosanmalan-ny/revisions/9")
    assert client.get(response.headers["Location"], headers=headers).status_code == 404


@pytest.mark.parametrize("role", ["reader", "editor", "admin"])
@pytest.mark.parametrize("hidden", ["draft", "archived"])
def test_an_old_slug_of_a_document_the_api_does_not_show_is_404_like_an_unknown_slug(
        client, make_document, system, token_for, role, hidden):
    document = make_document(publish=hidden != "draft")
    handbook.rename_slug(system, document, "hemlig-ny")
    if hidden == "archived":
        handbook.set_archived(system, document, True)
    headers = token_for(role)
    unknown = client.get("/api/v1/documents/finns-inte", headers=headers)
    for path in ("", "/revisions", "/revisions/1"):
        response = client.get(f"/api/v1/documents/orosanmalan{path}", headers=headers)
        assert response.status_code == 404 and "Location" not in response.headers
        assert response.get_json() == unknown.get_json()
        assert "hemlig-ny" not in response.get_data(as_text=True)


def test_an_anonymous_caller_gets_401_at_an_old_slug_not_the_new_address(client, make_document, system):
    handbook.rename_slug(system, make_document(), "orosanmalan-ny")
    response = client.get("/api/v1/documents/orosanmalan")
    assert response.status_code == 401 and "Location" not in response.headers
    assert "orosanmalan-ny" not in response.get_data(as_text=True)


def test_adoption_of_a_routine_by_its_old_slug_redirects_keeping_the_other_parameters(
        client, make_document, system, token_for, organisation):
    handbook.rename_slug(system, make_document(), "orosanmalan-ny")
    headers = token_for("unit_head")
    unit = organisation["school"].id
    response = client.get(f"/api/v1/adoption?routine=orosanmalan&unit={unit}", headers=headers)
    assert response.status_code == 301
    assert response.headers["Location"] == f"/api/v1/adoption?routine=orosanmalan-ny&unit={unit}"
    assert response.get_json()["moved"]["slug"] == "orosanmalan-ny"
    rows = client.get(response.headers["Location"], headers=headers).get_json()["adoption"]
    assert [(r["routine"], r["unit"]) for r in rows] == [("orosanmalan-ny", "Ekbackens skola")]


def test_adoption_of_an_archived_routine_by_its_old_slug_is_404_like_an_unknown_one(
        client, make_document, system, token_for):
    document = make_document()
    handbook.rename_slug(system, document, "orosanmalan-ny")
    handbook.set_archived(system, document, True)
    headers = token_for("admin")
    response = client.get("/api/v1/adoption?routine=orosanmalan", headers=headers)
    assert response.status_code == 404 and "Location" not in response.headers
    assert response.get_json() == client.get("/api/v1/adoption?routine=finns-inte", headers=headers).get_json()
