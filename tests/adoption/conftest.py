"""Adoption fixtures: a published routine that the school department must adopt."""
import pytest

from portal.handbook import services as handbook
from tests.handbook.conftest import ROUTINE_BODY, make_document, system  # noqa: F401  (fixtures)

META = {"decided_by": "Socialchef", "applies_to": ["Bildningsförvaltningen"]}


@pytest.fixture
def routine(make_document):
    return make_document(meta=META)


@pytest.fixture
def republish(system):
    """Publish a new version of the routine with a changed body."""

    def do(document, body, substantial):
        revision = handbook.save_draft(system, document, base_number=document.latest_number, title=document.title,
                                       body=body, meta=handbook.latest_revision(document).meta)
        return handbook.publish(document, revision, system, "Ändrad", substantial)

    return do
