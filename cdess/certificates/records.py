"""What the public verification API says of certificates: plain dicts, shaped as its OpenAPI
description (`openapi.json`) names them, built from the same rules as the public verification
page.

Where DESIGN is silent, decided here:
- the keys and the status codes are French, as the registry's open data (« numero »,
  « statut » : « valide ») which funders already read; the statuses are « valide »,
  « suspendu », « retiré », « remplacé » (a new edition took over) and « expiré »;
- the structure is named as on the certificate (its snapshot, as the PDF and the verification
  page say it), identifiers absent being null;
- the status is the public one today (`services.public_status`): a valid label past its end is
  « expiré » before the nightly command records it, unless its renewal filed in time runs;
- each change of the history names the council's session whose vote decided it (its first
  entry, the issue, the session that granted the label), or none (an urgent suspension by the
  president, a new edition, the end of validity);
- the links are absolute, on BASE_URL; the PDF's link needs a signed-in account of the
  structure or the secretariat (the public checks a PDF by its hash, or on the verification
  page); so does the credential's, given when this application serves one, as the issuer's
  public keys (JWKS) that verify it.
"""

import re
from datetime import date, timedelta

from flask import current_app
from werkzeug.exceptions import HTTPException

from cdess.certificates import rules, services
from cdess.certificates.models import Certificate, StatusChange
from cdess.certificates.rules import CertificateStatus as Status
from cdess.extensions import db
from cdess.sessions.models import AgendaItem, CouncilSession
from cdess.structures.models import Structure
from cdess.web.urls import external_url

CODES = {
    Status.valid: "valide",
    Status.suspended: "suspendu",
    Status.revoked: "retiré",
    Status.superseded: "remplacé",
    Status.expired: "expiré",
}
# Identifiers a list may be asked by: the parameter and the shape of a valid value.
IDENTIFIERS = {
    "siren": re.compile(r"\d{9}"),
    "siret": re.compile(r"\d{14}"),
    "rna": re.compile(r"W[0-9A-Z]{9}"),
}
# Addresses another part of the application may serve (the Open Badges credential, the
# issuer's public keys): linked when it does.
CREDENTIAL_PATHS = ("/certificats/{number}/credential.jwt", "/certificats/{number}/credential.json")
KEYS_PATH = "/.well-known/jwks.json"


def well_formed(number: str) -> str | None:
    """The number as certificates bear it (trimmed, upper-cased), or None when no certificate
    could bear it (not of the form CDESS-62-2026-0042)."""
    text = number.strip().upper()
    return text if len(text) <= 40 and rules.NUMBER.fullmatch(text) else None


def _code(value: str) -> str | None:
    return CODES[Status(value)] if value else None


def _session(session: CouncilSession | None) -> dict | None:
    if session is None:
        return None
    return {"id": session.id, "date": session.starts_at.date().isoformat()}


def _sessions_of(changes: list[StatusChange]) -> dict[int, CouncilSession]:
    """The session of each agenda item that decided one of `changes`, by item id."""
    ids = sorted({c.item_id for c in changes if c.item_id is not None})
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(AgendaItem.id, CouncilSession)
        .join(CouncilSession, CouncilSession.id == AgendaItem.session_id)
        .filter(AgendaItem.id.in_(ids))
    ).all()
    return dict(rows)


def _decision(change: StatusChange, first: bool) -> str:
    if change.item_id is not None:
        return "vote_du_conseil"
    if change.urgent:
        return "suspension_urgente"
    if first:
        return "delivrance"
    if change.to_status == Status.superseded.value:
        return "nouvelle_edition"
    if change.to_status == Status.expired.value:
        return "fin_de_validite"
    return "autre"


def history(certificate: Certificate, granted_by: CouncilSession | None) -> list[dict]:
    """Each recorded change of the certificate's status, oldest first."""
    changes = list(certificate.history)
    sessions = _sessions_of(changes)
    entries = []
    for position, change in enumerate(changes):
        first = position == 0 and not change.from_status
        session = sessions.get(change.item_id) if change.item_id else None
        entries.append(
            {
                "date": change.decided_on.isoformat(),
                "statut": _code(change.to_status),
                "statut_precedent": _code(change.from_status),
                "decision": _decision(change, first),
                "motif": change.reason or None,
                "par": change.actor_name,
                "seance": _session(granted_by if first else session),
            }
        )
    return entries


