"""The demo dataset and the command line."""

import shutil
from collections import Counter
from pathlib import Path

import pytest
from stdnum.fr import siret as stdnum_siret

from cdess import demo
from cdess.accounts.models import College, Role, User
from cdess.certificates.models import Certificate
from cdess.credentials import services as credentials
from cdess.credentials.models import IssuedCredential
from cdess.extensions import db
from cdess.structures import identity
from cdess.structures.models import Family, Membership, Structure
from tests.factories import html, restore, snapshot

_LOADED: dict = {}


@pytest.fixture
def demo_loaded(app, tmp_path_factory):
    """The demo, loaded once per worker by the `demo` command on an empty database (about 25 s;
    its result kept for test_demo_command_loads_once) and put back, rows and files, before each
    test that reads it."""
    uploads = Path(app.config["UPLOAD_DIR"])
    if "rows" not in _LOADED:
        _LOADED["first run"] = app.test_cli_runner().invoke(args=["demo"])
        _LOADED["rows"] = snapshot(app)
        _LOADED["files"] = tmp_path_factory.mktemp("demo-uploads")
        shutil.copytree(uploads, _LOADED["files"], dirs_exist_ok=True)
        return
    restore(app, _LOADED["rows"])
    shutil.copytree(_LOADED["files"], uploads, dirs_exist_ok=True)


def test_demo_shape(app, demo_loaded):
    structures = db.session.execute(db.select(Structure)).scalars().all()
    assert len(structures) == 3445
    families = Counter(s.family for s in structures)
    assert families[Family.association] == 2790
    assert families[Family.cooperative] == 517
    assert families[Family.fondation] == 138
    assert len({s.name for s in structures}) == 3445
    for s in structures:
        assert s.siret or s.rna
        if s.siret:
            assert stdnum_siret.is_valid(s.siret) and s.siren == s.siret[:9]
        if s.rna:
            assert identity.rna_error(s.rna) is None
        assert s.commune is not None and s.epci_code == s.commune.epci_code
    assert len({s.epci_code for s in structures}) == 20
    # Weighted by population: Calais and Arras host more than a village.
    by_commune = Counter(s.commune_code for s in structures)
    assert by_commune["62193"] > 20 and by_commune["62041"] > 20
    # Each certificate carries its Open Badges credential, which says the label's status.
    says = {"valid": "valid", "suspended": "suspended", "revoked": "revoked"}
    says |= {"superseded": "revoked", "expired": "expired"}
    certificates = db.session.execute(db.select(Certificate)).scalars().all()
    issued = db.session.execute(db.select(db.func.count(IssuedCredential.id))).scalar_one()
    assert certificates and issued == len(certificates)
    for c in {c.status: c for c in certificates}.values():  # one of each status
        found = credentials.verify_credential(credentials.credential_of(c).token)
        assert found.code == says[c.status.value], (c.number, found.code)


def test_demo_accounts(app, demo_loaded, client):
    users = db.session.execute(db.select(User)).scalars().all()
    assert all(u.email.endswith("@demo.cdess.test") for u in users)
    members = [
        u for u in users if u.has_role(Role.council_member) and not u.has_role(Role.president)
    ]
    assert len(members) == 70
    assert len({u.college_id for u in members}) == 9
    assert db.session.execute(db.select(db.func.count(College.id))).scalar() == 9
    assert sum(u.has_role(Role.secretariat) for u in users) == 2
    assert sum(u.has_role(Role.president) for u in users) == 1
    assert db.session.execute(db.select(db.func.count(Membership.user_id))).scalar() == 40
    response = client.post(
        "/compte/connexion",
        data={"email": "secretariat@demo.cdess.test", "password": "demo-cdess-62"},
    )
    assert response.status_code == 302
    page = client.get("/structures/").get_data(as_text=True)
    assert "3\u202f445 structures" in page  # French digit grouping


def test_demo_is_deterministic(app):
    first = [r["siret"] for r in demo.structure_rows(seed=1)][:50]
    assert first == [r["siret"] for r in demo.structure_rows(seed=1)][:50]


