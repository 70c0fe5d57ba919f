"""Every table, imported once so metadata (Alembic, relationship strings) sees them all."""

from app.auth.models import ApiKey
from app.delegations.models import Delegation, DelegationMember
from app.kit.db import Base
from app.officials.models import Official, OfficialAlias, Position
from app.organizations.models import Organization, OrganizationAlias
from app.press_releases.models import PressRelease
from app.visits.models import Participant, Visit, VisitTopic, release_visits

__all__ = [
    "ApiKey",
    "Base",
    "Delegation",
    "DelegationMember",
    "Official",
    "OfficialAlias",
    "Organization",
    "OrganizationAlias",
    "Participant",
    "Position",
    "PressRelease",
    "Visit",
    "VisitTopic",
    "release_visits",
]
