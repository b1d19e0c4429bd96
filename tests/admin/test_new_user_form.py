"""The new-account form shows every field's error at once and checks addresses as mail systems do."""
import pytest
from sqlalchemy import func, select

from portal.auth import services as accounts
from portal.auth.models import User
from portal.errors import ValidationError
from portal.extensions import db


def _new_user(client, **fields):
    data = {"email": "ny.person@kommun.se", "name": "Ny Person", "title": "", "unit": "0",
            "password": "ett-bra-startlosenord"} | fields
    return client.post("/admin/anvandare/ny", data=data)


def test_a_bad_address_and_a_short_password_are_both_named_at_once(client, login_as):
    login_as("admin")
    before = db.session.scalar(select(func.count()).select_from(User))
    response = _new_user(client, email="inte-en-adress", password="kort")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Ange en giltig e-postadress, t.ex. namn@kommun.se." in page
    assert "Lösenordet måste ha 10–1000 tecken." in page
    assert db.session.scalar(select(func.count()).select_from(User)) == before


@pytest.mark.parametrize("address", ["<script>@x.se", ".test@exempel.se", "a..b@kommun.se", "namn@kommun",
                                     "namn@@kommun.se", "namn @kommun.se"])
def test_addresses_mail_systems_refuse_are_refused(app, address):
    with pytest.raises(ValidationError) as refused:
        accounts.validate_email(address)
    assert refused.value.field == "email"


@pytest.mark.parametrize("address,stored", [("Åsa.Öberg@Kommun.SE", "åsa.öberg@kommun.se"),
                                            ("anna@kommun.local", "anna@kommun.local"),
                                            ("  rektor@exempel.se ", "rektor@exempel.se")])
def test_real_addresses_are_accepted_lowercased(app, address, stored):
    assert accounts.validate_email(address) == stored
