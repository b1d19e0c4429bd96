"""Backup and restore: a round-trip through `flask backup` and `flask restore` brings back every row."""
from config import TestConfig
from portal import create_app
from portal.extensions import db
from tests.adoption.conftest import META
from tests.conftest import table_snapshot
from tests.handbook.conftest import make_document, system  # noqa: F401  (fixtures)


def _populate(client, login, make_user, make_document, organisation, system):
    from portal.api.services import issue_token
    from portal.handbook import services as handbook

    parent = make_document("avsnitt", "Avsnitt", kind="section", body="Text med [länk](orosanmalan).\n")
    routine = make_document(meta=META, parent=parent)
    # The parent gets a higher id than its child after a move: restore must cope with that order.
    late = make_document("senare", "Senare avsnitt", kind="section", body="Senare.\n")
    handbook.update_structure(system, parent, parent=late, position=5, kind="section", department=parent.department)
    handbook.save_draft(system, routine, base_number=1, title="Utkast", body="Utkast med å ä ö 🙂\n",
                        meta=routine.current_revision.meta)
    handbook.rename_slug(system, late, "senare-adress")
    head = make_user("unit_head")
    issue_token(system, head, "Rapport")
    login(head)
    client.post(f"/min-enhet/{organisation['school'].id}/orosanmalan/punkt/0",
                data={"revision": "1", "done": "y", "comment": "Klart på APT"})
    client.post(f"/min-enhet/{organisation['school'].id}/orosanmalan/bekrafta",
                data={"revision": "1", "reason": "Blanketten kommer nästa vecka"})


def test_backup_then_restore_into_an_empty_database_brings_back_everything(
        app, client, login, make_user, make_document, organisation, system, tmp_path, empty_database_url):
    _populate(client, login, make_user, make_document, organisation, system)
    original = table_snapshot()
    assert all(original[t] for t in ("revisions", "adoption_items", "adoption_confirmations", "api_tokens",
                                     "slug_redirects", "audit_events", "document_changes"))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "kopia")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "kopia" / "innehall" / "orosanmalan.md").read_text(encoding="utf-8").startswith("---\nslug:")

    class Empty(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url
        SEARCH_INDEX_DIR = str(tmp_path / "index2")

    other = create_app(Empty)
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["restore", str(tmp_path / "kopia")])
        assert result.exit_code == 0, result.output
        restored = table_snapshot()
        # The restored database keeps working: new rows get fresh ids after the restored ones.
        from portal.org import services as org
        org.create_department("test", "Ny förvaltning")
        db.session.remove()
        db.engine.dispose()
    assert restored == original


def test_restore_refuses_a_database_that_is_not_empty(app, organisation, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "kopia")]).exit_code == 0
    result = runner.invoke(args=["restore", str(tmp_path / "kopia")])
    assert result.exit_code != 0 and "Databasen är inte tom" in result.output


def test_backup_refuses_a_directory_with_files(app, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "annat.txt").write_text("x")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "full")])
    assert result.exit_code != 0 and "är inte tom" in result.output


def test_restore_refuses_a_directory_that_is_no_backup(app, tmp_path):
    (tmp_path / "tom").mkdir()
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "tom")])
    assert result.exit_code != 0 and "ingen säkerhetskopia" in result.output
