"""Every list page costs the same number of SQL statements whatever the number of its rows
(issue 21): each page is read with a few rows of everything it lists, then with ten times
as many, and the two counts must be equal — an N+1 (a statement per row shown) makes the
second larger and fails the test. A few pages may read a bounded number more (a constant,
stated beside the page): none does today."""

import hashlib
import itertools
from datetime import date, datetime, timedelta

import pytest

from cdess.accounts import services as accounts
from cdess.accounts.models import Role
from cdess.applications.models import Application, State
from cdess.audit import services as audit
from cdess.certificates.models import Certificate, CertificateStatus
from cdess.charter.models import CharterSignature
from cdess.extensions import db
from cdess.followups.models import FollowUp, FollowUpState
from cdess.reports.models import Report
from cdess.sessions.models import AgendaItem, ItemKind, SessionStatus
from cdess.structures.models import Membership, Structure
from tests.factories import (
    GRANTED_RESULT,
    PASSWORD,
    future_session,
    past_session,
    statements,
    structure_values,
)

SMALL, LARGE = 3, 30  # rows of each listed thing, then ten times as many


class World:
    """A territory that grows by bundles: each bundle is a structure of the applicant's that
    signed the charter, holds a label (its file voted at the `decided` session, its
    certificate, a follow-up due, a report on it), has a file waiting for admissibility on the
    next session's agenda with a rapporteur, and a file granted at `decided`, not issued yet;
    a council member; a past session of its own; and their journal entries."""

    def __init__(self, charter, people):
        self.charter, self.people = charter, people
        self.numbers = itertools.count(1)
        self.next_session = future_session()
        self.next_session.status = SessionStatus.convened
        self.decided = past_session(datetime(2024, 11, 20, 14))  # every bundle's files voted
        db.session.flush()

    def grow(self, bundles: int) -> None:
        for _ in range(bundles):
            self._bundle(next(self.numbers))
        db.session.commit()
        db.session.expire_all()

    def _bundle(self, n: int) -> None:
        member = accounts.create_user(
            f"membre{n}@exemple.fr", f"Membre {n}", {Role.council_member}, password=PASSWORD
        )
        structure = Structure(**structure_values(100 + n, name=f"Structure {n:03d}"))
        db.session.add(structure)
        db.session.flush()
        db.session.add(Membership(user_id=self.people["applicant"].id, structure_id=structure.id))
        db.session.add(
            CharterSignature(
                structure_id=structure.id,
                version_id=self.charter.id,
                signer_name=f"Signataire {n}",
                signer_role="Présidente",
            )
        )
        today = date.today()
        past_session(datetime(2025, 1, 1, 14) + timedelta(days=n))  # the sessions' list grows
        held = self.decided
        labelled = self._application(structure, State.certified, session_id=held.id)
        labelled.label_valid_from, labelled.label_valid_until = today, today + timedelta(days=900)
        granted = self._application(structure, State.granted, session_id=held.id)
        waiting = self._application(structure, State.submitted)
        for position, application in enumerate((labelled, granted), 1):
            db.session.add(
                AgendaItem(
                    session_id=held.id,
                    application_id=application.id,
                    kind=ItemKind.application,
                    position=2 * n + position,
                    result={"outcome": "granted"},
                )
            )
        db.session.add(
            AgendaItem(
                session_id=self.next_session.id,
                application_id=waiting.id,
                kind=ItemKind.application,
                position=n,
                rapporteur_id=member.id,
            )
        )
        certificate = Certificate(
            number=f"CDESS-62-2025-{n:04d}",
            year=2025,
            sequence=n,
            application_id=labelled.id,
            structure_id=structure.id,
            status=CertificateStatus.valid,
            valid_from=labelled.label_valid_from,
            valid_until=labelled.label_valid_until,
            snapshot={"structure": structure.name, "overall": 80},
            pdf=b"%PDF-1.7",
            sha256=hashlib.sha256(f"certificat {n}".encode()).hexdigest(),
        )
        db.session.add(certificate)
        db.session.flush()
        db.session.add(
            FollowUp(
                certificate_id=certificate.id,
                structure_id=structure.id,
                anniversary=today + timedelta(days=30),
                state=FollowUpState.due,
            )
        )
        db.session.add(
            Report(certificate_id=certificate.id, text=f"Signalement {n}", sender_key="k" * 64)
        )
        audit.record(structure, "created", self.people["secretariat"])
        audit.record(waiting, "transition", from_state="draft", to_state=State.submitted)

    def _application(self, structure: Structure, state: State, **fields) -> Application:
        application = Application(
            structure_id=structure.id,
            state=state,
            submitted_at=datetime(2024, 9, 1, 12),
            snapshot={"charter_version": 1, "result": GRANTED_RESULT},
            verified_result=GRANTED_RESULT,
            **fields,
        )
        db.session.add(application)
        db.session.flush()
        return application


# (page, who reads it: a key of `people`); the address may name the world's next session.
PAGES = [
    ("/structures/", "secretariat"),
    ("/structures/mes-structures", "applicant"),
    ("/charte/signataires", None),
    ("/secretariat/signatures", "secretariat"),
    ("/secretariat/candidatures", "secretariat"),
    ("/certificats", "secretariat"),
    ("/registre", "secretariat"),  # signed in: the registry's cache is for visitors
    ("/seances", "secretariat"),
    ("/seances/{session}", "secretariat"),
    ("/conseil", "member"),
    ("/conseil/seances/{session}", "member"),
    ("/secretariat/suivis", "secretariat"),
    ("/secretariat/signalements", "secretariat"),
    ("/admin/utilisateurs", "admin"),
    ("/secretariat/journal", "secretariat"),
    ("/seances/{decided}/certificats", "secretariat"),
    ("/seances/{session}/presences", "secretariat"),
    ("/tableau-de-bord", "secretariat"),
]
# Statements a page may read more with ten times the rows (none: every list is flat).
ALLOWED_GROWTH: dict[str, int] = {}


@pytest.fixture
def app_config():
    """The dashboard's figures computed on each request (kept, they hide what they cost)."""
    return {"DASHBOARD_CACHE": False}


@pytest.fixture
def world(charter, people, create_user):
    people["admin"] = create_user(Role.admin, roles={Role.admin, Role.secretariat})
    made = World(charter, people)
    db.session.commit()
    return made


def _count(client, url: str) -> int:
    db.session.expire_all()  # what the request reads, it reads from the database
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(seen)


@pytest.mark.parametrize(("page", "reader"), PAGES, ids=[p for p, _ in PAGES])
def test_a_list_page_reads_as_many_statements_whatever_its_rows(
    world, client, login, people, page, reader
):
    if reader:
        login(people[reader])
    url = page.format(session=world.next_session.id, decided=world.decided.id)
    world.grow(SMALL)
    client.get(url)  # warm: the territory file, the charter's cache, the session's user
    small = _count(client, url)
    world.grow(LARGE - SMALL)
    large = _count(client, url)
    assert large - small <= ALLOWED_GROWTH.get(page, 0), (page, small, large)
