from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.kit.db import Base, Resource
from app.kit.enums import PUBLISHED, DatePrecision, Side, Status, check_in
from app.kit.text import fold

if TYPE_CHECKING:
    from app.delegations.models import Delegation
    from app.press_releases.models import PressRelease

# Which releases report which visits; a visit is counted once however many report it.
release_visits = Table(
    "release_visits",
    Base.metadata,
    Column(
        "press_release_id",
        ForeignKey("press_releases.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("visit_id", ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_release_visits_visit_id", "visit_id"),
)


class Visit(Resource, Base):
    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="date_order"),
        CheckConstraint(check_in("status", Status), name="status"),
        CheckConstraint(check_in("date_precision", DatePrecision), name="date_precision"),
        Index("ix_visits_start_date_id", "start_date", "id"),
        Index("ix_visits_end_date", "end_date"),
        Index("ix_visits_host_organization_id_start_date", "host_organization_id", "start_date"),
        Index("ix_visits_country_code", "country_code"),
        Index("ix_visits_city_key", "city_key"),
        Index("ix_visits_status", "status"),
        Index(
            "ix_visits_published",
            "start_date",
            "id",
            postgresql_where=text(PUBLISHED),
            sqlite_where=text(PUBLISHED),
        ),
        # Grouped counts for statistics as index-only scans.
        Index(
            "ix_visits_status_start_date",
            "status",
            "start_date",
            "end_date",
            "host_organization_id",
        ),
    )

    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=Status.draft.value)
    start_date: Mapped[date]
    end_date: Mapped[date]
    date_precision: Mapped[str] = mapped_column(String(10), default=DatePrecision.day.value)
    city: Mapped[str | None] = mapped_column(String(300))
    city_key: Mapped[str | None] = mapped_column(Text)
    country_code: Mapped[str | None] = mapped_column(String(2))
    venue: Mapped[str | None] = mapped_column(String(300))
    host_organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    summary: Mapped[str | None] = mapped_column(Text)

    topic_rows: Mapped[list["VisitTopic"]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="VisitTopic.topic",
    )
    participants: Mapped[list["Participant"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise", order_by="Participant.id"
    )
    delegations: Mapped[list["Delegation"]] = relationship(
        back_populates="visit",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="Delegation.id",
    )
    press_releases: Mapped[list["PressRelease"]] = relationship(
        secondary=release_visits,
        back_populates="visits",
        passive_deletes=True,
        lazy="raise",
        order_by="PressRelease.id",
    )

    @property
    def topics(self) -> list[str]:
        return [row.topic for row in self.topic_rows]

    @property
    def press_release_ids(self) -> list[int]:
        return [release.id for release in self.press_releases]

    @validates("city")
    def _derive_city_key(self, _: str, value: str | None) -> str | None:
        self.city_key = fold(value) if value else None
        return value


class VisitTopic(Base):
    __tablename__ = "visit_topics"
    __table_args__ = (Index("ix_visit_topics_topic", "topic"),)

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(100), primary_key=True)


class Participant(Base):
    """An official taking part in a visit, on the host or the guest side."""

    __tablename__ = "participants"
    __table_args__ = (
        CheckConstraint(check_in("side", Side), name="side"),
        Index("ix_participants_visit_id_official_id", "visit_id", "official_id", unique=True),
        Index("ix_participants_official_id", "official_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="RESTRICT"))
    side: Mapped[str] = mapped_column(String(10))
    role: Mapped[str | None] = mapped_column(String(300))


class VisitMonthCount(Base):
    """Published visits per (start month, end month), kept by database triggers on visits
    (migration 0004) in the same transaction as the visit: statistics read it instead of
    counting every visit. Months are their first day."""

    __tablename__ = "visit_month_counts"

    start_month: Mapped[date] = mapped_column(primary_key=True)
    end_month: Mapped[date] = mapped_column(primary_key=True)
    count: Mapped[int]
