"""`flask demo load`: the invented municipality Exempelkommun with one account per role."""
import click
from sqlalchemy import select

from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from portal.org import services as org
from portal.org.models import Unit

ACTOR = "demo"

ORGANISATION = {
    "Bildningsförvaltningen": [
        ("Ekbackens skola", "skola"),
        ("Sjöängsskolan", "skola"),
        ("Tallbergets skola", "skola"),
        ("Strandviks gymnasium", "skola"),
        ("Förskolan Solrosen", "forskola"),
        ("Förskolan Myran", "forskola"),
        ("Centrala elevhälsan", "elevhalsa"),
    ],
    "Socialförvaltningen": [
        ("Mottagningsgruppen barn och unga", "socialtjanst"),
        ("Familjeteamet", "socialtjanst"),
        ("Fältassistenterna", "socialtjanst"),
    ],
    "Kultur- och fritidsförvaltningen": [
        ("Fritidsgården Navet", "fritidsgard"),
        ("Fritidsgården Kupolen", "fritidsgard"),
    ],
}

# Invented people: the surnames mark them as demo accounts, never real staff.
ACCOUNTS = [
    # email, name, title, unit, role, scope
    ("lasare@exempel.se", "Lo Läsarsson", "Lärare", "Ekbackens skola", "reader", []),
    ("rektor@exempel.se", "Rut Rektorsson", "Rektor", "Ekbackens skola", "unit_head",
     ["Ekbackens skola", "Sjöängsskolan"]),
    ("redaktor@exempel.se", "Rei Redaktörsson", "Verksamhetsutvecklare", None, "editor",
     ["Bildningsförvaltningen", "Socialförvaltningen"]),
    ("admin@exempel.se", "Ada Adminsson", "Systemförvaltare", None, "admin", []),
    ("forskollarare@exempel.se", "Fia Förskolesson", "Förskollärare", "Förskolan Solrosen", "reader", []),
    ("fritidsledare@exempel.se", "Frej Fritidsson", "Fritidsledare", "Fritidsgården Navet", "reader", []),
    ("socialsekreterare@exempel.se", "Sam Socialsson", "Socialsekreterare",
     "Mottagningsgruppen barn och unga", "reader", []),
    # The head of a förskola is its rektor; the address stays, as the account's login name.
    ("forskolechef@exempel.se", "Fabian Förskolerektorsson", "Rektor förskola", "Förskolan Solrosen",
     "unit_head", ["Förskolan Solrosen", "Förskolan Myran"]),
    ("enhetschef.fritid@exempel.se", "Elin Enhetschefsson", "Enhetschef fritidsgårdar",
     "Fritidsgården Navet", "unit_head", ["Fritidsgården Navet", "Fritidsgården Kupolen"]),
    ("rektor.tallberget@exempel.se", "Tor Tallbergsson", "Rektor", "Tallbergets skola", "unit_head",
     ["Tallbergets skola"]),
    ("enhetschef.social@exempel.se", "Siv Enhetschefsson", "Enhetschef", "Mottagningsgruppen barn och unga",
     "unit_head", ["Mottagningsgruppen barn och unga", "Familjeteamet"]),
]

CONTRACT_ACCOUNTS = ACCOUNTS[:4]
# Each demo unit's department: the accounts name units only, and another department may have a unit
# of the same name (an admin may add "Ekbackens skola" to Socialförvaltningen).
UNIT_DEPARTMENTS = {unit: department for department, units in ORGANISATION.items() for unit, _ in units}


def load_demo(password: str) -> dict:
    """Create what is missing of the demo organisation and accounts; set the demo password."""
    created = {"departments": 0, "units": 0, "users": 0}
    departments = {}
    for department_name, units in ORGANISATION.items():
        department = org.find_department(department_name)  # also after a rename
        if department is None:
            department = org.create_department(ACTOR, department_name)
            created["departments"] += 1
        departments[department_name] = department.id
        for unit_name, kind in units:
            if not any(u.name == unit_name for u in department.units):
                org.create_unit(ACTOR, department, unit_name, kind)
                created["units"] += 1
    by_department = {(u.department_id, u.name): u for u in db.session.scalars(select(Unit))}
    units = {name: by_department.get((departments[department], name))
             for name, department in UNIT_DEPARTMENTS.items()}
    for email, name, title, unit_name, role, scope in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = accounts.create_user(ACTOR, email, name, password, title=title,
                                        unit=units.get(unit_name))
            created["users"] += 1
        else:
            accounts.set_password(ACTOR, user, password)
            # A reload brings an older demo's names and titles up to date (e.g. no "förskolechef").
            accounts.update_profile(ACTOR, user, name=name, title=title, unit=units.get(unit_name))
        if role == "unit_head":
            accounts.grant_role(ACTOR, user, role, units=[units[n] for n in scope])
        elif role == "editor":
            accounts.grant_role(ACTOR, user, role, departments=[org.find_department(n) for n in scope])
        elif role == "admin":
            accounts.grant_role(ACTOR, user, role)
    return created


@click.group("demo", help="Demodata för Exempelkommun.")
def demo_cli():
    pass


@demo_cli.command("load")
def load():
    """Load the demo organisation and accounts (idempotent)."""
    from flask import current_app

    password = current_app.config.get("DEMO_PASSWORD") or accounts.generate_password()
    created = load_demo(password)
    click.echo(f"Exempelkommun: {created['departments']} förvaltningar, {created['units']} enheter "
               f"och {created['users']} konton skapade.")
    click.echo("Demokonton (lösenord " + ("från DEMO_PASSWORD" if current_app.config.get("DEMO_PASSWORD")
                                           else f"{password}") + "):")
    for email, name, title, *_ in CONTRACT_ACCOUNTS:
        click.echo(f"  {email:<24} {title}")
