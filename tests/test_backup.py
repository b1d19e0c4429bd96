"""Backup and restore: a round-trip through `flask backup` and `flask restore` brings back every row."""
import json
import re

from sqlalchemy import create_engine, event, select

from config import TestConfig
from portal import create_app
from portal.extensions import db
from portal.org.models import Department, Unit
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


def _jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_backup_is_one_snapshot_while_others_write(app, organisation, tmp_path):
    """A department and its unit committed by someone else after the backup has read the
    departments, but before it reads the units: the copy has neither (one consistent moment), not
    a unit whose department is missing, which restore would refuse."""
    other = create_engine(db.engine.url)
    seen = {}

    def write_meanwhile(conn, cursor, statement, parameters, context, executemany):
        if seen or not re.search(r"\bFROM departments\b", statement):
            return
        if conn.dialect.name == "postgresql":
            seen["isolation"] = conn.exec_driver_sql("SHOW transaction_isolation").scalar()
            seen["read_only"] = conn.exec_driver_sql("SHOW transaction_read_only").scalar()
        else:
            seen["read"] = True
        with other.begin() as writer:
            department_id = writer.execute(Department.__table__.insert().values(
                code="miljo", name="Miljöförvaltningen")).inserted_primary_key[0]
            writer.execute(Unit.__table__.insert().values(department_id=department_id, name="Miljöenheten",
                                                          kind="annan"))

    event.listen(db.engine, "after_cursor_execute", write_meanwhile)
    try:
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "kopia")])
    finally:
        event.remove(db.engine, "after_cursor_execute", write_meanwhile)
        other.dispose()
    assert result.exit_code == 0, result.output
    assert seen, "the backup never read the departments"
    if db.engine.dialect.name == "postgresql":
        assert (seen["isolation"], seen["read_only"]) == ("repeatable read", "on")
    departments = _jsonl(tmp_path / "kopia" / "databas" / "departments.jsonl")
    units = _jsonl(tmp_path / "kopia" / "databas" / "units.jsonl")
    assert sorted(d["name"] for d in departments) == ["Bildningsförvaltningen", "Socialförvaltningen"]
    assert sorted(u["name"] for u in units) == ["Ekbackens skola", "Mottagningsgruppen", "Sjöängsskolan"]
    manifest = json.loads((tmp_path / "kopia" / "backup.json").read_text(encoding="utf-8"))
    assert (manifest["tables"]["departments"], manifest["tables"]["units"]) == (2, 3)
    # The write itself went through: the backup blocked nobody.
    db.session.expire_all()
    added = db.session.scalars(select(Unit).where(Unit.name == "Miljöenheten")).one()
    assert added.department.name == "Miljöförvaltningen"
