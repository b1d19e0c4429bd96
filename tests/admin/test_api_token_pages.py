"""The administrator's API key pages say what happened: a new key is shown once, a revoked one confirmed."""
from sqlalchemy import select

from portal.api import services as api
from portal.api.models import ApiToken
from portal.audit import AuditEvent
from portal.extensions import db
from tests.admin.conftest import flash_messages


def test_revoking_a_key_is_confirmed(client, admin, make_user):
    user = make_user("reader")
    api.issue_token(admin, user, "Rapportverktyg")
    token = db.session.scalar(select(ApiToken))
    response = client.post(f"/admin/anvandare/{user.id}/api-nycklar/{token.id}/aterkalla", follow_redirects=True)
    assert response.status_code == 200
    assert ("success", "API-nyckeln ”Rapportverktyg” är återkallad. Program som använder den släpps inte "
                       "längre in.") in flash_messages(response.get_data(as_text=True))
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_revoking_a_revoked_key_says_so_and_logs_nothing(client, admin, make_user):
    user = make_user("reader")
    api.issue_token(admin, user, "Rapportverktyg")
    token = db.session.scalar(select(ApiToken))
    address = f"/admin/anvandare/{user.id}/api-nycklar/{token.id}/aterkalla"
    assert client.post(address).status_code == 302
    events = db.session.query(AuditEvent).filter(AuditEvent.action == "api.token_revoked").count()
    response = client.post(address, follow_redirects=True)  # a second click, an old tab
    assert ("info", "API-nyckeln ”Rapportverktyg” var redan återkallad.") in flash_messages(
        response.get_data(as_text=True))
    assert db.session.query(AuditEvent).filter(AuditEvent.action == "api.token_revoked").count() == events == 1
    page = client.get(f"/admin/anvandare/{user.id}/api-nycklar").get_data(as_text=True)
    assert "data-confirm" not in page  # a revoked key has no button left
    api.issue_token(admin, user, "Nytt verktyg")
    page = client.get(f"/admin/anvandare/{user.id}/api-nycklar").get_data(as_text=True)
    assert 'data-confirm="Återkalla nyckeln ”Nytt verktyg”? Program som använder den slutar fungera direkt.' in page
