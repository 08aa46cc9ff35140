"""What pages read about the charter: its versions, their differences, the signatures."""

from collections.abc import Iterator
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload

from cdess.charter import services, versions
from cdess.charter.models import CharterSignature, CharterVersion, SignatureStatus
from cdess.extensions import db
from cdess.structures.models import Structure
from cdess.web import spreadsheet

SIGNATURES_SHOWN = 500  # the secretariat's list: the most recent ones


def all_versions() -> list[CharterVersion]:
    """Every charter version, drafts and archived ones too, the newest number first."""
    return (
        db.session.execute(db.select(CharterVersion).order_by(CharterVersion.number.desc()))
        .scalars()
        .all()
    )


def signatures_list():
    """Every signature, newest first, with its structure and version; runs nothing."""
    return (
        db.select(CharterSignature)
        .join(Structure)
        .options(contains_eager(CharterSignature.structure), joinedload(CharterSignature.version))
        .order_by(CharterSignature.signed_at.desc(), CharterSignature.id.desc())
    )


def signatures(
    today: date,
) -> tuple[list[CharterSignature], dict[int, versions.Standing]]:
    """The latest signatures (`signatures_list`, the first `SIGNATURES_SHOWN`), and the
    standing on `today` of the active ones (by signature id), read with one query for the
    published versions."""
    rows = db.session.execute(signatures_list().limit(SIGNATURES_SHOWN)).scalars().all()
    published = services.published_versions()
    standings = {
        s.id: services.signature_standing(s, today, published)
        for s in rows
        if s.status is SignatureStatus.active
    }
    return rows, standings


def signatures_export(today: date) -> tuple[list[str], Iterator[list]]:
    """Every signature (`signatures_list`, not only the page's latest) as a spreadsheet: its
    header, and a row each, read lazily; an active one says whether it counts on `today` for
    applying, and until when while a major version's grace period runs."""
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
        for s in spreadsheet.each(signatures_list(), CharterSignature.id):
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
