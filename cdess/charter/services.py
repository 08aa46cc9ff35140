"""Charter versions: loading, drafting, editing, publishing; and signatures."""

from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.orm import contains_eager, joinedload

from cdess.accounts.models import User
from cdess.audit import services as audit
from cdess.charter import loading, scoring, versions
from cdess.charter.loading import CharterError
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
    VersionKind,
)
from cdess.clock import add_months, utcnow
from cdess.extensions import db
from cdess.notifications.services import lazy_date, notify
from cdess.structures.models import Membership, Structure
from cdess.web.formats import wallclock
from cdess.web.messages import translate
from cdess.web.urls import external_url

DEFAULT_CHARTER = Path(__file__).parent / "default_charter.yaml"


class VersionKindError(CharterError):
    """A major change declared minor: the message goes next to the kind's control."""


# --- reading ---------------------------------------------------------------------------------


def published_version() -> CharterVersion | None:
    """The published charter version (one at most), or None."""
    return db.session.execute(
        db.select(CharterVersion).filter_by(status=CharterStatus.published)
    ).scalar_one_or_none()


def draft_version() -> CharterVersion | None:
    """The draft charter version being prepared (one at most), or None."""
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
    """Load a charter file (YAML) as a new version, published unless asked otherwise. The
    file is read strictly (`loading.parse`: CharterError with each problem's line); once
    published after another version, the new one is classified minor or major from what
    changed (see `publish`)."""
    data = loading.read(path)
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


def classification(version: CharterVersion) -> versions.Change | None:
    """Minor or major against the published version (None: nothing published to compare
    with, or this is the published version)."""
    published = published_version()
    if published is None or published.id == version.id:
        return None
    return versions.classify(version_to_dict(published), version_to_dict(version))


def publish(
    version: CharterVersion,
    actor: User | None = None,
    kind: VersionKind | str | None = None,
    today: date | None = None,
) -> versions.Change | None:
    """Check the draft, archive the published version, publish this one.

    After a published version the new one is classified (`versions.classify`); `kind` is
    what the secretariat declares, None taking the classification (the command line). A major
    change declared minor is refused (VersionKindError); a minor one may be declared major.
    A major version's signatories have CHARTER_RESIGN_GRACE_MONTHS from `today` to sign it:
    once committed, `send_resign_requests` tells them. Returns the classification (None for
    a first version, which has no kind)."""
    ensure_draft(version)
    charter = scoring.charter_from_dict(version_to_dict(version))
    problems = [translate(problem) for problem in scoring.validate_charter(charter)]
    if not version.principles:
        problems.insert(0, _("La charte n'a aucun principe."))
    if problems:
        raise CharterError(problems)
    change = classification(version)
    declared = VersionKind(kind) if kind is not None else None
    if change is not None:
        declared = declared or VersionKind(change.kind)
        if change.major and declared is VersionKind.minor:
            raise VersionKindError(
                [
                    _(
                        "Cette version change la notation ou l'éligibilité : elle est majeure "
                        "et les signataires devront la signer de nouveau. Ce qui change : "
                        "%(reasons)s.",
                        reasons="; ".join(change.reasons),
                    )
                ]
            )
    now = utcnow()
    previous = published_version()
    if previous is not None:
        previous.status = CharterStatus.archived
        db.session.flush()  # the one-published index must see the archive first
    version.status = CharterStatus.published
    version.published_at = now
    version.kind = declared if previous is not None else None
    version.resign_deadline = None
    if version.kind is VersionKind.major:
        months = current_app.config["CHARTER_RESIGN_GRACE_MONTHS"]
        version.resign_deadline = add_months(today or date.today(), months)
    db.session.flush()
    audit.record(
        version,
        "charter_published",
        actor,
        from_state="draft",
        to_state="published",
        reason="; ".join(str(r) for r in change.reasons) if change else "",
        detail={
            "number": version.number,
            "kind": version.kind.value if version.kind else "",
            "replaces": previous.number if previous else None,
        },
    )
    return change


def ensure_draft(version: CharterVersion) -> None:
    """Published and archived versions never change."""
    if version.status is not CharterStatus.draft:
        raise CharterError(_("Cette version est publiée : elle ne peut plus être modifiée."))


# --- signatures ------------------------------------------------------------------------------


def active_signature(structure: Structure) -> CharterSignature | None:
    """The structure's active signature of the charter (one at most, by the database), or None."""
    return db.session.execute(
        db.select(CharterSignature).filter_by(
            structure_id=structure.id, status=SignatureStatus.active
        )
    ).scalar_one_or_none()


