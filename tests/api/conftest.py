"""Fixtures of the API tests: a bearer token for a new user of a role."""
import pytest

from portal.api import services
from portal.policy import SystemActor


@pytest.fixture
def token_for(make_user):
    def issue(role="reader", **kwargs):
        user = make_user(role, **kwargs)
        _, plain = services.issue_token(SystemActor("test"), user, "Test")
        return {"Authorization": f"Bearer {plain}"}

    return issue
