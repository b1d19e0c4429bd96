"""`flask backup DIR` and `flask restore DIR`: the whole database as JSON Lines, plus the handbook
as Markdown for people. Restore goes into an empty, migrated database and brings back every row
with its id, so links, history and audit log survive exactly.
"""
import base64
import json
from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import Date, DateTime, LargeBinary, func, select, text

from portal.extensions import db

FORMAT_VERSION = 1


def _encode(value, column_type):
    if value is None:
        return None
    if isinstance(column_type, DateTime):
        return value.isoformat()
    if isinstance(column_type, Date):
        return value.isoformat()
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    return value


def _decode(value, column_type):
    if value is None:
        return None
    if isinstance(column_type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    return value


def _deferred_columns(table) -> list[str]:
    """Foreign keys that close a cycle (use_alter) or point into their own table (a parent with a
    higher id): filled in once every row exists."""
    return [fk.parent.name for fk in table.foreign_keys
            if fk.constraint.use_alter or fk.column.table is table]


def _begin_snapshot() -> None:
    """Start the transaction every read of the backup runs in, so the copy is one consistent
    moment even while the portal is in use: without it each table would be read as it is when its
    turn comes, and a unit added meanwhile could appear without its department.

    PostgreSQL: REPEATABLE READ, READ ONLY (a snapshot; its default READ COMMITTED sees every commit
    between statements). SQLite: an explicit BEGIN, because the driver starts transactions only
    before writes; in WAL mode (portal/extensions.py) the read transaction is a snapshot that does
    not block writers.
    """
    db.session.rollback()  # whatever came before must not be part of the snapshot
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ",
                                                 "postgresql_readonly": True})
    elif db.engine.dialect.name == "sqlite":
        db.session.execute(text("BEGIN"))


def backup(directory: Path) -> dict[str, int]:
    _begin_snapshot()
    try:
        return _write_backup(directory)
    finally:
        db.session.rollback()  # read only: end the snapshot, give the connection back as it was


def _write_backup(directory: Path) -> dict[str, int]:
    from portal.content.services import export_directory

    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    data_dir = directory / "databas"
    data_dir.mkdir(exist_ok=True)
    for table in db.metadata.sorted_tables:
        columns = list(table.columns)
        key = [c for c in table.primary_key.columns]
        rows = db.session.execute(select(table).order_by(*key)).all()
        with (data_dir / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({c.name: _encode(row._mapping[c], c.type) for c in columns},
                                     ensure_ascii=False) + "\n")
        counts[table.name] = len(rows)
    export_directory(directory / "innehall")
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    (directory / "backup.json").write_text(json.dumps(
        {"format": FORMAT_VERSION, "created_at": datetime.now().isoformat(timespec="seconds"),
         "schema_revision": revision, "tables": counts}, ensure_ascii=False, indent=2), encoding="utf-8")
    return counts


class RestoreError(Exception):
    pass


def restore(directory: Path) -> dict[str, int]:
    manifest_path = directory / "backup.json"
    if not manifest_path.exists():
        raise RestoreError(f"{directory} är ingen säkerhetskopia (backup.json saknas).")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise RestoreError("Säkerhetskopian har ett okänt format.")
    current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current != manifest["schema_revision"]:
        raise RestoreError(f"Säkerhetskopian är gjord med databasschema {manifest['schema_revision']}, databasen har "
                           f"{current}. Återställ till en databas med samma schema och kör sedan flask db upgrade.")
    for table in db.metadata.sorted_tables:
        if db.session.scalar(select(func.count()).select_from(table)):
            raise RestoreError(f"Databasen är inte tom (tabellen {table.name} har rader). "
                               "Återställ bara till en ny, tom databas.")
    counts, deferred_updates = {}, []
    for table in db.metadata.sorted_tables:
        path = directory / "databas" / f"{table.name}.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        deferred = _deferred_columns(table)
        decoded = []
        for row in rows:
            values = {c.name: _decode(row.get(c.name), c.type) for c in table.columns}
            later = {name: values.pop(name) for name in deferred if values.get(name) is not None}
            if later:
                deferred_updates.append((table, values, later))
            decoded.append({**values, **{name: None for name in deferred}})
        if decoded:
            db.session.execute(table.insert(), decoded)
        counts[table.name] = len(decoded)
        if counts[table.name] != manifest["tables"].get(table.name, 0):
            db.session.rollback()
            raise RestoreError(f"Tabellen {table.name} har {counts[table.name]} rader i filen men "
                               f"{manifest['tables'].get(table.name, 0)} enligt backup.json.")
    for table, values, later in deferred_updates:
        key = {c.name: values[c.name] for c in table.primary_key.columns}
        condition = [table.c[name] == value for name, value in key.items()]
        db.session.execute(table.update().where(*condition).values(**later))
    _reset_sequences()
    db.session.commit()
    return counts


def _reset_sequences() -> None:
    """PostgreSQL: after inserting explicit ids, the id sequences must continue after them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and column.type.python_type is int
                                                and len(table.primary_key.columns) == 1):
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"))


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_command(directory: Path):
    """Write the database and the handbook to DIRECTORY."""
    if directory.exists() and any(directory.iterdir()):
        raise click.ClickException(f"{directory} är inte tom. Välj en ny katalog för säkerhetskopian.")
    counts = backup(directory)
    click.echo(f"Säkerhetskopia skriven till {directory}: {sum(counts.values())} rader i {len(counts)} tabeller.")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(directory: Path):
    """Restore a backup into an empty database (migrated first if needed)."""
    upgrade()
    try:
        counts = restore(directory)
    except RestoreError as error:
        raise click.ClickException(str(error))
    click.echo(f"Återställde {sum(counts.values())} rader i {len(counts)} tabeller från {directory}.")
    if current_app.config.get("SEARCH_INDEX_DIR"):
        click.echo("Bygg sökindexet: flask search reindex")