def _since(certificate: Certificate, public: Status) -> str:
    if public is Status.expired and certificate.status is not Status.expired:
        return (certificate.valid_until + timedelta(days=1)).isoformat()  # not recorded yet
    return (certificate.status_date or certificate.valid_from).isoformat()


def _served(path: str) -> str | None:
    """The absolute address of `path` when this application serves it by GET, else None."""
    try:
        endpoint, values = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:  # no such route here (or not a GET)
        return None
    return external_url(endpoint, **values)


def links(number: str) -> dict:
    """The certificate's addresses: its API answer, verification page, badge, PDF, and its
    credential and the issuer's public keys when this application serves them."""
    found = {
        "api": external_url("api.certificate", number=number),
        "verification": external_url("certificates.verify", number=number),
        "badge": external_url("certificates.badge", number=number),
        "pdf": external_url("certificates.download", number=number),
    }
    for path in CREDENTIAL_PATHS:
        if credential := _served(path.format(number=number)):
            found["credential"] = credential
            break
    if keys := _served(KEYS_PATH):
        found["cles_publiques"] = keys
    return found


def _edition(number: str | None) -> dict | None:
    if number is None:
        return None
    return {"numero": number, "api": external_url("api.certificate", number=number)}


def certificate_record(certificate: Certificate, today: date | None = None) -> dict:
    """The API's answer about one certificate: identity, status now and its history, validity,
    the decision, the charter's version, the PDF's hash, the editions before and after it."""
    today = today or date.today()
    public = services.public_status(certificate, today)
    session, decided_on = services.decision(certificate.application)
    data = certificate.snapshot or {}
    previous = db.session.execute(
        db.select(Certificate.number).filter(Certificate.superseded_by_id == certificate.id)
    ).scalar_one_or_none()
    return {
        "numero": certificate.number,
        "structure": {
            "nom": data.get("structure") or certificate.structure.name,
            "siren": data.get("siren") or None,
            "siret": data.get("siret") or None,
            "rna": data.get("rna") or None,
            "commune": {
                "code": data.get("commune_code") or certificate.structure.commune_code,
                "nom": data.get("commune") or None,
            },
        },
        "statut": {
            "code": CODES[public],
            "depuis": _since(certificate, public),
            "motif": (certificate.status_reason or None) if public.changed_by_decision else None,
            "renouvellement_en_cours": public is Status.valid
            and services.renewing(certificate, today),
        },
        "historique": history(certificate, session),
        "validite": {
            "debut": certificate.valid_from.isoformat(),
            "fin": certificate.valid_until.isoformat(),
        },
        "delivre_le": certificate.issued_at.replace(microsecond=0).isoformat() + "Z",
        "decision": {"date": decided_on.isoformat(), "seance": _session(session)},
        "charte": {"version": data.get("charter_version")},
        "pdf": {"sha256": certificate.sha256},
        "editions": {
            "precedente": _edition(previous),
            "suivante": _edition(
                certificate.superseded_by.number if certificate.superseded_by else None
            ),
        },
        "liens": links(certificate.number),
    }


def by_identifier(kind: str, value: str) -> list[Certificate]:
    """The certificates, newest first, of the structures with this identifier (`kind`: siren,
    siret or rna) today."""
    column = getattr(Structure, kind)
    return list(
        db.session.execute(
            db.select(Certificate)
            .join(Structure, Structure.id == Certificate.structure_id)
            .filter(column == value)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        ).scalars()
    )


def summary(certificate: Certificate, today: date | None = None) -> dict:
    """One certificate in a list: its number, structure, status now, validity and addresses."""
    public = services.public_status(certificate, today)
    return {
        "numero": certificate.number,
        "structure": certificate.structure.name,
        "statut": CODES[public],
        "validite": {
            "debut": certificate.valid_from.isoformat(),
            "fin": certificate.valid_until.isoformat(),
        },
        "liens": {
            "api": external_url("api.certificate", number=certificate.number),
            "verification": external_url("certificates.verify", number=certificate.number),
        },
    }