def test_demo_command_refuses_real_data(app, create_user):
    runner = app.test_cli_runner()
    create_user(email="vraie.personne@exemple.fr")
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0 and "refus" in result.output
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0 and "non chargée" in result.output
    assert db.session.execute(db.select(db.func.count(Structure.id))).scalar() == 0


def test_demo_command_loads_once(app, demo_loaded):
    runner = app.test_cli_runner()
    result = _LOADED["first run"]  # `demo` on an empty database
    assert result.exit_code == 0, result.output
    assert "demo-cdess-62" in result.output
    result = runner.invoke(args=["demo"])
    assert "déjà chargées" in result.output
    assert db.session.execute(db.select(db.func.count(Structure.id))).scalar() == 3445
    # Applications in every state, made through the workflow (audit chain intact), each
    # with its documents on disk; one certified label is open for renewal.
    from cdess.applications import evidence, services
    from cdess.applications.models import Application, State
    from cdess.audit import services as audit

    applications = list(db.session.execute(db.select(Application)).scalars())
    states = Counter(a.state.value for a in applications)
    assert set(states) == {s.value for s in State}
    # Labels standing today: the scenario's three (one suspended), the follow-ups' two (one
    # late, one due), the renewed one; the history's have all ended.
    from cdess.certificates.models import Certificate, CertificateStatus

    standing = Counter(
        c.status for c in db.session.execute(db.select(Certificate)).scalars() if c.is_standing
    )
    assert standing == {CertificateStatus.valid: 5, CertificateStatus.suspended: 1}
    assert states["submitted"] == 4
    assert audit.verify().intact
    for application in applications:
        assert evidence.missing_documents(application) == []
        assert all(
            evidence.path_of(d).read_bytes().startswith(b"%PDF-") for d in application.documents
        )
    assert sum(services.renewable(a) for a in applications) == 1
    # A past session closed with its votes and minutes; the next one convened, with reports.
    from cdess.sessions.models import CouncilSession, SessionStatus

    sessions = list(db.session.execute(db.select(CouncilSession).order_by("starts_at")).scalars())
    assert [s.status for s in sessions[-3:]] == [
        SessionStatus.closed,
        SessionStatus.convened,
        SessionStatus.planned,
    ]
    assert all(s.status is SessionStatus.closed for s in sessions[:-2])
    past, upcoming = sessions[-3], sessions[-2]
    assert past.minutes_pdf.startswith(b"%PDF-") and all(i.result for i in past.items)
    assert {i.application.state for i in past.items} == {
        State.granted,
        State.refused,
        State.deferred,
        State.certified,
    }
    # The council suspended a label on the secretariat's proposal, answered by the structure;
    # the verification page shows it with its history.
    from cdess.certificates.models import StatusChange
    from cdess.sessions.models import ItemKind

    (proposal_item,) = [i for i in past.items if i.kind is ItemKind.proposal]
    certificate = proposal_item.proposal.certificate
    assert certificate.status is CertificateStatus.suspended
    assert proposal_item.proposal.answer and proposal_item.result["outcome"] == "granted"
    change = db.session.execute(
        db.select(StatusChange).filter_by(certificate_id=certificate.id, to_status="suspended")
    ).scalar_one()
    assert change.item_id == proposal_item.id and change.decided_on == past.starts_at.date()
    assert upcoming.items and all(i.report and i.rapporteur_id for i in upcoming.items)


def test_create_user_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Agent@CG62.fr",
            "--role",
            "secretariat",
            "--role",
            "admin",
            "--password",
            "un-mot-de-passe-long",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User)).scalar_one()
    assert user.email == "agent@cg62.fr" and user.roles == {Role.secretariat, Role.admin}
    assert user.email_confirmed_at is not None
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "agent@cg62.fr",
            "--role",
            "secretariat",
            "--password",
            "un-mot-de-passe-long",
        ]
    )
    assert result.exit_code != 0 and "existe déjà" in result.output
    result = runner.invoke(
        args=["create-user", "--email", "b@cg62.fr", "--role", "secretariat", "--password", "court"]
    )
    assert result.exit_code != 0


def test_init_db_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert db.session.execute(db.select(db.func.count(College.id))).scalar() == 9