def latest_signature(structure: Structure) -> CharterSignature | None:
    """The structure's last signature, whatever its status, or None."""
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
            _("La signature de la structure est suspendue par le secrétariat : contactez-le.")
        )
    current = active_signature(structure)
    if current is not None and current.version_id == version.id:
        raise CharterError(_("La structure a déjà signé cette version de la charte."))
    if current is not None:  # a new version replaces the signature of an older one
        _set_signature_status(
            current, SignatureStatus.withdrawn, _("Nouvelle version signée."), actor
        )
    signature = CharterSignature(
        structure_id=structure.id,
        version_id=version.id,
        signer_name=signer_name,
        signer_role=signer_role,
        signed_by_id=actor.id,
    )
    db.session.add(signature)
    db.session.flush()
    audit.record(
        signature,
        "charter_signed",
        actor,
        to_state=SignatureStatus.active,
        detail={
            "structure": structure.name,
            "version": version.number,
            "signer": signer_name,
            "role": signer_role,
        },
    )
    return signature


def _set_signature_status(
    signature, status: SignatureStatus, reason: str | None, actor: User | None
) -> None:
    before = signature.status
    signature.status = status
    signature.status_reason = reason
    signature.status_changed_at = utcnow()
    db.session.flush()
    audit.record(
        signature,
        "signature_status",
        actor,
        reason=reason or "",
        from_state=before,
        to_state=status,
    )


def withdraw_signature(
    signature: CharterSignature, reason: str | None = None, actor: User | None = None
) -> None:
    """Withdraw an active signature (the reason optional); refused for one no longer active.
    Journalled. Flushes; the caller commits."""
    if signature.status is not SignatureStatus.active:
        raise CharterError(_("Cette signature n'est plus active."))
    _set_signature_status(signature, SignatureStatus.withdrawn, reason or None, actor)


def suspend_signature(signature: CharterSignature, reason: str, actor: User | None = None) -> None:
    """Suspend an active signature for a stated reason; refused for one no longer active or
    without a reason. Journalled. Flushes; the caller commits."""
    if signature.status is not SignatureStatus.active:
        raise CharterError(_("Cette signature n'est plus active."))
    if not reason.strip():
        raise CharterError(_("Indiquez le motif de la suspension."))
    _set_signature_status(signature, SignatureStatus.suspended, reason.strip(), actor)


def lift_suspension(signature: CharterSignature, actor: User | None = None) -> None:
    """Make a suspended signature active again; refused for one not suspended. Journalled.
    Flushes; the caller commits."""
    if signature.status is not SignatureStatus.suspended:
        raise CharterError(_("Cette signature n'est pas suspendue."))
    _set_signature_status(signature, SignatureStatus.active, None, actor)


def published_versions() -> list[versions.PublishedVersion]:
    """Every version published so far (archived ones too), as `versions.standing` reads them."""
    rows = db.session.execute(
        db.select(CharterVersion.number, CharterVersion.kind, CharterVersion.resign_deadline)
        .filter(CharterVersion.status != CharterStatus.draft)
        .order_by(CharterVersion.number)
    ).all()
    return [
        versions.PublishedVersion(number, kind.value if kind else None, deadline)
        for number, kind, deadline in rows
    ]


def signature_standing(
    signature: CharterSignature,
    today: date,
    published: list[versions.PublishedVersion] | None = None,
) -> versions.Standing:
    """Whether the signature counts on `today` (`versions.standing`), and until when while a
    major version's grace period runs. Pass `published` (from one query) for many."""
    if published is None:
        published = published_versions()
    return versions.standing(signature.version.number, published, today)


def signature_in_force(structure: Structure, today: date) -> CharterSignature | None:
    """The structure's active signature when it counts on `today` for applying: it is of the
    published version, or of an older one after which every version published is minor, or
    whose first later major version's grace period (before its resign_deadline) still runs.
    None otherwise (no signature, withdrawn, suspended, or not signed again in time)."""
    signature = active_signature(structure)
    if signature is None or not signature_standing(signature, today).in_force:
        return None
    return signature


