"""A small world with known answers for the dashboard's figures (dates relative to today where
a label's standing depends on it).

    S1 association, Arras (CU d'Arras)   signed 2024, granted at session A (2024-11-20),
                                         labelled, ends in 60 days; follow-up overdue
    S2 association, Lens (CA Lens-Liévin) signed 2025, granted at session B (2025-11-20),
                                         labelled for 400 more days; follow-up due
    S3 coopérative, Lens                 signed 2025, refused at session B
    S4 fondation, Calais                 not signed; submitted, waits for admissibility
    S5 association, Arras                signature withdrawn; not admissible on 2025-10-21
    S6 coopérative, Arras                signed 2025, deferred at session A

Submission → decision: S1 75 days, S2 80, S3 70, S5 20 (S6's deferral is no decision).
Verified scores (GOV, LUC): S1 80/60 (2024), S2 90/70 and S3 40/50 (2025)."""

import hashlib
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from cdess.applications.models import Application, State
from cdess.audit import services as audit
from cdess.certificates.models import Certificate, CertificateStatus
from cdess.charter.models import CharterSignature, SignatureStatus
from cdess.extensions import db
from cdess.followups.models import FollowUp, FollowUpState
from cdess.sessions.models import AgendaItem, ItemKind, VoteStatus
from cdess.structures.models import Family
from tests.factories import past_session

ARRAS, LENS, CALAIS = "200033579", "246200364", "200090751"
NOON = datetime.min.time().replace(hour=12)


def _result(gov: float, luc: float) -> dict:
    return {
        "overall": (gov + luc) / 2,
        "eligible": True,
        "principles": [
            {"code": "GOV", "title": "Gouvernance démocratique", "score": gov},
            {"code": "LUC", "title": "Lucrativité limitée", "score": luc},
        ],
    }


def _at(day: date) -> datetime:
    return datetime.combine(day, NOON)


@pytest.fixture
def world(app, charter, create_structure, people):
    today = date.today()
    owner = people["applicant"]
    communes = {ARRAS: "62041", LENS: "62498", CALAIS: "62193"}

    def structure(family: Family, epci: str):
        return create_structure(
            owner=owner, family=family, epci_code=epci, commune_code=communes[epci]
        )

    s = [
        structure(Family.association, ARRAS),
        structure(Family.association, LENS),
        structure(Family.cooperative, LENS),
        structure(Family.fondation, CALAIS),
        structure(Family.association, ARRAS),
        structure(Family.cooperative, ARRAS),
    ]
    for index, signed in ((0, 2024), (1, 2025), (2, 2025), (5, 2025)):
        db.session.add(_signature(s[index], charter, _at(date(signed, 6, 1))))
    withdrawn = _signature(s[4], charter, _at(date(2024, 1, 1)))
    withdrawn.status = SignatureStatus.withdrawn
    db.session.add(withdrawn)

    session_a = past_session(datetime(2024, 11, 20, 14))
    session_b = past_session(datetime(2025, 11, 20, 14))
    db.session.flush()

    def application(structure, state, submitted, session=None, result=None, **fields):
        a = Application(
            structure_id=structure.id,
            state=state,
            submitted_at=_at(submitted),
            session_id=session.id if session else None,
            verified_result=result,
            **fields,
        )
        db.session.add(a)
        db.session.flush()
        return a

    a1 = application(
        s[0],
        State.certified,
        date(2024, 9, 6),
        session_a,
        _result(80, 60),
        label_valid_from=today - timedelta(days=670),
        label_valid_until=today + timedelta(days=60),
    )
    a2 = application(
        s[1],
        State.certified,
        date(2025, 9, 1),
        session_b,
        _result(90, 70),
        label_valid_from=today - timedelta(days=300),
        label_valid_until=today + timedelta(days=400),
    )
    a3 = application(s[2], State.refused, date(2025, 9, 11), session_b, _result(40, 50))
    application(s[3], State.submitted, today)
    a5 = application(s[4], State.not_admissible, date(2025, 10, 1))
    a6 = application(s[5], State.deferred, date(2024, 9, 1), session_a, _result(70, 70))

    for session, app_, outcome in (
        (session_a, a1, "granted"),
        (session_a, a6, "deferred"),
        (session_b, a2, "granted"),
        (session_b, a3, "refused"),
    ):
        db.session.add(
            AgendaItem(
                session=session,
                application_id=app_.id,
                kind=ItemKind.application,
                vote_status=VoteStatus.closed,
                result={"outcome": outcome},
                position=1,
            )
        )
    for app_, state, day in (
        (a1, State.granted, date(2024, 11, 20)),
        (a1, State.certified, date(2024, 11, 25)),
        (a2, State.granted, date(2025, 11, 20)),
        (a3, State.refused, date(2025, 11, 20)),
        (a5, State.not_admissible, date(2025, 10, 21)),
        (a6, State.deferred, date(2024, 11, 20)),
    ):
        entry = audit.record(app_, "transition", from_state="scheduled", to_state=state)
        entry.at = _at(day)

    certificates = []
    for n, (app_, structure_) in enumerate(((a1, s[0]), (a2, s[1])), start=1):
        certificate = Certificate(
            number=f"CDESS-62-2025-{n:04d}",
            year=2025,
            sequence=n,
            application_id=app_.id,
            structure_id=structure_.id,
            status=CertificateStatus.valid,
            valid_from=app_.label_valid_from,
            valid_until=app_.label_valid_until,
            snapshot={},
            pdf=b"%PDF-1.7",
            sha256=hashlib.sha256(str(n).encode()).hexdigest(),
        )
        db.session.add(certificate)
        certificates.append(certificate)
    db.session.flush()
    db.session.add_all(
        [
            FollowUp(
                certificate_id=certificates[0].id,
                structure_id=s[0].id,
                anniversary=today - timedelta(days=30),
                state=FollowUpState.overdue,
            ),
            FollowUp(
                certificate_id=certificates[1].id,
                structure_id=s[1].id,
                anniversary=today + timedelta(days=30),
                state=FollowUpState.due,
            ),
        ]
    )
    db.session.commit()
    return SimpleNamespace(
        structures=s,
        sessions=(session_a, session_b),
        applications=(a1, a2, a3, a5, a6),
        certificates=certificates,
        today=today,
    )


def _signature(structure, charter, at: datetime) -> CharterSignature:
    return CharterSignature(
        structure_id=structure.id,
        version_id=charter.id,
        signer_name="Camille Martin",
        signer_role="Présidente",
        signed_at=at,
    )
