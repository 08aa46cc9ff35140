"""Issuing certificates and changing their status; the public status and the registry."""

import hashlib
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import contains_eager

from cdess.accounts.models import User, utcnow
from cdess.applications import services as applications
from cdess.applications.models import Application, State
from cdess.applications.notices import applicants, tell
from cdess.certificates import document
from cdess.certificates.models import Certificate, CertificateCounter
from cdess.certificates.models import CertificateStatus as Status
from cdess.extensions import db
from cdess.sessions import services as sessions
from cdess.sessions.models import AgendaItem, CouncilSession
from cdess.structures.models import Structure
from cdess.web.queries import escape_like
from cdess.web.urls import external_url


class CertificateError(Exception):
    pass


# --- numbering --------------------------------------------------------------------------------


def next_number(year: int) -> tuple[int, str]:
    """The year's next sequence number and the certificate number built from it, taken inside
    the caller's transaction: the UPDATE locks the year's counter until commit, so concurrent
    issuers wait in turn, and a rolled-back issue leaves no gap."""
    bump = (
        update(CertificateCounter)
        .where(CertificateCounter.year == year)
        .values(last=CertificateCounter.last + 1)
        .returning(CertificateCounter.last)
    )
    sequence = db.session.execute(bump).scalar_one_or_none()
    if sequence is None:  # the year's first certificate: create its counter, once
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(
            dialect.insert(CertificateCounter).values(year=year, last=0).on_conflict_do_nothing()
        )
        sequence = db.session.execute(bump).scalar_one()
    departement = current_app.config["DEPARTEMENT"]
    return sequence, f"CDESS-{departement}-{year}-{sequence:04d}"


# --- the snapshot -----------------------------------------------------------------------------


def decision(application: Application) -> tuple[CouncilSession | None, date]:
    """The session whose vote granted the label, and the day of that vote."""
    item = (
        db.session.execute(
            db.select(AgendaItem)
            .filter(AgendaItem.application_id == application.id, AgendaItem.result.isnot(None))
            .order_by(AgendaItem.id.desc())
        )
        .scalars()
        .first()
    )
    if item is None or item.vote_closed_at is None:  # decided outside a recorded vote
        granted = next(
            (e.at for e in reversed(application.audit) if e.to_state == State.granted.value), None
        )
        decided = (granted or utcnow()).date()
        return None, min(decided, application.label_valid_from or decided)
    return item.session, item.session.starts_at.date()


def snapshot(
    application: Application,
    number: str,
    issued_at: datetime,
    recommendations: str = "",
) -> dict:
    """Everything the certificate says, frozen as plain data."""
    structure = application.structure
    commune = structure.commune
    epci = structure.epci
    session, decided_on = decision(application)
    president = sessions.president()
    result = application.verified_result or {}  # the council voted on the verified result
    return {
        "number": number,
        "departement": current_app.config["DEPARTEMENT_NAME"],
        "council": current_app.config["COUNCIL_NAME"],
        "structure": structure.name,
        "siret": structure.siret or "",
        "siren": structure.siren or "",
        "rna": structure.rna or "",
        "commune": commune.name if commune else structure.commune_code,
        "commune_code": structure.commune_code,
        "epci": epci.name if epci else "",
        "family": structure.family.label,
        "decision_date": decided_on.isoformat(),
        "session_date": session.starts_at.date().isoformat() if session else "",
        "valid_from": application.label_valid_from.isoformat(),
        "valid_until": application.label_valid_until.isoformat(),
        "overall": round(result.get("overall", 0)),
        "principles": [
            {"title": p["title"], "score": round(p["score"])}
            for p in result.get("principles", [])
            if p["score"] is not None
        ],
        "charter_version": (application.snapshot or {}).get("charter_version"),
        "recommendations": recommendations.strip(),
        "president": president.display_name if president else "",
        "issued_at": issued_at.replace(microsecond=0).isoformat(),
        "verification_url": external_url("certificates.verify", number=number),
    }


