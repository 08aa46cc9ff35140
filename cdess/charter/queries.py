"""What pages read about the charter: its versions, their differences, the signatures."""

from datetime import date

from flask import current_app

from cdess.charter import services, versions
from cdess.charter.models import CharterSignature, CharterVersion, SignatureStatus
from cdess.extensions import db
from cdess.structures.models import Structure

SIGNATURES_SHOWN = 500  # the secretariat's list: the most recent ones


def all_versions() -> list[CharterVersion]:
    """Every charter version, drafts and archived ones too, the newest number first."""
    return (
        db.session.execute(db.select(CharterVersion).order_by(CharterVersion.number.desc()))
        .scalars()
        .all()
    )


def signatures(
    today: date,
) -> tuple[list[CharterSignature], dict[int, versions.Standing]]:
    """The latest signatures, newest first, and the standing on `today` of the active ones
    (by signature id), read with one query for the published versions."""
    rows = (
        db.session.execute(
            db.select(CharterSignature)
            .join(Structure)
            .order_by(CharterSignature.signed_at.desc(), CharterSignature.id.desc())
            .limit(SIGNATURES_SHOWN)
        )
        .scalars()
        .all()
    )
    published = services.published_versions()
    standings = {
        s.id: services.signature_standing(s, today, published)
        for s in rows
        if s.status is SignatureStatus.active
    }
    return rows, standings


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
