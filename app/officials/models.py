from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.kit.db import Base, Resource
from app.kit.text import fold, skeleton


class Official(Resource, Base):
    __tablename__ = "officials"
    __table_args__ = (
        Index("ix_officials_name_key", "name_key"),
        Index("ix_officials_country_code", "country_code"),
    )

    name: Mapped[str] = mapped_column(String(300))
    honorific: Mapped[str | None] = mapped_column(String(300))
    country_code: Mapped[str | None] = mapped_column(String(2))
    name_key: Mapped[str] = mapped_column(Text)
    name_skeleton: Mapped[str] = mapped_column(Text)

    aliases: Mapped[list["OfficialAlias"]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="OfficialAlias.id",
    )
    positions: Mapped[list["Position"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise", order_by="Position.id"
    )

    @validates("name")
    def _derive_name_keys(self, _: str, value: str) -> str:
        self.name_key = fold(value)
        self.name_skeleton = skeleton(value)
        return value


class OfficialAlias(Base):
    __tablename__ = "official_aliases"
    __table_args__ = (
        Index("ix_official_aliases_official_id", "official_id"),
        Index("ix_official_aliases_name_key", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(35))
    name_key: Mapped[str] = mapped_column(Text)
    name_skeleton: Mapped[str] = mapped_column(Text)

    @validates("name")
    def _derive_name_keys(self, _: str, value: str) -> str:
        self.name_key = fold(value)
        self.name_skeleton = skeleton(value)
        return value


class Position(Base):
    """A title an official holds at an organization, possibly acting, possibly dated."""

    __tablename__ = "positions"
    __table_args__ = (
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="date_order"
        ),
        Index("ix_positions_official_id", "official_id"),
        Index("ix_positions_organization_id", "organization_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    title: Mapped[str] = mapped_column(String(500))
    acting: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