def test_the_demo_tells_the_truth_about_the_charter(app, demo_loaded, client):
    """Granted and certified files are eligible on their verified results; the registry holds
    no structure that fails the charter; the refusals and the verification show why."""
    from cdess.applications import verification
    from cdess.applications.models import Application, CheckStatus, State
    from cdess.certificates.models import Certificate

    assert demo.check_demo_integrity() == []
    applications = list(db.session.execute(db.select(Application)).scalars())
    by_state = {}
    for application in applications:
        by_state.setdefault(application.state, []).append(application)
        if application.state is not State.draft:  # submitted: eligible when self-assessed
            assert application.snapshot["result"]["eligible"], application.structure.name
    for state in (State.admissible, State.scheduled, State.granted, State.certified):
        for application in by_state[state]:
            assert verification.unverified(application) == []
            assert verification.verified_eligible(application)
    # One draft fails the charter and says why; the file declared not admissible was
    # corrected on TER-01 and states the means of appeal.
    drafts = [a.assessment.eligible for a in by_state[State.draft]]
    assert drafts.count(False) == 1
    (refused,) = [
        a
        for a in by_state[State.not_admissible]
        if "TER-01" in a.verified_result["failed_eliminatory"]
    ]
    assert refused.verified_result["failed_eliminatory"] == ["TER-01"]
    assert refused.transitions[-1].reason.startswith("L'avis de situation SIRENE")
    corrected = [
        a for a in applications if any(c.status is CheckStatus.corrected for c in a.checks)
    ]
    assert {a.state for a in corrected} == {State.granted, State.not_admissible}
    assert all(
        c.application.verified_result["eligible"]
        for c in db.session.execute(db.select(Certificate)).scalars()
    )
    # The registry lists only labels granted on an eligible verified result.
    page = html(client.get("/registre"))
    from cdess.certificates import services as certificates
    from cdess.certificates.models import CertificateStatus

    for application in by_state[State.certified]:
        standing = certificates.current(application).status is CertificateStatus.valid
        assert (application.structure.name in page) == standing  # a suspended label is not
    assert refused.structure.name not in page


def test_the_loader_refuses_a_label_on_a_failing_result(app, demo_loaded):
    from cdess.applications.models import Application, State

    granted = db.session.execute(db.select(Application).filter_by(state=State.granted)).scalar_one()
    granted.verified_result = dict(granted.verified_result, eligible=False)
    db.session.flush()
    problems = demo.check_demo_integrity()
    assert problems == [f"{granted.structure.name} : label attribué sur un résultat non éligible."]
    db.session.rollback()


def test_the_demo_s_decisions_are_in_an_intact_journal(app, demo_loaded, client, login):
    """Every decision of the demo is on the journal page with who, when and why; the chain
    is intact against the heads printed in the minutes and certificates, and a cut end is
    reported once its last three rows are deleted by hand."""
    import io

    from pypdf import PdfReader

    from cdess.audit import services as audit
    from cdess.audit.models import AuditEntry
    from cdess.sessions.models import CouncilSession, SessionStatus

    report = audit.verify()
    assert report.intact and report.anchors_checked >= 5  # minutes, 3 certificates, published
    past = db.session.execute(
        db.select(CouncilSession)
        .filter_by(status=SessionStatus.closed)
        .order_by(CouncilSession.starts_at.desc())
        .limit(1)
    ).scalar_one()
    (minutes_anchor,) = [
        a for a in audit.anchors() if a.source == "minutes" and a.reference == str(past.id)
    ]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(past.minutes_pdf)).pages)
    assert minutes_anchor.head in text.replace("\n", "")
    secretariat = db.session.execute(
        db.select(User).filter_by(email="secretariat@demo.cdess.test")
    ).scalar_one()
    login(secretariat, "demo-cdess-62")
    page = html(client.get("/secretariat/journal?action=vote_closed"))
    from cdess.sessions.models import AgendaItem, VoteStatus

    closed = db.session.execute(
        db.select(db.func.count(AgendaItem.id)).filter_by(vote_status=VoteStatus.closed)
    ).scalar_one()
    assert closed > 60  # the past session's five votes and the history's
    assert f"{closed}\u202f" in page or f"{closed} entrées correspondent" in page
    assert "Jean-Claude Leroy" in page
    page = html(client.get("/secretariat/journal?action=status_changed"))
    assert "Statut du label changé" in page and "Décision du conseil du" in page
    page = html(client.get("/secretariat/journal?action=charter_published"))
    assert "1 entrée correspond" in page and "Charte publiée" in page

    last = db.session.execute(
        db.select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(3)
    ).scalars()
    with db.engine.begin() as connection:
        connection.execute(AuditEntry.__table__.delete().where(AuditEntry.id.in_(list(last))))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "fin du journal coupée" in result.output
    assert "fin du journal coupée" in html(client.get("/secretariat/journal/verification"))


