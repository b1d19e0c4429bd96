"""`flask org import FILE.csv`: departments and units from a CSV file."""
from pathlib import Path

import click

from portal.errors import ValidationError
from portal.org import services


@click.group("org", help="Förvaltningar och enheter.")
def org_cli():
    pass


@org_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_csv(path: Path):
    """Import departments and units (columns: förvaltning, enhet, typ)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: filen är inte UTF-8. Spara den som CSV UTF-8.")
    try:
        report = services.import_organisation("kommandorad", text)
    except ValidationError as error:
        raise click.ClickException(f"{path}: {error.message} Ingenting importerades.")
    click.echo(f"Förvaltningar skapade: {len(report.departments_created)}")
    for name in report.departments_created:
        click.echo(f"  + {name}")
    click.echo(f"Enheter skapade: {len(report.units_created)}")
    for name in report.units_created:
        click.echo(f"  + {name}")
    click.echo(f"Enheter som redan fanns: {report.unchanged}")
