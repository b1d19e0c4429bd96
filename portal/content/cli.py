"""`flask innehall import [DIR]` and `flask innehall export DIR`."""
from pathlib import Path

import click

from portal.content import services
from portal.policy import SystemActor

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "innehall"


@click.group("innehall", help="Handbokens innehåll som Markdown-filer.")
def content_cli():
    pass


@content_cli.command("import")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--confirm-narrowing", "confirm_narrowing", multiple=True, metavar="SLUG",
              help="Publicera filen även om den tar rutinen från enheter som har börjat införa den "
                   "(”Gäller för” eller ”Gäller för enhetstyper” smalnas av). Kan anges flera gånger.")
def import_command(directory: Path | None, confirm_narrowing: tuple[str, ...]):
    """Import Markdown files (default: innehall/). Unchanged files make no new version."""
    directory = directory or DEFAULT_DIR
    if not directory.is_dir():
        raise click.ClickException(f"Katalogen finns inte: {directory}")
    report = services.import_directory(SystemActor("innehall-import"), directory, confirm_narrowing)
    for label, slugs in (("Skapade", report.created), ("Uppdaterade", report.updated),
                         ("Oförändrade", report.unchanged)):
        click.echo(f"{label}: {len(slugs)}" + (f" ({', '.join(slugs)})" if slugs and label != "Oförändrade" else ""))
    for name in report.departments_created:
        click.echo(f"Förvaltning skapad: {name}")
    if report.refused:
        click.echo(f"Vägrade: {len(report.refused)}", err=True)
        for filename, reason in report.refused:
            click.echo(f"  {filename}: {reason}", err=True)
        raise SystemExit(1)


@content_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_command(directory: Path):
    """Write the published versions as Markdown files with front matter."""
    written = services.export_directory(directory)
    click.echo(f"Exporterade {len(written)} dokument till {directory}")
