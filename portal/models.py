"""Imports every domain's tables so that metadata (and Alembic) sees the whole schema."""
from portal.audit import AuditEvent  # noqa: F401
from portal.auth.models import LoginThrottle, RoleGrant, User  # noqa: F401
from portal.org.models import Department, DepartmentFormerName, Unit  # noqa: F401
from portal.handbook.models import (ContentVersion, Document, DocumentChange, Revision, RevisionLink,  # noqa: F401
                                    SlugRedirect)
from portal.adoption.models import Adoption, AdoptionDeadline, Confirmation, ItemProgress  # noqa: F401
from portal.api.models import ApiToken  # noqa: F401
from portal.search.models import SynonymList  # noqa: F401
