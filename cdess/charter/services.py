"""Charter versions: loading, drafting, editing, publishing; and signatures."""

from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import func

from cdess.accounts.models import User, utcnow
from cdess.charter import scoring
from cdess.charter.models import (
    AnswerType,
    CharterSignature,
    CharterStatus,
    CharterVersion,
    Criterion,
    CriterionBand,
    CriterionOption,
    Principle,
    SignatureStatus,
)
from cdess.extensions import db
from cdess.structures.models import Structure

DEFAULT_CHARTER = Path(__file__).parent / "default_charter.yaml"


class CharterError(ValueError):
    """A refused charter operation; `problems` lists what to fix, in French."""

    def __init__(self, problems: list[str] | str):
        problems = [problems] if isinstance(problems, str) else problems
        super().__init__(" ".join(problems))
        self.problems = problems


# --- reading ---------------------------------------------------------------------------------


def published_version() -> CharterVersion | None:
    return db.session.execute(
        db.select(CharterVersion).filter_by(status=CharterStatus.published)
    ).scalar_one_or_none()


def draft_version() -> CharterVersion | None:
    return db.session.execute(
        db.select(CharterVersion).filter_by(status=CharterStatus.draft)
    ).scalar_one_or_none()


def version_to_dict(version: CharterVersion) -> dict:
    """The version in the shape of the charter file (also what scoring reads)."""
    return {
        "title": version.title,
        "version_label": str(version.number),
        "threshold": version.threshold,
        "principle_floor": version.principle_floor,
        "commitments": list(version.commitments or []),
        "principles": [
            {
                "code": p.code,
                "title": p.title,
                "description": p.description,
                "weight": p.weight,
                "criteria": [_criterion_to_dict(c) for c in p.criteria],
            }
            for p in version.principles
        ],
    }


def _criterion_to_dict(c: Criterion) -> dict:
    data = {
        "code": c.code,
        "question": c.question,
        "help": c.help,
        "type": c.answer_type.value,
        "points": c.points,
        "evidence_required": c.evidence_required,
        "eliminatory": c.eliminatory,
        "recommendation": c.recommendation,
    }
    if c.families:
        data["families"] = list(c.families)
    if c.answer_type is AnswerType.choice:
        data["options"] = [{"key": o.key, "label": o.label, "points": o.points} for o in c.options]
    if c.answer_type is AnswerType.number:
        data["bands"] = [{"min": b.min, "max": b.max, "points": b.points} for b in c.bands]
        data.update(unit=c.unit, min=c.min_value, max=c.max_value)
    return data


_scoring_cache: dict[int, scoring.Charter] = {}


def scoring_charter(version: CharterVersion) -> scoring.Charter:
    """The pure scoring model of a version; cached once the version can no longer change."""
    if version.status is not CharterStatus.draft and version.id in _scoring_cache:
        return _scoring_cache[version.id]
    charter = scoring.charter_from_dict(version_to_dict(version))
    if version.status is not CharterStatus.draft:
        _scoring_cache[version.id] = charter
    return charter


# --- creating --------------------------------------------------------------------------------


def _next_number() -> int:
    return (db.session.execute(db.select(func.max(CharterVersion.number))).scalar() or 0) + 1


