"""Factories for handbook tests: documents created and published through the services."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import Department

from portal.handbook import services
from portal.policy import SystemActor

ROUTINE_BODY = """Inledning om rutinen.

## Syfte

Att alla vet vad de ska göra när de är oroliga för ett barn.

## Gör så här

1. Anmäl genast till socialtjänsten.
2. Berätta för rektor.

## Checklista för införande

- [ ] Rutinen är genomgången på APT
- [ ] Alla vet var blanketten finns
"""


@pytest.fixture
def system():
    return SystemActor("test")


@pytest.fixture
def make_document(app, organisation, system):
    def make(slug="orosanmalan", title="Orosanmälan – när och hur", *, kind="routine", body=ROUTINE_BODY,
             department=None, parent=None, publish=True, meta=None, note="Första versionen"):
        document = services.create_document(
            system, slug=slug, title=title, kind=kind, department=department or organisation["social_dept"],
            parent=parent, body=body, meta=meta or {"decided_by": "Socialchef", "decided_on": "2026-03-02",
                                                   "applies_to": ["Bildningsförvaltningen"],
                                                   "legal_refs": ["Socialtjänstlagen (2025:400)"],
                                                   "tags": ["orosanmälan"]})
        if publish:
            services.publish(document, services.latest_revision(document), system, note, False)
        return document

    return make


def edit_data(document, revision, **changes):
    """The edit form's fields as a browser would post them, from a revision, with changes."""
    meta = revision.meta
    departments = db.session.scalars(select(Department).where(Department.name.in_(meta.get("applies_to", []))))
    data = {"applies_to": [str(d.id) for d in departments],"base_number": str(revision.number), "title": revision.title, "body": revision.body,
            "decided_by": meta.get("decided_by") or "", "decided_on": meta.get("decided_on") or "",
            "review_by": meta.get("review_by") or "", "owner": meta.get("owner") or "",
            "legal_refs": "\n".join(meta.get("legal_refs", [])), "tags": ", ".join(meta.get("tags", [])),
            "action": "save"}
    data.update(changes)
    return data
