"""Filing a report and handling it, through the services: what is stored, journalled and
told, and every refusal leaving nothing behind."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from cdess.applications import evidence
from cdess.audit.models import AuditEntry
from cdess.certificates.models import CertificateProposal, CertificateStatus, ProposalState
from cdess.extensions import db
from cdess.reports import services as reports
from cdess.reports.models import Report
from cdess.reports.rules import ReportError, ReportState
from cdess.sessions.models import AgendaItem
from tests.factories import PDF, audit_count, email_text, future_session, upload

TEXT = "Aucune assemblée générale depuis trois ans ; les adhérents ne sont plus convoqués."


def count() -> int:
    return db.session.execute(db.select(db.func.count(Report.id))).scalar_one()


def to(outbox, address: str) -> list:
    """The emails sent to this address (the certificate's issue wrote to the structure)."""
    return [m for m in outbox() if m["To"] == address]


def entries(report) -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        db.select(AuditEntry)
        .filter_by(subject_kind="report", subject_id=report.id)
        .order_by(AuditEntry.id)
    ).scalars()
    return [(e.action, e.from_state, e.to_state) for e in rows]


# --- filing -----------------------------------------------------------------------------------


def test_a_report_is_stored_journalled_and_acknowledged(certificate, file_report, outbox):
    report = file_report(TEXT, name="Jeanne Dupont", email="jeanne@exemple.fr")
    assert report.state is ReportState.received
    assert report.reference == f"S-{report.received_at:%Y}-{report.id:05d}"
    assert entries(report) == [("report_received", "", "received")]
    # The journal never names the reporter, nor the sender's address.
    entry = db.session.execute(db.select(AuditEntry).filter_by(subject_kind="report")).scalar_one()
    assert entry.actor_name == "Formulaire public" and "Jeanne" not in str(entry.detail)
    assert "203.0.113.7" not in report.sender_key and len(report.sender_key) == 64
    [receipt] = to(outbox, "jeanne@exemple.fr")
    assert report.reference in receipt["Subject"]
    assert "Recyclerie du Ternois" in email_text(receipt)
    assert "Bonjour Jeanne Dupont" in email_text(receipt)


def test_without_an_address_no_email(certificate, file_report, outbox):
    before = len(outbox())
    file_report(TEXT)
    assert len(outbox()) == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"text": ""}, "text", "Décrivez le manquement constaté."),
        ({"text": "  \x00 \n "}, "text", "Décrivez le manquement constaté."),
        ({"text": "é" * 5001}, "text", "Texte trop long"),
        ({"name": "N" * 201}, "name", "200 caractères au plus."),
        ({"email": "a" * 250 + "@x.fr"}, "email", "254 caractères au plus."),
    ],
    ids=["empty", "blank", "huge", "long-name", "long-email"],
)
def test_bad_text_is_refused_and_nothing_stored(certificate, fields, field, message, outbox):
    values = {"text": TEXT, "sender": "203.0.113.7", **fields}
    journal, sent = audit_count(), len(outbox())
    with pytest.raises(reports.FieldError, match=message) as refused:
        reports.file_report(certificate, **values)
    db.session.rollback()
    assert refused.value.field == field
    assert count() == 0 and audit_count() == journal and len(outbox()) == sent


@pytest.mark.parametrize("status", [CertificateStatus.revoked, CertificateStatus.expired])
def test_a_label_that_no_longer_stands_cannot_be_reported(certificate, status):
    certificate.status = status
    db.session.commit()
    with pytest.raises(ReportError, match="plus en vigueur"):
        reports.file_report(certificate, text=TEXT, sender="203.0.113.7")
    db.session.rollback()
    assert count() == 0


def test_a_label_past_its_end_cannot_be_reported_before_the_nightly_expiry(certificate):
    certificate.valid_until = datetime.now().date() - timedelta(days=1)
    db.session.commit()
    assert not reports.reportable(certificate)


def test_a_suspended_label_can_still_be_reported(certificate, file_report):
    certificate.status = CertificateStatus.suspended
    db.session.commit()
    assert file_report(TEXT).state is ReportState.received


# --- the file ---------------------------------------------------------------------------------


def test_a_file_is_checked_from_its_content_and_kept_apart(app, certificate, file_report):
    report = file_report(TEXT, upload=upload(PDF, "../../photo du local.pdf"))
    assert report.file_name == "photo du local.pdf" and report.file_type == "application/pdf"
    assert report.file_size == len(PDF)
    assert reports.file_path(report).read_bytes() == PDF
    assert reports.file_path(report).parent.name == "signalements"
    # The evidence's storage check neither reports nor removes it; the reports' own knows it.
    assert evidence.check_storage(fix=True)["removed"] == []
    assert reports.check_storage(fix=True)["removed"] == []
    assert reports.file_path(report).is_file()


