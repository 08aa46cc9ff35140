"""What the open data reads: the labelled structures and the charter's signatories counted by
EPCI and family (GROUP BY in the database), and the scores of a structure's labelled peers.

Where the issue is silent, decided here:
- the statistics list every EPCI of the département × every family, zeros included (a reader
  sums or filters without guessing what a missing row means); an EPCI code outside the
  territory file, and structures whose EPCI is unknown (empty code), follow when they occur;
- a labelled structure is one of the registry (`certificates.services.labelled`), a signatory
  one of the public list (active signature of a version still in force today);
- a peer's scores are those of its latest finished self-assessment, verified: when the
  council decided an application built on that assessment, the verified result it voted on.
"""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import false, func, or_

from cdess import territories
from cdess.applications.models import Application, State
from cdess.assessments.models import Assessment, AssessmentStatus
from cdess.assessments.peers import scores_by_code
from cdess.certificates import services as certificates
from cdess.certificates.models import Certificate
from cdess.charter import versions
from cdess.charter.models import CharterSignature, CharterVersion, SignatureStatus
from cdess.charter.services import published_versions
from cdess.extensions import db
from cdess.structures.models import Family, Structure

# The statistics' columns, in order (docs/statistiques.schema.json lists the same names).
STATISTICS_FIELDS = (
    "code_epci",
    "epci",
    "famille",
    "structures_labellisees",
    "signataires_charte",
)

# An application past the council's vote: its verified result is final.
DECIDED = (State.granted, State.certified, State.refused)

Counts = dict[tuple[str | None, Family], int]


def _counts(rows: Iterable[tuple[str | None, Family, int]]) -> Counts:
    return {(code, family): count for code, family, count in rows}


def labelled_counts(today: date) -> Counts:
    """(EPCI code, family) → how many structures hold the label today."""
    stmt = (
        certificates.labelled(today)
        .with_only_columns(Structure.epci_code, Structure.family, func.count(Certificate.id))
        .group_by(Structure.epci_code, Structure.family)
    )
    return _counts(db.session.execute(stmt))


def signatory_counts(today: date) -> Counts:
    """(EPCI code, family) → how many structures' signature of the charter counts today."""
    published = published_versions()
    in_force = [
        v.number for v in published if versions.standing(v.number, published, today).in_force
    ]
    stmt = (
        db.select(
            Structure.epci_code,
            Structure.family,
            func.count(func.distinct(CharterSignature.structure_id)),
        )
        .join(CharterSignature, CharterSignature.structure_id == Structure.id)
        .join(CharterVersion, CharterVersion.id == CharterSignature.version_id)
        .filter(
            CharterSignature.status == SignatureStatus.active,
            CharterVersion.number.in_(in_force),
        )
        .group_by(Structure.epci_code, Structure.family)
    )
    return _counts(db.session.execute(stmt))


def statistics_rows(today: date | None = None) -> list[dict[str, str | int]]:
    """The public statistics, one dict of `STATISTICS_FIELDS` per EPCI × family (codes and
    names as text, counts as integers)."""
    today = today or date.today()
    labelled, signatories = labelled_counts(today), signatory_counts(today)
    known = [(e.code, e.name) for e in territories.epcis()]
    names = {code for code, _name in known}
    seen = {code for code, _family in (*labelled, *signatories)}
    # Codes the territory file does not know, then the structures without an EPCI (None).
    others = sorted((c for c in seen if c not in names), key=lambda c: (c is None, c or ""))
    return [
        {
            "code_epci": code or "",
            "epci": name,
            "famille": family.value,
            "structures_labellisees": labelled.get((code, family), 0),
            "signataires_charte": signatories.get((code, family), 0),
        }
        for code, name in [*known, *((code, "") for code in others)]
        for family in Family
    ]


# --- a structure's peers ----------------------------------------------------------------------


def peer_scores(
    structure: Structure, family: Family, today: date | None = None
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """The principle scores (code → score) of the labelled structures other than `structure`
    that have a finished self-assessment: those of `family`, and those of the structure's
    EPCI (none when it has no EPCI). One query; its rows are bounded by the labelled
    structures."""
    today = today or date.today()
    latest = (
        db.select(Assessment.structure_id, func.max(Assessment.id).label("id"))
        .filter(Assessment.status == AssessmentStatus.finished)
        .group_by(Assessment.structure_id)
        .subquery()
    )
    decided = (
        db.select(Application.assessment_id, func.max(Application.id).label("id"))
        .filter(Application.assessment_id.is_not(None), Application.state.in_(DECIDED))
        .group_by(Application.assessment_id)
        .subquery()
    )
    labelled = certificates.labelled(today).with_only_columns(Certificate.structure_id)
    epci = structure.epci_code
    rows = db.session.execute(
        db.select(
            Structure.family, Structure.epci_code, Assessment.result, Application.verified_result
        )
        .join(latest, latest.c.structure_id == Structure.id)
        .join(Assessment, Assessment.id == latest.c.id)
        .outerjoin(decided, decided.c.assessment_id == Assessment.id)
        .outerjoin(Application, Application.id == decided.c.id)
        .filter(
            Structure.id.in_(labelled),
            Structure.id != structure.id,
            or_(Structure.family == family, Structure.epci_code == epci if epci else false()),
        )
        .order_by(Structure.id)
    )
    same_family, same_epci = [], []
    for peer_family, peer_epci, result, verified in rows:
        scores = scores_by_code(verified or result)
        if not scores:
            continue
        if peer_family is family:
            same_family.append(scores)
        if epci and peer_epci == epci:
            same_epci.append(scores)
    return same_family, same_epci