def test_the_demo_has_years_of_history(app, demo_loaded):
    """Two sessions a year over five years, each closed with its votes: files granted,
    refused, deferred (then decided), declared not admissible; labels renewed at their end,
    one suspended then reinstated, one revoked; every rule checked by the loader holds."""
    from cdess.applications.models import Application, Kind, State
    from cdess.certificates.models import Certificate, CertificateStatus, StatusChange
    from cdess.sessions.models import AgendaItem, CouncilSession, SessionStatus

    closed = list(
        db.session.execute(
            db.select(CouncilSession)
            .filter_by(status=SessionStatus.closed)
            .order_by(CouncilSession.starts_at)
        ).scalars()
    )
    assert len(closed) >= 10
    history = closed[:-1]  # the scenario's past session last
    assert {(s.starts_at.month, s.starts_at.day) for s in history} == {(5, 20), (11, 20)}
    years = Counter(s.starts_at.year for s in history)
    assert len(years) >= 5 and max(years.values()) == 2
    assert all(s.minutes_pdf.startswith(b"%PDF-") and s.items for s in history)
    outcomes = Counter(
        i.result["outcome"] for s in history for i in s.items if i.kind.value == "application"
    )
    assert outcomes["granted"] >= 30 and outcomes["refused"] >= 3 and outcomes["deferred"] >= 3
    applications = list(db.session.execute(db.select(Application)).scalars())
    assert sum(a.state is State.not_admissible for a in applications) >= 5
    renewed = [a for a in applications if a.kind is Kind.renewal and a.state is State.certified]
    assert renewed and all(
        a.previous.certificates[0].valid_until < a.certificates[0].valid_from for a in renewed
    )
    statuses = Counter(c.status for c in db.session.execute(db.select(Certificate)).scalars())
    assert statuses[CertificateStatus.revoked] == 1 and statuses[CertificateStatus.expired] >= 20
    reinstated = db.session.execute(
        db.select(StatusChange).filter_by(from_status="suspended", to_status="valid")
    ).scalar_one()
    assert reinstated.item_id is not None
    # Numbers are sequential within a year, in the order the labels were issued.
    for year in {c.year for c in db.session.execute(db.select(Certificate)).scalars()}:
        rows = db.session.execute(
            db.select(Certificate).filter_by(year=year).order_by(Certificate.sequence)
        ).scalars()
        sequences = [c.sequence for c in rows]
        assert sequences == list(range(1, len(sequences) + 1))
    # Each vote's tally follows the rules: quorum, and a majority of the votes cast.
    for item in db.session.execute(db.select(AgendaItem)).scalars():
        if item.result is None:
            continue
        counts, outcome = item.result["counts"], item.result["outcome"]
        if counts["pour"] != counts["contre"]:
            assert (outcome == "granted") == (counts["pour"] > counts["contre"])
    assert demo.check_demo_integrity() == []