def test_the_reports_storage_check_finds_orphans_and_missing_files(app, certificate, file_report):
    report = file_report(TEXT, upload=upload(PDF, "local.pdf"))
    db.session.commit()
    orphan = reports.reports_dir() / ("ab" * 16)
    orphan.write_bytes(PDF)
    assert reports.check_storage() == {
        "orphan_files": [orphan.name],
        "missing_files": [],
        "temporary": [],
        "removed": [],
    }
    assert reports.check_storage(fix=True)["removed"] == [orphan.name]
    reports.file_path(report).unlink()
    assert reports.check_storage()["missing_files"] == [
        {"report_id": report.id, "stored_name": report.file_stored_name}
    ]


@pytest.mark.parametrize(
    ("content", "name", "message", "status"),
    [
        (b"MZ\x90\x00 not a document", "photo.pdf", "Ce type de fichier n'est pas accepté", 400),
        (b"", "vide.pdf", "Le fichier est vide.", 400),
        (PDF + b"0" * 2048, "gros.pdf", "dépasse la taille autorisée", 413),
    ],
    ids=["wrong-type", "empty", "too-big"],
)
def test_a_refused_file_stores_nothing(app, certificate, content, name, message, status):
    app.config["REPORT_MAX_FILE_BYTES"] = 2048
    with pytest.raises(reports.FieldError, match=message) as refused:
        reports.file_report(
            certificate, text=TEXT, sender="203.0.113.7", upload=upload(content, name)
        )
    db.session.rollback()
    assert (refused.value.field, refused.value.status) == ("file", status)
    assert count() == 0 and list(reports.reports_dir().iterdir()) == []


# --- the daily limit --------------------------------------------------------------------------


def test_a_flood_from_one_address_is_stopped_at_the_limit(app, certificate, file_report):
    app.config["REPORTS_PER_SENDER_PER_DAY"] = 3
    for _n in range(3):
        file_report(TEXT, sender="198.51.100.1")
    with pytest.raises(reports.LimitReached, match="3 signalements en 24 heures") as refused:
        reports.file_report(certificate, text=TEXT, sender="198.51.100.1")
    db.session.rollback()
    assert refused.value.status == 429 and count() == 3
    file_report(TEXT, sender="198.51.100.2")  # another sender is not held back
    assert count() == 4


def test_the_same_email_from_several_addresses_counts_once(app, certificate, file_report):
    app.config["REPORTS_PER_SENDER_PER_DAY"] = 2
    file_report(TEXT, sender="198.51.100.1", email="flood@exemple.fr")
    file_report(TEXT, sender="198.51.100.2", email="FLOOD@exemple.fr")
    with pytest.raises(reports.LimitReached):
        reports.file_report(certificate, text=TEXT, sender="198.51.100.3", email="flood@exemple.fr")


def test_the_limit_counts_the_last_24_hours(app, certificate, file_report):
    app.config["REPORTS_PER_SENDER_PER_DAY"] = 1
    old = file_report(TEXT, sender="198.51.100.1")
    with pytest.raises(reports.LimitReached):
        reports.file_report(certificate, text=TEXT, sender="198.51.100.1")
    db.session.rollback()
    old.received_at -= timedelta(hours=24, minutes=1)
    db.session.commit()
    assert file_report(TEXT, sender="198.51.100.1").id != old.id


# --- handling ---------------------------------------------------------------------------------


def test_asking_the_structure_emails_its_people_without_the_reporter(file_report, people, outbox):
    report = file_report(TEXT, name="Jeanne Dupont", email="jeanne@exemple.fr")
    reports.ask(report, people["secretariat"], "Quand s'est tenue votre dernière AG ?")
    db.session.commit()
    assert report.state is ReportState.asked and report.asked_by_name
    [*_issued, question] = to(outbox, people["applicant"].email)
    body = email_text(question)
    assert "Quand s'est tenue votre dernière AG ?" in body
    assert f"/signalements/{report.id}/reponse" in body
    assert "Jeanne" not in body and "jeanne@" not in body and TEXT not in body


def test_the_structure_answers_then_the_report_is_dismissed(file_report, people, outbox):
    report = file_report(TEXT, email="jeanne@exemple.fr")
    reports.ask(report, people["secretariat"], "Votre AG ?")
    reports.answer(report, people["applicant"], "Tenue le 28 novembre, PV joint.")
    reports.dismiss(report, people["secretariat"], "L'AG s'est bien tenue : PV reçu.")
    db.session.commit()
    assert report.state is ReportState.dismissed
    assert (report.outcome, report.decided_by_id) == (
        "L'AG s'est bien tenue : PV reçu.",
        people["secretariat"].id,
    )
    assert entries(report) == [
        ("report_received", "", "received"),
        ("report_asked", "received", "asked"),
        ("report_answered", "asked", "answered"),
        ("report_dismissed", "answered", "dismissed"),
    ]
    outcome = to(outbox, "jeanne@exemple.fr")[-1]
    assert "classé sans suite" in outcome["Subject"]
    assert "L'AG s'est bien tenue : PV reçu." in email_text(outcome)


def test_the_reporter_is_told_only_after_the_commit(file_report, people, outbox):
    report = file_report(TEXT, email="jeanne@exemple.fr")
    reports.dismiss(report, people["secretariat"], "Hors du champ de la charte.")
    assert len(to(outbox, "jeanne@exemple.fr")) == 1  # the receipt only, until the commit
    db.session.rollback()
    assert len(to(outbox, "jeanne@exemple.fr")) == 1  # a rolled-back decision tells nothing