def version_from_dict(data: dict, actor: User | None = None) -> CharterVersion:
    """A new draft version built from a charter file's data."""
    version = CharterVersion(
        number=_next_number(),
        title=data["title"],
        threshold=data.get("threshold", 60),
        principle_floor=data.get("principle_floor", 40),
        commitments=list(data.get("commitments", [])),
        status=CharterStatus.draft,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    for p_pos, p in enumerate(data["principles"]):
        principle = Principle(
            code=p["code"],
            title=p["title"],
            description=p.get("description", ""),
            weight=p.get("weight", 1),
            position=p_pos,
        )
        version.principles.append(principle)
        for c_pos, c in enumerate(p.get("criteria", [])):
            criterion = Criterion(
                version_id=version.id,
                code=c["code"],
                question=c["question"],
                help=c.get("help", "") or "",
                answer_type=AnswerType(c["type"]),
                points=c.get("points", 0) or 0,
                evidence_required=bool(c.get("evidence_required")),
                eliminatory=bool(c.get("eliminatory")),
                families=list(c["families"]) if c.get("families") else None,
                recommendation=c.get("recommendation", "") or "",
                unit=c.get("unit", "") or "",
                min_value=c.get("min"),
                max_value=c.get("max"),
                position=c_pos,
            )
            criterion.options = [
                CriterionOption(key=o["key"], label=o["label"], points=o["points"], position=i)
                for i, o in enumerate(c.get("options", []))
            ]
            criterion.bands = [
                CriterionBand(min=b.get("min"), max=b.get("max"), points=b["points"], position=i)
                for i, b in enumerate(c.get("bands", []))
            ]
            scale = criterion.options or criterion.bands  # a choice or a number: its best answer
            if scale:
                criterion.points = max(item.points for item in scale)
            principle.criteria.append(criterion)
    db.session.flush()
    return version


def load_file(path: Path | str, actor: User | None = None, publish_it: bool = True):
    """Load a charter file (YAML) as a new version, published unless asked otherwise."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    version = version_from_dict(data, actor)
    if publish_it:
        publish(version, actor)
    return version


def ensure_default_charter() -> CharterVersion | None:
    """Load and publish the shipped charter when the database has none."""
    if db.session.execute(db.select(CharterVersion.id).limit(1)).first() is None:
        return load_file(DEFAULT_CHARTER)
    return None


def start_draft(actor: User) -> CharterVersion:
    """The draft in progress, or a new one copied from the published version."""
    if (draft := draft_version()) is not None:
        return draft
    published = published_version()
    if published is None:
        raise CharterError(_("Aucune charte publiée à copier."))
    return version_from_dict(version_to_dict(published), actor)


# --- publishing ------------------------------------------------------------------------------


def publish(version: CharterVersion, actor: User | None = None) -> None:
    """Check the draft, archive the published version, publish this one."""
    ensure_draft(version)
    problems = scoring.validate_charter(scoring.charter_from_dict(version_to_dict(version)))
    if not version.principles:
        problems.insert(0, _("La charte n'a aucun principe."))
    if problems:
        raise CharterError(problems)
    now = utcnow()
    previous = published_version()
    if previous is not None:
        previous.status = CharterStatus.archived
        db.session.flush()  # the one-published index must see the archive first
    version.status = CharterStatus.published
    version.published_at = now
    db.session.flush()


def ensure_draft(version: CharterVersion) -> None:
    """Published and archived versions never change."""
    if version.status is not CharterStatus.draft:
        raise CharterError(_("Cette version est publiée : elle ne peut plus être modifiée."))


# --- signatures ------------------------------------------------------------------------------


def active_signature(structure: Structure) -> CharterSignature | None:
    return db.session.execute(
        db.select(CharterSignature).filter_by(
            structure_id=structure.id, status=SignatureStatus.active
        )
    ).scalar_one_or_none()


def latest_signature(structure: Structure) -> CharterSignature | None:
    return db.session.execute(
        db.select(CharterSignature)
        .filter_by(structure_id=structure.id)
        .order_by(CharterSignature.signed_at.desc(), CharterSignature.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def sign(structure: Structure, signer_name: str, signer_role: str, actor: User):
    """The legal representative accepts the published charter for the structure."""
    version = published_version()
    if version is None:
        raise CharterError(_("Aucune charte n'est publiée."))
    if (latest := latest_signature(structure)) and latest.status is SignatureStatus.suspended:
        raise CharterError(
            _("La signature de la structure est suspendue par le secrétariat : contactez-le.")
        )
    current = active_signature(structure)
    if current is not None and current.version_id == version.id:
        raise CharterError(_("La structure a déjà signé cette version de la charte."))
    if current is not None:  # a new version replaces the signature of an older one
        _set_signature_status(current, SignatureStatus.withdrawn, _("Nouvelle version signée."))
    signature = CharterSignature(
        structure_id=structure.id,
        version_id=version.id,
        signer_name=signer_name,
        signer_role=signer_role,
        signed_by_id=actor.id,
    )
    db.session.add(signature)
    db.session.flush()
    return signature


def _set_signature_status(signature, status: SignatureStatus, reason: str | None) -> None:
    signature.status = status
    signature.status_reason = reason
    signature.status_changed_at = utcnow()
    db.session.flush()


def withdraw_signature(signature: CharterSignature, reason: str | None = None) -> None:
    if signature.status is not SignatureStatus.active:
        raise CharterError(_("Cette signature n'est plus active."))
    _set_signature_status(signature, SignatureStatus.withdrawn, reason or None)


def suspend_signature(signature: CharterSignature, reason: str) -> None:
    if signature.status is not SignatureStatus.active:
        raise CharterError(_("Cette signature n'est plus active."))
    if not reason.strip():
        raise CharterError(_("Indiquez le motif de la suspension."))
    _set_signature_status(signature, SignatureStatus.suspended, reason.strip())


def lift_suspension(signature: CharterSignature) -> None:
    if signature.status is not SignatureStatus.suspended:
        raise CharterError(_("Cette signature n'est pas suspendue."))
    _set_signature_status(signature, SignatureStatus.active, None)


def signatories() -> list[CharterSignature]:
    """Active signatures, for the public list."""
    return (
        db.session.execute(
            db.select(CharterSignature)
            .filter_by(status=SignatureStatus.active)
            .join(Structure)
            .order_by(func.lower(Structure.name))
        )
        .scalars()
        .all()
    )


# --- editing a draft -------------------------------------------------------------------------


def update_settings(version, title: str, threshold: float, floor: float, commitments: list[str]):
    ensure_draft(version)
    version.title = title
    version.threshold = threshold
    version.principle_floor = floor
    version.commitments = [c for c in (line.strip() for line in commitments) if c]
    db.session.flush()


def save_principle(version, principle: Principle | None, **fields) -> Principle:
    """Create (principle=None) or change a principle of a draft."""
    ensure_draft(version)
    _check_code_free(version, Principle, fields["code"], principle)
    if principle is None:
        principle = Principle(version=version, position=len(version.principles))
        db.session.add(principle)
    elif principle.version_id != version.id:
        raise CharterError(_("Ce principe n'appartient pas à cette version."))
    for name, value in fields.items():
        setattr(principle, name, value)
    db.session.flush()
    return principle


def delete_principle(version, principle: Principle) -> None:
    ensure_draft(version)
    if principle.version_id != version.id:
        raise CharterError(_("Ce principe n'appartient pas à cette version."))
    version.principles.remove(principle)  # delete-orphan removes the row
    db.session.flush()


def save_criterion(
    version, principle: Principle, criterion: Criterion | None, options=(), bands=(), **fields
) -> Criterion:
    """Create or change a criterion of a draft, with its options (choice) or bands (number)."""
    ensure_draft(version)
    if principle.version_id != version.id:
        raise CharterError(_("Ce principe n'appartient pas à cette version."))
    _check_code_free(version, Criterion, fields["code"], criterion)
    if criterion is None:
        criterion = Criterion(version_id=version.id, position=len(principle.criteria))
        principle.criteria.append(criterion)
    elif criterion.version_id != version.id:
        raise CharterError(_("Ce critère n'appartient pas à cette version."))
    criterion.principle = principle
    for name, value in fields.items():
        setattr(criterion, name, value)
    kind = criterion.answer_type
    criterion.options = (
        [
            CriterionOption(key=key, label=label, points=points, position=i)
            for i, (key, label, points) in enumerate(options)
        ]
        if kind is AnswerType.choice
        else []
    )
    criterion.bands = (
        [
            CriterionBand(min=low, max=high, points=points, position=i)
            for i, (low, high, points) in enumerate(bands)
        ]
        if kind is AnswerType.number
        else []
    )
    if kind is AnswerType.choice and criterion.options:
        criterion.points = max(o.points for o in criterion.options)
    elif kind is AnswerType.number and criterion.bands:
        criterion.points = max(b.points for b in criterion.bands)
    elif kind is AnswerType.text:
        criterion.points = 0
    db.session.flush()
    return criterion


def delete_criterion(version, criterion: Criterion) -> None:
    ensure_draft(version)
    if criterion.version_id != version.id:
        raise CharterError(_("Ce critère n'appartient pas à cette version."))
    criterion.principle.criteria.remove(criterion)  # delete-orphan removes the row
    db.session.flush()


def _check_code_free(version, model, code: str, current) -> None:
    clash = db.session.execute(
        db.select(model.id).filter(model.version_id == version.id, model.code == code)
    ).first()
    if clash and (current is None or clash[0] != current.id):
        raise CharterError(_("Le code %(code)s est déjà utilisé dans cette version.", code=code))


def diff(old: dict, new: dict) -> list[tuple[str, str, str]]:
    """What changed between two versions (as dicts): (kind, code, what) rows, in French."""
    rows: list[tuple[str, str, str]] = []
    for key, label in (
        ("title", _("titre")),
        ("threshold", _("seuil d'éligibilité")),
        ("principle_floor", _("plancher par principe")),
        ("commitments", _("engagements")),
    ):
        if old.get(key) != new.get(key):
            rows.append((_("charte"), "", _("%(what)s modifié", what=label)))

    def index(data):
        principles = {p["code"]: p for p in data["principles"]}
        criteria = {
            c["code"]: dict(c, principle=p["code"])
            for p in data["principles"]
            for c in p["criteria"]
        }
        return principles, criteria

    old_p, old_c = index(old)
    new_p, new_c = index(new)
    for kind, before, after in ((_("principe"), old_p, new_p), (_("critère"), old_c, new_c)):
        for code in sorted(after.keys() - before.keys()):
            rows.append((kind, code, _("ajouté")))
        for code in sorted(before.keys() - after.keys()):
            rows.append((kind, code, _("supprimé")))
        for code in sorted(before.keys() & after.keys()):
            changed = sorted(
                k
                for k in before[code].keys() | after[code].keys()
                if k != "criteria" and before[code].get(k) != after[code].get(k)
            )
            if changed:
                rows.append((kind, code, _("modifié : %(fields)s", fields=", ".join(changed))))
    return rows