def test_the_loader_refuses_a_label_without_the_council_s_vote(app, demo_loaded):
    from datetime import timedelta

    from cdess.certificates.models import Certificate, CertificateStatus

    certificate = db.session.execute(
        db.select(Certificate).filter_by(status=CertificateStatus.expired).limit(1)
    ).scalar_one()
    (item,) = [
        i
        for i in certificate.application.agenda_items
        if i.kind.value == "application" and i.result["outcome"] == "granted"
    ]
    item.result = dict(
        item.result,
        quorum_at_close=dict(item.result["quorum_at_close"], present=0, present_or_represented=1),
    )
    # A file filed after its session, and a vote out of its session's day.
    filed = item.application
    filed.submitted_at = item.session.starts_at + timedelta(days=2)
    (other,) = [i for i in item.session.items if i.kind.value == "minutes"] or [item]
    other.vote_opened_at += timedelta(days=1)
    other.vote_closed_at += timedelta(days=1)
    db.session.flush()
    problems = demo.check_demo_integrity()
    assert f"certificat {certificate.number} : sans vote du conseil qui l'accorde." in problems
    assert f"point {item.id} : vote clos sans quorum." in problems
    assert f"point {item.id} : dossier déposé après sa séance." in problems
    assert f"point {other.id} : vote hors de sa séance." in problems
    db.session.rollback()


# --- a larger territory (`flask demo --structures N`, cdess/demo/grow.py) ------------------------


def test_the_demo_grows_to_a_larger_territory(app, demo_loaded):
    from cdess.charter.models import CharterSignature, SignatureStatus

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--structures", "3945"])  # the loaded demo, grown
    assert result.exit_code == 0, result.output
    assert "déjà chargées" in result.output
    assert "500 structures ajoutées, dont 90 signataires" in result.output
    structures = db.session.execute(db.select(Structure).order_by(Structure.id)).scalars().all()
    assert len(structures) == 3945
    new = structures[3445:]
    for column in ("name", "siren", "siret", "rna"):
        values = [getattr(s, column) for s in structures if getattr(s, column)]
        assert len(values) == len(set(values)), column
    for s in new:
        assert s.siret or s.rna
        if s.siret:
            assert stdnum_siret.is_valid(s.siret) and s.siren == s.siret[:9] != "356000000"
        if s.rna:
            assert identity.rna_error(s.rna) is None
        assert s.commune is not None and s.epci_code == s.commune.epci_code
    families = Counter(s.family for s in new)
    assert 0.75 < families[Family.association] / 500 < 0.87  # the demo's shape: 81 %
    signatures = db.session.execute(
        db.select(CharterSignature.structure_id, CharterSignature.status).filter(
            CharterSignature.structure_id >= new[0].id
        )
    ).all()
    assert len(signatures) == 90 and {status for _s, status in signatures} == {
        SignatureStatus.active
    }
    assert len({structure_id for structure_id, _s in signatures}) == 90
    assert demo.check_demo_integrity() == []
    again = runner.invoke(args=["demo", "--structures", "3945"])  # as many already: nothing
    assert again.exit_code == 0 and "agrandi" not in again.output
    assert db.session.execute(db.select(db.func.count(Structure.id))).scalar() == 3945


def test_growing_in_steps_draws_what_one_growth_draws(app, demo_loaded):
    from cdess.demo.grow import grow

    def new_names() -> list[str]:
        names = db.session.execute(db.select(Structure.name).order_by(Structure.id)).scalars()
        return list(names)[3445:]

    assert grow(3645).structures == 200
    at_once = new_names()
    db.session.rollback()
    assert grow(3545).structures == 100 and grow(3645).structures == 100
    assert new_names() == at_once
    assert len(set(at_once)) == 200
    db.session.rollback()


def test_a_territory_smaller_than_the_demo_is_refused(app):
    result = app.test_cli_runner().invoke(args=["demo", "--structures", "100"])
    assert result.exit_code == 2 and "3445" in result.output
    assert db.session.execute(db.select(db.func.count(Structure.id))).scalar() == 0


def test_a_name_met_again_gets_its_next_number():
    from cdess.demo.grow import UniqueNames

    names = UniqueNames(["Foyer rural d'Arras", "Foyer rural d'Arras (2)", "SCOP Bâtiment (3)"])
    assert names.take("Foyer rural d'Arras") == "Foyer rural d'Arras (3)"
    assert names.take("Foyer rural d'Arras (2)") == "Foyer rural d'Arras (4)"
    assert names.take("SCOP Bâtiment") == "SCOP Bâtiment (4)"
    assert names.take("Fondation Martin") == "Fondation Martin"
    assert names.take("Fondation Martin") == "Fondation Martin (2)"
