from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.kit.db import Base, Resource
from app.kit.enums import OrganizationKind, check_in
from app.kit.text import fold, skeleton


class Organization(Resource, Base):
    __tablename__ = "organizations"
    __table_args__ = (
        CheckConstraint(check_in("kind", OrganizationKind), name="kind"),
        Index("ix_organizations_kind", "kind"),
        Index("ix_organizations_country_code", "country_code"),
        Index("ix_organizations_parent_id", "parent_id"),
        Index("ix_organizations_name_key", "name_key"),
        Index("ix_organizations_acronym_key", "acronym_key"),
    )

    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    country_code: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(2000))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    # Derived from name/acronym/country on every write (see the validators below).
    name_key: Mapped[str] = mapped_column(Text)
    name_skeleton: Mapped[str] = mapped_column(Text)
    acronym_key: Mapped[str | None] = mapped_column(Text)
    # "Same name (ignoring case and accents) in the same country" is one value, so the
    # database can enforce it even when the country is unknown.
    identity_key: Mapped[str] = mapped_column(Text, unique=True)

    aliases: Mapped[list["OrganizationAlias"]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="OrganizationAlias.id",
    )

    @validates("name", "country_code")
    def _derive_name_keys(self, key: str, value: str | None) -> str | None:
        name = value if key == "name" else self.name
        country = value if key == "country_code" else self.country_code
        if name is not None:
            self.name_key = fold(name)
            self.name_skeleton = skeleton(name)
            self.identity_key = f"{country or '-'}:{self.name_key}"
        return value

    @validates("acronym")
    def _derive_acronym_key(self, _: str, value: str | None) -> str | None:
        self.acronym_key = fold(value) if value else None
        return value


class OrganizationAlias(Base):
    __tablename__ = "organization_aliases"
    __table_args__ = (
        Index("ix_organization_aliases_organization_id", "organization_id"),
        Index("ix_organization_aliases_name_key", "name_key"),
        Index("ix_organization_aliases_acronym_key", "acronym_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(String(35))
    acronym: Mapped[str | None] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(Text)
    name_skeleton: Mapped[str] = mapped_column(Text)
    acronym_key: Mapped[str | None] = mapped_column(Text)

    @validates("name")
    def _derive_name_keys(self, _: str, value: str) -> str:
        self.name_key = fold(value)
        self.name_skeleton = skeleton(value)
        return value

    @validates("acronym")
    def _derive_acronym_key(self, _: str, value: str | None) -> str | None:
        self.acronym_key = fold(value) if value else None
        return value
