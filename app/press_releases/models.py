from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit.db import Base, Resource
from app.kit.enums import PUBLISHED, Status, check_in
from app.visits.models import release_visits

if TYPE_CHECKING:
    from app.visits.models import Visit


class PressRelease(Resource, Base):
    __tablename__ = "press_releases"
    __table_args__ = (
        CheckConstraint(check_in("status", Status), name="status"),
        Index("ix_press_releases_published_on_id", "published_on", "id"),
        # The newest published releases first, without walking past the drafts.
        Index(
            "ix_press_releases_published",
            "published_on",
            "id",
            postgresql_where=text(PUBLISHED),
            sqlite_where=text(PUBLISHED),
        ),
        Index("ix_press_releases_language", "language"),
        Index("ix_press_releases_issuer_organization_id", "issuer_organization_id"),
        Index("ix_press_releases_translation_of_id", "translation_of_id"),
        Index("ix_press_releases_status", "status"),
    )

    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    status: Mapped[str] = mapped_column(String(20), default=Status.draft.value)
    published_on: Mapped[date | None]
    dateline: Mapped[str | None] = mapped_column(String(300))
    source_url: Mapped[str | None] = mapped_column(String(2000))
    issuer_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    # Another release telling the same news in another language.
    translation_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("press_releases.id", ondelete="RESTRICT")
    )

    visits: Mapped[list["Visit"]] = relationship(
        secondary=release_visits,
        back_populates="press_releases",
        passive_deletes=True,
        lazy="raise",
        order_by="Visit.id",
    )

    @property
    def visit_ids(self) -> list[int]:
        return [visit.id for visit in self.visits]
