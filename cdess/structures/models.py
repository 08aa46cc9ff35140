"""Structures of the social and solidarity economy and the users who act for them."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled


class Family(enum.Enum):
    association = "association"
    cooperative = "cooperative"
    mutuelle = "mutuelle"
    fondation = "fondation"
    entreprise_commerciale = "entreprise_commerciale"


labelled(
    Family,
    {
        Family.association: _l("Association"),
        Family.cooperative: _l("Coopérative (SCOP, SCIC…)"),
        Family.mutuelle: _l("Mutuelle"),
        Family.fondation: _l("Fondation"),
        Family.entreprise_commerciale: _l("Entreprise commerciale de l'ESS"),
    },
)


class Structure(db.Model):
    __audit_kind__ = "structure"  # its name in the journal
    __tablename__ = "structure"
    __table_args__ = (
        CheckConstraint(
            "siren IS NOT NULL OR siret IS NOT NULL OR rna IS NOT NULL", name="has_identifier"
        ),
        CheckConstraint("siret IS NULL OR siren = substr(siret, 1, 9)", name="siret_matches_siren"),
        CheckConstraint("employees IS NULL OR employees >= 0", name="employees_positive"),
        Index("ix_structure_epci_family", "epci_code", "family"),
        # The structures' list and the registry filter by commune.
        Index("ix_structure_commune_code", "commune_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    siren: Mapped[str | None] = mapped_column(String(9), index=True)
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    rna: Mapped[str | None] = mapped_column(String(10), unique=True)
    legal_form: Mapped[str] = mapped_column(String(4))
    family: Mapped[Family] = mapped_column(
        db.Enum(Family, name="family", native_enum=False, length=30)
    )
    address: Mapped[str] = mapped_column(String(300), default="")
    commune_code: Mapped[str] = mapped_column(String(5))
    # Stored beside the commune so that lists filter by EPCI without the territory file.
    epci_code: Mapped[str | None] = mapped_column(String(9))
    employees: Mapped[int | None]
    year_founded: Mapped[int | None]
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="structure", cascade="all, delete-orphan"
    )
    # What the structure did, loaded only when read. No delete cascade: the database deletes
    # these rows with the structure (ON DELETE CASCADE), or refuses (certificates), and
    # passive_deletes="all" keeps the ORM from loading or touching them on a delete.
    applications: Mapped[list["Application"]] = relationship(  # noqa: F821
        back_populates="structure", order_by="Application.id", passive_deletes="all"
    )
    assessments: Mapped[list["Assessment"]] = relationship(  # noqa: F821
        back_populates="structure", order_by="Assessment.id", passive_deletes="all"
    )
    signatures: Mapped[list["CharterSignature"]] = relationship(  # noqa: F821
        back_populates="structure", order_by="CharterSignature.id", passive_deletes="all"
    )
    certificates: Mapped[list["Certificate"]] = relationship(  # noqa: F821
        back_populates="structure", order_by="Certificate.id", passive_deletes="all"
    )

    @property
    def commune(self):
        from cdess.territories import commune

        return commune(self.commune_code)

    @property
    def epci(self):
        from cdess.territories import epci

        return epci(self.epci_code) if self.epci_code else None


class Membership(db.Model):
    """A user acting for a structure; a structure has several users and a user several."""

    __tablename__ = "membership"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    structure_id: Mapped[int] = mapped_column(
        ForeignKey("structure.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    user: Mapped[User] = relationship(back_populates="memberships")
    structure: Mapped[Structure] = relationship(back_populates="memberships")
