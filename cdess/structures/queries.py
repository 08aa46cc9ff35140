"""What pages and notices read about structures."""

from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import func, or_

from cdess import territories
from cdess.accounts.models import User
from cdess.extensions import db
from cdess.structures.identity import LEGAL_FORMS
from cdess.structures.models import Family, Membership, Structure
from cdess.web import spreadsheet
from cdess.web.queries import COUNT_CAP, escape_like, paginate


def people(structure_id: int) -> list[User]:
    """The active accounts that act for the structure, in a stable order."""
    return list(
        db.session.execute(
            db.select(User)
            .join(Membership, Membership.user_id == User.id)
            .filter(Membership.structure_id == structure_id, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


SEARCH_LENGTH = 100  # the longest text a list's search reads


def search(text: str):
    """The condition « the structure's name contains the text (any case), or its SIRET starts
    with it, or its SIREN or RNA is it » (spaces in numbers ignored); None for no text."""
    text = text.strip()[:SEARCH_LENGTH]
    if not text:
        return None
    digits = text.replace(" ", "")
    pattern = "%" + escape_like(text.lower()) + "%"
    conditions = [
        func.lower(Structure.name).like(pattern, escape="\\"),
        Structure.rna == digits.upper(),
    ]
    if digits.isdigit():
        conditions += [
            Structure.siren == digits,
            Structure.siret.like(escape_like(digits) + "%", escape="\\"),
        ]
    return or_(*conditions)


def of_user(user_id: int) -> list[Structure]:
    """The structures the account acts for, by name, in one statement (« Mes structures »)."""
    return list(
        db.session.execute(
            db.select(Structure)
            .join(Membership, Membership.structure_id == Structure.id)
            .filter(Membership.user_id == user_id)
            .order_by(Structure.sort_key, Structure.name, Structure.id)
        ).scalars()
    )


def identity_header() -> list[str]:
    """The columns that name a structure in the exports of the lists about structures (the
    applications' queue, the follow-ups'): `identity_cells`' headings."""
    return [_("Structure"), _("SIRET"), _("RNA"), _("Famille"), _("Code EPCI"), _("EPCI")]


def identity_cells(structure: Structure) -> list:
    epci = structure.epci
    return [
        structure.name,
        structure.siret,
        structure.rna,
        structure.family.label,
        structure.epci_code,
        epci.name if epci else "",
    ]


def structures(filters: dict[str, str]):
    """The secretariat's list of structures by name, found by name or identifier (SIRET,
    SIREN, RNA), EPCI, family and commune; runs nothing."""
    stmt = db.select(Structure).order_by(Structure.sort_key, Structure.name, Structure.id)
    if filters["q"]:
        like = "%" + escape_like(filters["q"].lower()) + "%"
        ident = filters["q"].replace(" ", "").upper()
        stmt = stmt.where(
            or_(
                func.lower(Structure.name).like(like, escape="\\"),
                Structure.siret == ident,
                Structure.siren == ident,
                Structure.rna == ident,
            )
        )
    if territories.epci(filters["epci"]):
        stmt = stmt.where(Structure.epci_code == filters["epci"])
    if filters["family"] in {f.value for f in Family}:
        stmt = stmt.where(Structure.family == Family(filters["family"]))
    if territories.commune(filters["commune"]):
        stmt = stmt.where(Structure.commune_code == filters["commune"])
    return stmt


def structures_page(filters: dict[str, str]):
    """One page of the secretariat's list (`structures`)."""
    return paginate(structures(filters), count_cap=COUNT_CAP)


def export(filters: dict[str, str]) -> tuple[list[str], Iterator[list]]:
    """The secretariat's list as a spreadsheet: its header, and every structure the filters
    keep (`structures`), in its order, read lazily."""
    header = [
        _("Nom"),
        _("Famille"),
        _("Code forme juridique"),
        _("Forme juridique"),
        _("SIRET"),
        _("SIREN"),
        _("RNA"),
        _("Adresse"),
        _("Code commune"),
        _("Commune"),
        _("Code EPCI"),
        _("EPCI"),
        _("Salariés"),
        _("Année de création"),
        _("Site web"),
        _("Inscrite le"),
    ]

    def rows() -> Iterator[list]:
        for s in spreadsheet.each(structures(filters), Structure.id):
            commune, epci = s.commune, s.epci
            yield [
                s.name,
                s.family.label,
                s.legal_form,
                LEGAL_FORMS.get(s.legal_form, ("",))[0],
                s.siret,
                s.siren,
                s.rna,
                s.address,
                s.commune_code,
                commune.name if commune else "",
                s.epci_code,
                epci.name if epci else "",
                s.employees,
                s.year_founded,
                s.website,
                spreadsheet.day(s.created_at),
            ]

    return header, rows()
