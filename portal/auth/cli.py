"""`flask users create|grant|set-password|list`: account administration from the command line."""
import click

from portal.auth import services
from portal.errors import ValidationError
from portal.org import services as org

CLI_ACTOR = "kommandorad"


@click.group("users", help="Hantera användarkonton.")
def users_cli():
    pass


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Personens namn.")
@click.option("--title", default="", help="Titel, t.ex. Lärare.")
@click.option("--unit", "unit_name", default=None, help="Enhet personen arbetar på.")
@click.option("--password", default=None,
              help="Lösenord (utelämna för att få frågan, eller --generate-password).")
@click.option("--generate-password", is_flag=True, help="Skapa ett slumpat lösenord och skriv ut det.")
def create(email, name, title, unit_name, password, generate_password):
    """Create an account."""
    if generate_password:
        password = services.generate_password()
    elif password is None:
        password = click.prompt("Lösenord", hide_input=True, confirmation_prompt=True)
    unit = _unit_by_name(unit_name) if unit_name else None
    try:
        user = services.create_user(CLI_ACTOR, email, name, password, title=title, unit=unit)
    except ValidationError as error:
        raise click.ClickException(error.message)
    click.echo(f"Skapade {user.email} (id {user.id}).")
    if generate_password:
        click.echo(f"Lösenord: {password}")


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(["reader", "unit_head", "editor", "admin"]))
@click.option("--unit", "unit_names", multiple=True, help="Enhet som rektorn/enhetschefen leder.")
@click.option("--department", "department_names", multiple=True,
              help="Förvaltning som redaktören arbetar för.")
def grant(email, role, unit_names, department_names):
    """Grant a role (with its units or departments)."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Det finns inget konto med adressen {email}.")
    units = [_unit_by_name(name) for name in unit_names]
    departments = []
    for name in department_names:
        department = org.find_department(name)
        if department is None:
            raise click.ClickException(f"Förvaltningen finns inte: {name}")
        departments.append(department)
    try:
        services.grant_role(CLI_ACTOR, user, role, units=units, departments=departments)
    except ValidationError as error:
        raise click.ClickException(error.message)
    click.echo(f"{user.email}: {', '.join(user.role_labels)}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--generate-password", is_flag=True, help="Skapa ett slumpat lösenord och skriv ut det.")
def set_password(email, generate_password):
    """Set a new password for an account (forgotten password); ends its open sessions."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"Det finns inget konto med adressen {email}.")
    try:
        if generate_password:
            password = services.set_generated_password(CLI_ACTOR, user)
        else:
            # Asked for, never an option: a password on the command line ends up in shell history.
            password = click.prompt("Nytt lösenord", hide_input=True, confirmation_prompt=True)
            services.set_password(CLI_ACTOR, user, password)
    except ValidationError as error:
        raise click.ClickException(error.message)
    click.echo(f"Nytt lösenord satt för {user.email}; kontots inloggningar är avslutade.")
    if generate_password:
        click.echo(f"Lösenord: {password}")


@users_cli.command("list")
def list_users():
    """List accounts with their roles."""
    for user in services.list_users():
        state = "" if user.active else " (inaktiv)"
        click.echo(f"{user.email}\t{user.name}\t{', '.join(user.role_labels)}{state}")


def _unit_by_name(name):
    matches = [u for u in org.list_units() if u.name == name]
    if len(matches) != 1:
        raise click.ClickException(
            f"Enheten finns inte: {name}" if not matches else f"Flera enheter heter {name}.")
    return matches[0]
