from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit.db import Base, Resource

if TYPE_CHECKING:
    from app.visits.models import Visit


class Delegation(Resource, Base):
    """A party sent to a visit by an organization and/or a country."""

    __tablename__ = "delegations"
    __table_args__ = (
        CheckConstraint("organization_id IS NOT NULL OR country_code IS NOT NULL", name="sender"),
        CheckConstraint("size IS NULL OR size >= 1", name="size"),
        Index("ix_delegations_visit_id", "visit_id"),
        Index("ix_delegations_organization_id", "organization_id"),
        Index("ix_delegations_country_code", "country_code"),
        Index("ix_delegations_head_official_id", "head_official_id"),
    )

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    country_code: Mapped[str | None] = mapped_column(String(2))
    head_official_id: Mapped[int | None] = mapped_column(
        ForeignKey("officials.id", ondelete="RESTRICT")
    )
    size: Mapped[int | None]
    description: Mapped[str | None] = mapped_column(Text)

    visit: Mapped["Visit"] = relationship(back_populates="delegations", lazy="raise")
    members: Mapped[list["DelegationMember"]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="DelegationMember.id",
    )


class DelegationMember(Base):
    __tablename__ = "delegation_members"
    __table_args__ = (
        Index(
            "ix_delegation_members_delegation_id_official_id",
            "delegation_id",
            "official_id",
            unique=True,
        ),
        Index("ix_delegation_members_official_id", "official_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id", ondelete="CASCADE"))
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="RESTRICT"))
    role: Mapped[str | None] = mapped_column(String(300))