def test_a_suspension_is_proposed_on_the_next_session(certificate, file_report, people, outbox):
    report = file_report(TEXT, email="jeanne@exemple.fr")
    session = future_session()
    item = reports.propose(report, people["secretariat"], "AG non tenue depuis 2023.")
    db.session.commit()
    proposal = db.session.execute(db.select(CertificateProposal)).scalar_one()
    assert report.state is ReportState.proposed and report.proposal_id == proposal.id
    assert (proposal.action.value, proposal.report) == ("suspend", "AG non tenue depuis 2023.")
    assert item.session_id == session.id and item.proposal_id == proposal.id
    [*_issued, proposed] = to(outbox, people["applicant"].email)
    assert "Proposition de suspension" in proposed["Subject"]  # the structure reads it
    assert "suspendre le label" in email_text(to(outbox, "jeanne@exemple.fr")[-1])


def test_without_a_session_in_preparation_nothing_is_proposed(file_report, people):
    report = file_report(TEXT)
    journal = audit_count()
    with pytest.raises(ReportError, match="Aucune séance du conseil n'est en préparation"):
        reports.propose(report, people["secretariat"], "AG non tenue.")
    db.session.rollback()
    assert db.session.get(Report, report.id).state is ReportState.received
    assert audit_count() == journal
    assert db.session.execute(db.select(db.func.count(CertificateProposal.id))).scalar() == 0


def test_a_label_already_under_proposal_is_refused(certificate, file_report, people):
    from cdess.certificates import services as certificates
    from cdess.certificates.models import ProposalAction

    future_session()
    certificates.propose(certificate, ProposalAction.suspend, people["secretariat"], "Déjà.")
    db.session.commit()
    report = file_report(TEXT)
    with pytest.raises(ReportError, match="Une proposition attend déjà"):
        reports.propose(report, people["secretariat"], "AG non tenue.")
    db.session.rollback()
    assert db.session.get(Report, report.id).state is ReportState.received
    assert db.session.execute(db.select(db.func.count(AgendaItem.id))).scalar() == 0


ACTS = {
    "ask": lambda r, p: reports.ask(r, p["secretariat"], "Question ?"),
    "answer": lambda r, p: reports.answer(r, p["applicant"], "Réponse."),
    "dismiss": lambda r, p: reports.dismiss(r, p["secretariat"], "Motif."),
    "propose": lambda r, p: reports.propose(r, p["secretariat"], "Rapport."),
}
# How to bring a report to each state, from received.
PATHS = {
    "received": [],
    "asked": ["ask"],
    "answered": ["ask", "answer"],
    "dismissed": ["dismiss"],
    "proposed": ["propose"],
}
REFUSED = [
    (state, action)
    for state, path in PATHS.items()
    for action in ACTS
    if not (
        (state == "received" and action != "answer")
        or (state == "asked")
        or (state == "answered" and action in ("dismiss", "propose"))
    )
]


@pytest.mark.parametrize(("state", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_every_refused_move_changes_nothing(file_report, people, state, action, outbox):
    future_session()
    db.session.commit()
    report = file_report(TEXT, email="jeanne@exemple.fr")
    for step in PATHS[state]:
        ACTS[step](report, people)
        if step == "propose":  # the label's proposal decided: the report alone is refused
            report.proposal.state = ProposalState.withdrawn
    db.session.commit()
    journal, sent = audit_count(), len(outbox())
    with pytest.raises(ReportError):
        ACTS[action](report, people)
    db.session.rollback()
    assert db.session.get(Report, report.id).state.value == state
    assert audit_count() == journal and len(outbox()) == sent


def test_of_two_agents_acting_at_once_the_second_is_refused(file_report, people):
    report = file_report(TEXT)
    # Another agent dismissed it meanwhile, behind this session's back.
    db.session.execute(
        update(Report)
        .where(Report.id == report.id)
        .values(state=ReportState.dismissed, outcome="Déjà traité.")
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ReportError, match="vient d'être traité"):
        reports.ask(report, people["secretariat"], "Question ?")


@pytest.mark.parametrize(
    "values",
    [
        {"text": ""},
        {"state": ReportState.dismissed, "outcome": ""},
        {"state": ReportState.asked, "question": ""},
        {"state": ReportState.answered, "question": "Q ?", "answer": ""},
        {"state": ReportState.proposed, "outcome": "Rapport."},  # no proposal
        {"file_stored_name": "a" * 32},  # a file without its size
    ],
    ids=[
        "no-text",
        "dismissed-no-reason",
        "asked-no-question",
        "answered-no-answer",
        "proposed-no-proposal",
        "file-without-size",
    ],
)
def test_the_database_refuses_an_incoherent_report(certificate, values):
    row = {"certificate_id": certificate.id, "text": TEXT, "sender_key": "0" * 64, **values}
    db.session.add(Report(**row))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