# --- issuing ----------------------------------------------------------------------------------


def current(application: Application) -> Certificate | None:
    """The application's standing (not superseded) certificate, if any."""
    return db.session.execute(
        db.select(Certificate).filter(
            Certificate.application_id == application.id,
            Certificate.status != Status.superseded,
        )
    ).scalar_one_or_none()


def _store(application: Application, actor: User, data: dict, pdf: bytes, sequence: int):
    certificate = Certificate(
        number=data["number"],
        year=int(data["number"].split("-")[2]),
        sequence=sequence,
        application=application,
        structure_id=application.structure_id,
        valid_from=date.fromisoformat(data["valid_from"]),
        valid_until=date.fromisoformat(data["valid_until"]),
        issued_at=datetime.fromisoformat(data["issued_at"]),
        issued_by_id=actor.id,
        snapshot=data,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


RECOMMENDATIONS_MAX = 400  # what the certificate's page holds beside the scores


def issue(
    application: Application,
    actor: User,
    *,
    recommendations: str = "",
    today: date | None = None,
) -> Certificate:
    """Issue the certificate of a granted application: a number, the PDF/A, the application
    certified. Inside the caller's transaction; nothing is written if anything fails."""
    if application.state is not State.granted:
        raise CertificateError(
            _("Seul un dossier dont le label a été attribué reçoit un certificat.")
            if application.state is not State.certified
            else _("Le certificat de ce dossier a déjà été délivré.")
        )
    if len(recommendations.strip()) > RECOMMENDATIONS_MAX:
        raise CertificateError(
            _(
                "Les recommandations du conseil tiennent en %(n)s caractères au plus sur le "
                "certificat.",
                n=RECOMMENDATIONS_MAX,
            )
        )
    applications.certify(application, actor, today=today)
    issued_at = utcnow()
    if today is not None:  # issued on another day (demo data, tests)
        issued_at = datetime.combine(today, issued_at.time())
    sequence, number = next_number(issued_at.year)
    data = snapshot(application, number, issued_at, recommendations)
    return _store(application, actor, data, document.render(data), sequence)


def issue_session(session: CouncilSession, actor: User, workers: int = 1) -> list[Certificate]:
    """Issue the certificates of every granted application of a session, in agenda order."""
    granted = [
        item.application for item in session.items if item.application.state is State.granted
    ]
    if not granted:
        raise CertificateError(_("Aucun dossier de cette séance n'attend son certificat."))
    issued_at, drafts = utcnow(), []
    for application in granted:
        applications.certify(application, actor)
        sequence, number = next_number(issued_at.year)
        drafts.append((application, sequence, snapshot(application, number, issued_at)))
    pdfs = document.render_many([data for *_, data in drafts], workers)
    return [
        _store(application, actor, data, pdf, sequence)
        for (application, sequence, data), pdf in zip(drafts, pdfs, strict=True)
    ]


def reissue(old: Certificate, actor: User, reason: str) -> Certificate:
    """After a correction (the structure's name, say): a new number and PDF with the same
    decision and validity; the old certificate is marked superseded."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Indiquez la correction qui justifie la nouvelle édition."))
    if old.status not in (Status.valid, Status.suspended):
        raise CertificateError(_("Seul un certificat en vigueur peut être réédité."))
    # A suspension is the council's decision: the new edition stays suspended, for the same
    # reason, until the council lifts it.
    standing = (old.status, old.status_reason, old.status_date, old.status_changed_by_id)
    _change(old, Status.superseded, actor, reason)
    db.session.flush()  # the old one steps aside before the new one takes its place
    issued_at = utcnow()
    sequence, number = next_number(issued_at.year)
    data = snapshot(old.application, number, issued_at, old.snapshot.get("recommendations", ""))
    new = _store(old.application, actor, data, document.render(data), sequence)
    if standing[0] is Status.suspended:
        new.status, new.status_reason, new.status_date, new.status_changed_by_id = standing
    old.superseded_by = new
    return new


# --- status -----------------------------------------------------------------------------------

# name → (from, to)
CHANGES = {
    "suspend": ({Status.valid}, Status.suspended),
    "reinstate": ({Status.suspended}, Status.valid),
    "revoke": ({Status.valid, Status.suspended}, Status.revoked),
}


def _change(certificate: Certificate, status: Status, actor: User, reason: str, on=None):
    certificate.status = status
    certificate.status_reason = reason
    certificate.status_date = on or date.today()
    certificate.status_changed_by_id = actor.id


def change_status(
    certificate: Certificate, name: str, actor: User, reason: str, on: date | None = None
) -> None:
    """Suspend, reinstate or revoke, on a decision of the council: reason and date kept."""
    sources, target = CHANGES[name]
    if certificate.status not in sources:
        raise CertificateError(_("Ce changement n'est pas possible pour ce certificat."))
    if not reason.strip():
        raise CertificateError(_("Indiquez le motif (la décision du conseil)."))
    if on and on > date.today():
        raise CertificateError(_("La date de la décision ne peut pas être dans le futur."))
    _change(certificate, target, actor, reason.strip(), on)


def public_status(certificate: Certificate, today: date | None = None) -> Status:
    """What the public sees: a valid certificate past its end is expired even before the
    nightly command marks it."""
    today = today or date.today()
    if certificate.status is Status.valid and certificate.valid_until < today:
        return Status.expired
    return certificate.status


def by_number(number: str) -> Certificate | None:
    number = number.strip().upper()
    if len(number) > 40 or "\x00" in number:  # no such number (PostgreSQL refuses a NUL)
        return None
    return db.session.execute(db.select(Certificate).filter_by(number=number)).scalar_one_or_none()


def by_pdf(content: bytes) -> Certificate | None:
    return db.session.execute(
        db.select(Certificate).filter_by(sha256=hashlib.sha256(content).hexdigest())
    ).scalar_one_or_none()


# --- the registry -----------------------------------------------------------------------------


def _standing(today: date) -> tuple:
    return (
        Certificate.status == Status.valid,
        Certificate.valid_from <= today,
        Certificate.valid_until >= today,
    )


def labelled(today: date | None = None):
    """The query of standing labels: valid certificates within their dates, with structures;
    the latest one only when a renewed label overlaps the last weeks of the previous one."""
    today = today or date.today()
    # One pass over the standing certificates, whatever the planner knows of the table.
    latest = (
        db.select(func.max(Certificate.id))
        .filter(*_standing(today))
        .group_by(Certificate.structure_id)
    )
    return (
        db.select(Certificate)
        .join(Structure, Structure.id == Certificate.structure_id)
        .options(contains_eager(Certificate.structure))
        .filter(Certificate.id.in_(latest))
    )


def labelled_communes(today: date | None = None) -> list[str]:
    """The codes of the communes where a labelled structure is."""
    return list(
        db.session.execute(
            db.select(Structure.commune_code)
            .join(Certificate, Certificate.structure_id == Structure.id)
            .filter(*_standing(today or date.today()))
            .distinct()
        ).scalars()
    )


def search(query, text: str = "", epci: str = "", commune: str = "", family=None):
    if text := text.strip()[:100]:
        digits = text.replace(" ", "")
        pattern = "%" + escape_like(text.lower()) + "%"
        query = query.filter(
            or_(
                func.lower(Structure.name).like(pattern, escape="\\"),
                Structure.siret == digits,
                Structure.siren == digits,
                Structure.rna == text.upper(),
                Certificate.number == text.upper(),
            )
        )
    if epci:
        query = query.filter(Structure.epci_code == epci)
    if commune:
        query = query.filter(Structure.commune_code == commune)
    if family is not None:
        query = query.filter(Structure.family == family)
    return query


# --- expiry -----------------------------------------------------------------------------------

REMINDER_DAYS = (90, 30)


def due_reminders(today: date) -> list[tuple[Certificate, int]]:
    """(certificate, 90 or 30) for each reminder due today and not yet sent: the label ends
    within that many days and no later label of the structure takes over."""
    rows = db.session.execute(
        db.select(Certificate)
        .filter(
            Certificate.status == Status.valid,
            Certificate.valid_until >= today,
            Certificate.valid_until <= date.fromordinal(today.toordinal() + REMINDER_DAYS[0]),
        )
        .order_by(Certificate.valid_until, Certificate.id)
    ).scalars()
    due = []
    for certificate in rows:
        days_left = (certificate.valid_until - today).days
        if _renewed(certificate):
            continue
        if days_left <= 30 and certificate.reminded_30_at is None:
            due.append((certificate, 30))
        elif days_left <= 90 and certificate.reminded_90_at is None and days_left > 30:
            due.append((certificate, 90))
    return due


def _renewed(certificate: Certificate) -> bool:
    return (
        db.session.execute(
            db.select(Certificate.id).filter(
                Certificate.structure_id == certificate.structure_id,
                Certificate.status == Status.valid,
                Certificate.valid_until > certificate.valid_until,
            )
        ).first()
        is not None
    )


def expire(today: date) -> int:
    """Mark valid certificates past their end as expired; how many."""
    result = db.session.execute(
        update(Certificate)
        .where(Certificate.status == Status.valid, Certificate.valid_until < today)
        .values(status=Status.expired, status_date=today, status_reason="", updated_at=utcnow())
    )
    return result.rowcount


# --- emails -----------------------------------------------------------------------------------


def notify_issued(certificates: list[Certificate]) -> int:
    """Tell each structure's people that their certificate is ready (after commit)."""
    sent = 0
    for certificate in certificates:
        name = certificate.snapshot["structure"]
        paragraphs = [
            _(
                "Le certificat du label de %(s)s est délivré sous le numéro %(n)s.",
                s=name,
                n=certificate.number,
            ),
            _(
                "Il est valable du %(a)s au %(b)s. Téléchargez-le depuis le dossier de "
                "candidature ; chacun peut en vérifier l'authenticité à l'adresse %(u)s.",
                a=certificate.valid_from.strftime("%d/%m/%Y"),
                b=certificate.valid_until.strftime("%d/%m/%Y"),
                u=certificate.snapshot["verification_url"],
            ),
        ]
        link = external_url("applications.show", application_id=certificate.application_id)
        sent += tell(
            applicants(certificate.application),
            _("Votre certificat de label — %(s)s", s=name),
            paragraphs,
            link,
        )
    return sent


def send_reminders(today: date) -> tuple[int, int]:
    """The daily job: reminders due (90 and 30 days before the end, once each), then the
    labels past their end marked expired. (reminders sent, certificates expired)."""
    sent = 0
    for certificate, days in due_reminders(today):
        name = certificate.structure.name
        until = certificate.valid_until.strftime("%d/%m/%Y")
        paragraphs = [
            _("Le label de %(s)s prend fin le %(d)s.", s=name, d=until),
            _(
                "Pour le garder sans interruption, déposez une demande de renouvellement depuis "
                "votre espace : elle reprend votre dernière auto-évaluation et vos pièces."
            ),
        ]
        link = external_url("applications.show", application_id=certificate.application_id)
        sent += tell(
            applicants(certificate.application),
            _("Votre label prend fin dans %(n)s jours — %(s)s", n=days, s=name),
            paragraphs,
            link,
        )
        now = utcnow()
        certificate.reminded_30_at = now if days == 30 else certificate.reminded_30_at
        certificate.reminded_90_at = certificate.reminded_90_at or now
        db.session.commit()  # each structure's reminder recorded as soon as it is sent
    expired = expire(today)
    db.session.commit()
    return sent, expired