def signature_problems(structure: Structure, today: date) -> list[str]:
    """Why the structure's signature does not count on `today`, in French; empty when it
    does (see `signature_in_force`)."""
    signature = active_signature(structure)
    if signature is None:
        latest = latest_signature(structure)
        if latest is not None and latest.status is SignatureStatus.suspended:
            return [_("La signature de la charte est suspendue par le secrétariat.")]
        return [_("La structure doit avoir signé la charte en vigueur.")]
    standing = signature_standing(signature, today)
    if standing.in_force:
        return []
    if standing.deadline is None:
        return [
            _(
                "La structure a signé la version %(old)s de la charte ; la version %(new)s la "
                "modifie sur le fond : son représentant légal doit la signer de nouveau.",
                old=signature.version.number,
                new=standing.major_number,
            )
        ]
    return [
        _(
            "La structure a signé la version %(old)s de la charte ; la version %(new)s la "
            "modifie sur le fond et devait être signée de nouveau avant le %(date)s : son "
            "représentant légal doit la signer.",
            old=signature.version.number,
            new=standing.major_number,
            date=wallclock(standing.deadline, "short"),
        )
    ]


def signatories(today: date | None = None) -> list[tuple[CharterSignature, versions.Standing]]:
    """The public list: active signatures that count today, each with its standing (which
    says « à renouveler avant le … » during a major version's grace period)."""
    today = today or date.today()
    published = published_versions()
    signatures = (
        db.session.execute(
            db.select(CharterSignature)
            .filter_by(status=SignatureStatus.active)
            .join(Structure)
            .options(
                contains_eager(CharterSignature.structure), joinedload(CharterSignature.version)
            )
            .order_by(Structure.sort_key, Structure.name, Structure.id)
        )
        .scalars()
        .all()
    )
    rows = [(s, signature_standing(s, today, published)) for s in signatures]
    return [(signature, standing) for signature, standing in rows if standing.in_force]


def send_resign_requests(version: CharterVersion, today: date | None = None) -> int:
    """After a major version's publication is committed: ask each structure whose active
    signature is of an older version to sign again, by email to its people, with the day
    its signature stops counting. Returns the number of emails delivered."""
    if version.kind is not VersionKind.major:
        return 0
    today = today or date.today()
    published = published_versions()
    reasons = list(versions.classify(*_neighbours(version)).reasons)
    rows = db.session.execute(
        db.select(CharterSignature, User)
        .join(CharterVersion, CharterSignature.version_id == CharterVersion.id)
        .join(Membership, Membership.structure_id == CharterSignature.structure_id)
        .join(User, User.id == Membership.user_id)
        .filter(
            CharterSignature.status == SignatureStatus.active,
            CharterVersion.number < version.number,
            User.active.is_(True),
        )
        .options(joinedload(CharterSignature.structure), joinedload(CharterSignature.version))
        .order_by(CharterSignature.structure_id, User.id)
    ).all()
    sent = 0
    for signature, user in rows:
        standing = signature_standing(signature, today, published)
        name = signature.structure.name
        deadline = standing.renew_before
        # Short subjects: Python's email folding misplaces a space in long non-ASCII ones.
        subject = (
            _l(
                "Signez de nouveau la charte avant le %(d)s — %(s)s",
                d=lazy_date(deadline),
                s=name,
            )
            if deadline
            else _l("Signez de nouveau la charte — %(s)s", s=name)
        )
        sent += notify(
            user.email,
            subject,
            "charter_resign",
            user.locale,
            user=user,
            structure_name=name,
            version=version.number,
            published_on=lazy_date(version.published_at),
            signed_version=signature.version.number,
            deadline=lazy_date(deadline) if deadline else None,
            reasons=reasons,
            link=external_url("charter.sign", structure_id=signature.structure_id),
        )
    return sent


def _neighbours(version: CharterVersion) -> tuple[dict, dict]:
    """The version before this one and this one, as dicts (to say what changed)."""
    before = db.session.execute(
        db.select(CharterVersion)
        .filter(
            CharterVersion.number < version.number, CharterVersion.status != CharterStatus.draft
        )
        .order_by(CharterVersion.number.desc())
        .limit(1)
    ).scalar_one()
    return version_to_dict(before), version_to_dict(version)


# --- editing a draft -------------------------------------------------------------------------


def update_settings(version, title: str, threshold: float, floor: float, commitments: list[str]):
    """Change a draft's title, threshold, principle floor and commitments (blank lines dropped);
    refused once published. Flushes; no journal entry, the caller commits."""
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
    """Delete a draft's principle with its criteria; refused once published or for another
    version's principle. Flushes; no journal entry, the caller commits."""
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
    """Delete a draft's criterion with its options and bands; refused once published or for
    another version's criterion. Flushes; no journal entry, the caller commits."""
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
                rows.append((kind, code, _("modifié : %(fields)s", fields=", ".join(changed))))
    return rows
