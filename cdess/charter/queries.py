"""What pages read about the charter: its versions, their differences, the signatures."""

from collections.abc import Iterator
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload

from cdess.charter import services, versions
from cdess.charter.models import CharterSignature, CharterVersion, SignatureStatus
from cdess.extensions import db
from cdess.structures import queries as structures
from cdess.structures.models import Structure
from cdess.web import spreadsheet
from cdess.web.queries import COUNT_CAP, paginate


def all_versions() -> list[CharterVersion]:
    """Every charter version, drafts and archived ones too, the newest number first."""
    return (
        db.session.execute(db.select(CharterVersion).order_by(CharterVersion.number.desc()))
        .scalars()
        .all()
    )


def signatures_list(text: str = ""):
    """Every signature, newest first, with its structure and version, of the structures
    `text` finds (`structures.search`: name, SIRET, SIREN, RNA); runs nothing."""
    stmt = (
        db.select(CharterSignature)
        .join(Structure)
        .options(contains_eager(CharterSignature.structure), joinedload(CharterSignature.version))
        .order_by(CharterSignature.signed_at.desc(), CharterSignature.id.desc())
    )
    if (searched := structures.search(text)) is not None:
        stmt = stmt.where(searched)
    return stmt


def signatures(today: date, text: str = ""):
    """One page of the secretariat's signatures (`signatures_list`), and the standing on
    `today` of its active ones (by signature id), read with one query for the published
    versions."""
    # Without a search, as many rows as the table's: counted from it alone (its key's index),
    # not from its join with the structures (10,000 rows joined at 200,000 structures).
    counted = None if structures.search(text) is not None else db.select(CharterSignature.id)
    page = paginate(signatures_list(text), count_cap=COUNT_CAP, counted=counted)
    published = services.published_versions()
    standings = {
        s.id: services.signature_standing(s, today, published)
        for s in page.items
        if s.status is SignatureStatus.active
    }
    return page, standings


def signatories(today: date, text: str = ""):
    """One page of the public list: the active signatures that count on `today`, by the
    structure's name, of the structures `text` finds; each with its standing (« à renouveler
    avant le … » during a major version's grace period). Whether a signature counts depends on
    its version only: the versions that count are worked out first, then the page is read."""
    published = services.published_versions()
    standing = {v.number: versions.standing(v.number, published, today) for v in published}
    counting = [number for number, s in standing.items() if s.in_force]
    in_force = (
        CharterSignature.status == SignatureStatus.active,
        CharterSignature.version_id.in_(
            db.select(CharterVersion.id).filter(CharterVersion.number.in_(counting))
        ),
    )
    stmt = (
        db.select(CharterSignature)
        .join(Structure, Structure.id == CharterSignature.structure_id)
        .join(CharterVersion, CharterVersion.id == CharterSignature.version_id)
        .filter(*in_force)
        .options(
            contains_eager(CharterSignature.structure), contains_eager(CharterSignature.version)
        )
        .order_by(Structure.sort_key, Structure.name, Structure.id)
    )
    counted = None
    if (searched := structures.search(text)) is not None:
        stmt = stmt.where(searched)
    else:  # the same signatures without the join: as many rows, cheaper to count
        counted = db.select(CharterSignature.id).filter(*in_force)
    page = paginate(stmt, count_cap=COUNT_CAP, counted=counted)
    return page, [(s, standing[s.version.number]) for s in page.items]


def signatures_export(today: date, text: str = "") -> tuple[list[str], Iterator[list]]:
    """Every signature `text` finds (`signatures_list`, not only a page's) as a spreadsheet:
    its header, and a row each, read lazily; an active one says whether it counts on `today`
    for applying, and until when while a major version's grace period runs."""
    header = [
        _("Structure"),
        _("SIRET"),
        _("SIREN"),
        _("RNA"),
        _("Famille"),
        _("Signataire"),
        _("Qualité"),
        _("Signée le"),
        _("Version de la charte"),
        _("État"),
        _("Motif"),
        _("Changement d'état le"),
        _("Vaut pour candidater"),
        _("À signer de nouveau avant le"),
    ]

    def rows() -> Iterator[list]:
        published = services.published_versions()
        for s in spreadsheet.each(signatures_list(text), CharterSignature.id):
            structure = s.structure
            standing = (
                services.signature_standing(s, today, published)
                if s.status is SignatureStatus.active
                else None
            )
            yield [
                structure.name,
                structure.siret,
                structure.siren,
                structure.rna,
                structure.family.label,
                s.signer_name,
                s.signer_role,
                spreadsheet.day(s.signed_at),
                s.version.number,
                s.status.label,
                s.status_reason,
                spreadsheet.day(s.status_changed_at),
                (_("oui") if standing.in_force else _("non")) if standing else "",
                standing.renew_before if standing else None,
            ]

    return header, rows()


def differences(version: CharterVersion) -> dict:
    """What the differences page shows: the published version (or None), the rows that differ
    from it (none for the published version itself) and the grace period for signing again."""
    published = services.published_version()
    rows = (
        services.diff(services.version_to_dict(published), services.version_to_dict(version))
        if published is not None and published.id != version.id
        else []
    )
    return {
        "published": published,
        "rows": rows,
        "grace_months": current_app.config["CHARTER_RESIGN_GRACE_MONTHS"],
    }
