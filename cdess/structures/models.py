"""Structures of the social and solidarity economy and the users who act for them."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from cdess.accounts.models import User
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled
from cdess.web.typography import collation_key


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


def name_sort_key(name: str) -> str:
    """The key a structure's name is listed by: French order (`typography.collation_key`:
    accents, case, hyphens and apostrophes ignored first), the same on both databases."""
    return collation_key(name)[0]


def _sort_key_of_inserted(context) -> str:
    # The default of every INSERT, the ORM's and the bulk ones (`demo --structures`).
    return name_sort_key(context.get_current_parameters()["name"])


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
        # The lists by name (the structures, the signatories, the certificates) read their
        # first page from this index, whatever the number of structures.
        Index("ix_structure_sort", "sort_key", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # `name_sort_key(name)`, kept with the name (set at each insert, and by the ORM when the
    # name changes): the lists order by it, then by the name and the id.
    sort_key: Mapped[str] = mapped_column(String(400), default=_sort_key_of_inserted)
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

    @validates("name")
    def _keep_sort_key(self, _key, name: str) -> str:
        self.sort_key = name_sort_key(name)
        return name

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
