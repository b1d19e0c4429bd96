"""`flask search reindex|status`: rebuild the index from the database, or report on it."""
import time

import click

from portal.audit import record
from portal.extensions import db
from portal.policy import SystemActor
from portal.search import services


@click.group("search", help="Sökindexet.")
def search_cli():
    pass


@search_cli.command("reindex")
def reindex():
    """Rebuild the search index from the database and swap it in."""
    started = time.perf_counter()
    try:
        count = services.rebuild_index()
    except services.IndexRebuilding:
        raise click.ClickException("En annan process bygger om sökindexet just nu. Försök igen om en stund.")
    record(SystemActor("kommandorad"), "search.reindexed", None, target_type="system",
           target_label="Sökindexet", summary=f"{count} dokument")
    db.session.commit()
    click.echo(f"Sökindexet byggt: {count} dokument på {time.perf_counter() - started:.1f} s "
               f"({services._state().path}).")


@search_cli.command("status")
def status():
    """Show how many documents the index holds and whether it is up to date."""
    for key, value in services.status().items():
        click.echo(f"{key}: {value}")
