"""`flask users create|grant|list`: account administration from the command line."""
import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth import services as accounts
from portal.auth.models import User
from portal.extensions import db
from portal.org import services as org
from tests.conftest import table_snapshot

GOOD_PASSWORD = "ett-langt-losenord"


@pytest.fixture
def flask_cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=list(args), input=input)

    return invoke


def _user(email) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def test_first_admin_in_production_create_then_grant_then_log_in(client, flask_cli):
    created = flask_cli("users", "create", "it-chef@kommun.se", "--name", "Ida IT-chef", "--title",
                        "Systemförvaltare", "--password", GOOD_PASSWORD)
    assert created.exit_code == 0, created.output
    assert created.output.startswith("Skapade it-chef@kommun.se (id ")
    granted = flask_cli("users", "grant", "it-chef@kommun.se", "admin")
    assert granted.exit_code == 0, granted.output
    assert granted.output == "it-chef@kommun.se: Läsare, Administratör\n"

    assert client.post("/logga-in", data={"email": "it-chef@kommun.se", "password": GOOD_PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert {e.actor_label for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["user.created", "user.role_granted"])))} == {"kommandorad"}


def test_create_with_a_unit_and_a_generated_password_that_works(client, flask_cli, organisation):
    result = flask_cli("users", "create", "Larare@Test.se", "--name", "Lo Lärare", "--unit", "Ekbackens skola",
                       "--generate-password")
    assert result.exit_code == 0, result.output
    password = result.output.split("Lösenord: ")[1].strip()
    assert len(password) >= 10
    user = _user("larare@test.se")
    assert user.unit.name == "Ekbackens skola"
    assert client.post("/logga-in", data={"email": "larare@test.se", "password": password}).status_code == 302


def test_create_asks_for_the_password_twice_when_not_given(flask_cli):
    result = flask_cli("users", "create", "fraga@test.se", "--name", "Fråga",
                       input=f"{GOOD_PASSWORD}\nnagot-annat-1\n{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output
    assert _user("fraga@test.se") is not None


@pytest.mark.parametrize("args, message", [
    (["inte-en-adress", "--name", "X", "--password", GOOD_PASSWORD], "Ange en giltig e-postadress"),
    (["finns@test.se", "--name", "X", "--password", GOOD_PASSWORD], "Det finns redan ett konto med den e-postadressen."),
    (["ny@test.se", "--name", "X", "--password", "kort"], "Lösenordet måste ha minst 10 tecken."),
    (["ny@test.se", "--name", "  ", "--password", GOOD_PASSWORD], "Ange ett namn."),
    (["ny@test.se", "--name", "N" * 201, "--password", GOOD_PASSWORD], "Namnet får vara högst 200 tecken."),
    (["ny@test.se", "--name", "X", "--password", GOOD_PASSWORD, "--unit", "Finns inte"], "Enheten finns inte: Finns inte"),
    (["ny@test.se", "--name", "X", "--password", GOOD_PASSWORD, "--unit", "Förskolan"], "Flera enheter heter Förskolan."),
])
def test_create_refuses_bad_input_with_a_message_and_exit_code(flask_cli, make_user, organisation, args, message):
    make_user("reader", email="finns@test.se")
    org.create_unit("test", organisation["school_dept"], "Förskolan", "forskola")
    org.create_unit("test", organisation["social_dept"], "Förskolan", "forskola")
    before = table_snapshot()
    result = flask_cli("users", "create", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert table_snapshot() == before


def test_create_without_a_name_is_a_usage_error(flask_cli):
    result = flask_cli("users", "create", "ny@test.se", "--password", GOOD_PASSWORD)
    assert result.exit_code == 2 and "--name" in result.output


def test_grant_unit_head_for_units_and_editor_for_departments_by_name_or_code(flask_cli, make_user):
    user = make_user("reader", email="person@test.se")
    result = flask_cli("users", "grant", "person@test.se", "unit_head", "--unit", "Ekbackens skola",
                       "--unit", "Sjöängsskolan")
    assert result.exit_code == 0, result.output
    result = flask_cli("users", "grant", "PERSON@test.se", "editor", "--department", "socialforvaltningen",
                       "--department", "Bildningsförvaltningen")
    assert result.exit_code == 0, result.output
    assert result.output == "person@test.se: Läsare, Rektor/enhetschef, Redaktör\n"
    db.session.refresh(user)
    assert sorted(u.name for u in user.headed_units) == ["Ekbackens skola", "Sjöängsskolan"]
    assert sorted(d.name for d in user.editor_departments) == ["Bildningsförvaltningen", "Socialförvaltningen"]


def test_granting_twice_changes_nothing(flask_cli, make_user):
    make_user("reader", email="person@test.se")
    flask_cli("users", "grant", "person@test.se", "admin")
    before = table_snapshot()
    assert flask_cli("users", "grant", "person@test.se", "admin").exit_code == 0
    assert table_snapshot() == before


@pytest.mark.parametrize("args, code, message", [
    (["okand@test.se", "admin"], 1, "Det finns inget konto med adressen okand@test.se."),
    (["person@test.se", "unit_head"], 1, "Välj minst en enhet som rektorn/enhetschefen ansvarar för."),
    (["person@test.se", "editor"], 1, "Välj minst en förvaltning som redaktören arbetar för."),
    (["person@test.se", "unit_head", "--unit", "Finns inte"], 1, "Enheten finns inte: Finns inte"),
    (["person@test.se", "editor", "--department", "Finns inte"], 1, "Förvaltningen finns inte: Finns inte"),
    (["person@test.se", "kung"], 2, "'kung' is not one of"),
])
def test_grant_refuses_with_a_message_and_exit_code(flask_cli, make_user, args, code, message):
    make_user("reader", email="person@test.se")
    before = table_snapshot()
    result = flask_cli("users", "grant", *args)
    assert result.exit_code == code
    assert message in result.output
    assert table_snapshot() == before


def test_list_shows_every_account_with_roles_and_state(flask_cli, make_user):
    make_user("editor", email="redaktor@test.se")
    gone = make_user("reader", email="slutat@test.se")
    accounts.set_active("test", gone, False)
    lines = flask_cli("users", "list").output.splitlines()
    assert "redaktor@test.se\tTest editor\tLäsare, Redaktör" in lines
    assert "slutat@test.se\tTest reader\tLäsare (inaktiv)" in lines
