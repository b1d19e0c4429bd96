"""`flask demo load`: Exempelkommun's organisation and one account per role, idempotent."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from portal.auth.models import RoleGrant, User
from portal.demo import ACCOUNTS
from portal.extensions import db
from portal.org.models import Department, Unit

DEMO_PASSWORD = "demo-losenord-123"
CONTRACT = {  # DESIGN.md: one account per role
    "lasare@exempel.se": "reader",
    "rektor@exempel.se": "unit_head",
    "redaktor@exempel.se": "editor",
    "admin@exempel.se": "admin",
}


@pytest.fixture
def load(app):
    def load(password: str | None = DEMO_PASSWORD):
        app.config["DEMO_PASSWORD"] = password
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        return result.output

    return load


def _state():
    """What the demo creates, without what a reload may legitimately renew (password hashes)."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return {
        "departments": sorted(db.session.scalars(select(Department.name))),
        "units": sorted((u.department.name, u.name, u.kind, u.active) for u in db.session.scalars(select(Unit))),
        "users": [(u.email, u.name, u.title, u.unit.name if u.unit else None, u.active, sorted(u.roles),
                   sorted(x.name for x in u.headed_units), sorted(d.name for d in u.editor_departments))
                  for u in users],
        "grants": db.session.scalar(select(func.count()).select_from(RoleGrant)),
    }


def test_exempelkommun_has_its_departments_schools_and_preschools(load):
    output = load()
    assert output.startswith("Exempelkommun: 3 förvaltningar, 12 enheter och 11 konton skapade.")
    assert sorted(db.session.scalars(select(Department.name))) == [
        "Bildningsförvaltningen", "Kultur- och fritidsförvaltningen", "Socialförvaltningen"]
    kinds = Counter(db.session.scalars(select(Unit.kind)))
    assert kinds["skola"] >= 4 and kinds["forskola"] == 2
    assert kinds["socialtjanst"] >= 1 and kinds["fritidsgard"] >= 1
    schools = db.session.scalars(select(Unit).where(Unit.kind.in_(["skola", "forskola"]))).all()
    assert {u.department.name for u in schools} == {"Bildningsförvaltningen"}


def test_the_four_contract_accounts_have_their_roles_and_scopes(load):
    load()
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(CONTRACT)))}
    assert set(users) == set(CONTRACT)
    for email, role in CONTRACT.items():
        assert users[email].has_role(role) and users[email].active, email
    assert users["lasare@exempel.se"].roles == {"reader"}
    assert users["lasare@exempel.se"].unit.name == "Ekbackens skola"
    assert sorted(u.name for u in users["rektor@exempel.se"].headed_units) == ["Ekbackens skola", "Sjöängsskolan"]
    assert sorted(d.name for d in users["redaktor@exempel.se"].editor_departments) == [
        "Bildningsförvaltningen", "Socialförvaltningen"]
    assert users["admin@exempel.se"].roles == {"reader", "admin"}


def test_the_output_lists_the_contract_logins_and_where_the_password_comes_from(load):
    output = load()
    assert "Demokonton (lösenord från DEMO_PASSWORD):" in output
    for email in CONTRACT:
        assert email in output
    assert DEMO_PASSWORD not in output


@pytest.mark.parametrize("email, landing", [
    ("lasare@exempel.se", "/"), ("rektor@exempel.se", "/min-enhet"),
    ("redaktor@exempel.se", "/redaktor"), ("admin@exempel.se", "/admin/")])
def test_each_contract_account_logs_in_with_the_demo_password_and_reaches_its_pages(client, load, email, landing):
    load()
    assert client.post("/logga-in", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    assert client.get(landing).status_code == 200


def test_without_demo_password_a_password_is_generated_printed_and_works(client, load):
    output = load(None)
    header = next(line for line in output.splitlines() if line.startswith("Demokonton"))
    password = header.removeprefix("Demokonton (lösenord ").removesuffix("):")
    assert len(password) >= 10 and " " not in password
    assert client.post("/logga-in", data={"email": "admin@exempel.se", "password": password}).status_code == 302


def test_loading_again_creates_nothing_new_and_keeps_roles_and_scopes(load):
    load()
    before = _state()
    output = load()
    assert output.startswith("Exempelkommun: 0 förvaltningar, 0 enheter och 0 konton skapade.")
    assert _state() == before
    assert len(before["users"]) == len(ACCOUNTS)


def test_loading_again_with_a_new_generated_password_makes_the_printed_one_work(client, load):
    load(None)
    output = load(None)
    password = output.split("Demokonton (lösenord ")[1].split("):")[0]
    assert client.post("/logga-in", data={"email": "rektor@exempel.se", "password": password}).status_code == 302


def test_loading_beside_an_existing_organisation_adds_only_what_is_missing(load, organisation):
    # The test organisation already has Bildningsförvaltningen with Ekbackens skola and Sjöängsskolan.
    output = load()
    assert output.startswith("Exempelkommun: 1 förvaltningar, 10 enheter och 11 konton skapade.")
    assert db.session.scalar(select(func.count()).select_from(Unit).where(Unit.name == "Ekbackens skola")) == 1


def test_no_demo_account_has_the_obsolete_title_forskolechef(load):
    load()
    titles = {(u.email, u.name, u.title) for u in db.session.scalars(select(User))}
    assert ("forskolechef@exempel.se", "Fabian Förskolerektorsson", "Rektor förskola") in titles
    assert not [t for t in titles if "förskolechef" in f"{t[1]} {t[2]}".lower()]


def test_loading_again_brings_an_older_demos_names_and_titles_up_to_date(load):
    from portal.auth import services as accounts

    load()
    user = db.session.scalar(select(User).where(User.email == "forskolechef@exempel.se"))
    accounts.update_profile("test", user, name="Fabian Förskolechefsson", title="Förskolechef", unit=user.unit)
    load()
    user = db.session.scalar(select(User).where(User.email == "forskolechef@exempel.se"))
    assert (user.name, user.title, user.unit.name) == ("Fabian Förskolerektorsson", "Rektor förskola",
                                                       "Förskolan Solrosen")
