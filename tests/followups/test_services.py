"""The annual follow-up through its services: the daily run over a label's whole life, once
each step whatever the runs; filing and its refusals; the secretariat's decisions; the
suspension proposal; `next_for`."""

from datetime import date, timedelta

import pytest

from cdess.applications.models import DocumentKind
from cdess.audit.models import AuditEntry
from cdess.certificates.followup import Step
from cdess.certificates.models import CertificateStatus, ProposalAction
from cdess.extensions import db
from cdess.followups import services
from cdess.followups.models import FollowUp, FollowUpState, FollowUpStep
from cdess.followups.services import FollowUpError
from tests.factories import council_vote, future_session, upload
from tests.followups.conftest import ANNIVERSARY, START

State = FollowUpState


def _followups():
    return list(db.session.execute(db.select(FollowUp).order_by(FollowUp.id)).scalars())


def _steps(followup):
    rows = db.session.execute(
        db.select(FollowUpStep.step, FollowUpStep.passed).filter_by(followup_id=followup.id)
    ).all()
    return {step: passed for step, passed in rows}


def _subjects(outbox):
    return [m["Subject"] for m in outbox()]


# --- the daily run over a label's life ----------------------------------------------------------


def test_nothing_opens_before_sixty_days(label, outbox):
    label()
    report = services.run(ANNIVERSARY - timedelta(days=61))
    assert (report.opened, report.reminded) == (0, 0)
    assert _followups() == [] and outbox() == []


def test_a_whole_label_life_day_by_day(label, people, outbox):
    """Run every day from the label's first to its last: one follow-up opened 60 days before
    its anniversary, three reminders (60, 30, 0 days), overdue the next day, flagged 30 days
    after; each once."""
    certificate = label()
    day, events = START, {}
    while day <= certificate.valid_until:
        report = services.run(day)
        for name in ("opened", "reminded", "overdue", "flagged"):
            if getattr(report, name):
                events.setdefault(name, []).append((day, getattr(report, name)))
        day += timedelta(days=1)
    assert events == {
        "opened": [(ANNIVERSARY - timedelta(days=60), 1)],
        "reminded": [
            (ANNIVERSARY - timedelta(days=60), 1),
            (ANNIVERSARY - timedelta(days=30), 1),
            (ANNIVERSARY, 1),
        ],
        "overdue": [(ANNIVERSARY + timedelta(days=1), 1)],
        "flagged": [(ANNIVERSARY + timedelta(days=30), 1)],
    }
    [followup] = _followups()
    assert followup.state is State.overdue and followup.flagged_at is not None
    assert len(outbox()) == 4  # three reminders and the flag, to the structure's one person
    assert all(people["applicant"].email in m["To"] for m in outbox())
    assert f"/suivis/{followup.id}" in outbox()[0].get_body(("plain",)).get_content()


def test_running_twice_the_same_day_sends_nothing_twice(label, outbox):
    label()
    day = ANNIVERSARY - timedelta(days=60)
    first, second = services.run(day), services.run(day)
    assert (first.opened, first.reminded) == (1, 1)
    assert (second.opened, second.reminded, second.overdue, second.flagged) == (0, 0, 0, 0)
    assert len(outbox()) == 1


def test_after_a_missed_week_one_reminder_only_the_others_passed(label, outbox):
    label()
    services.run(ANNIVERSARY - timedelta(days=60))
    # No run from 40 days before to 3 days after: the 30-day and day-0 reminders were missed.
    report = services.run(ANNIVERSARY + timedelta(days=3))
    assert report.reminded == 1 and report.overdue == 1
    [followup] = _followups()
    assert _steps(followup) == {
        Step.open: False,
        Step.reminder_60: False,
        Step.reminder_30: True,  # recorded as passed, never sent
        Step.reminder_0: False,
    }
    assert len(outbox()) == 2
    assert services.run(ANNIVERSARY + timedelta(days=3)).reminded == 0


def test_a_run_after_months_opens_reminds_and_flags_at_once(label, outbox):
    label()
    report = services.run(ANNIVERSARY + timedelta(days=45))
    assert (report.opened, report.reminded, report.overdue, report.flagged) == (1, 1, 1, 1)
    assert len(outbox()) == 2  # the latest reminder, the flag


def test_a_step_taken_by_another_run_is_not_sent_again(opened, outbox):
    """Two runs at once: the unique step row decides which one sends."""
    before = len(outbox())
    db.session.add(FollowUpStep(followup_id=opened.id, step=Step.reminder_30, day=date.today()))
    db.session.commit()
    assert services.run(ANNIVERSARY - timedelta(days=30)).reminded == 0
    assert len(outbox()) == before


def test_a_filed_follow_up_stops_reminders_and_flag(opened, people, filing, outbox):
    services.file(opened, people["applicant"], filing(opened), today=ANNIVERSARY)
    db.session.commit()
    before = len(outbox())
    report = services.run(ANNIVERSARY + timedelta(days=40))
    assert (report.reminded, report.overdue, report.flagged) == (0, 0, 0)
    assert len(outbox()) == before
    assert opened.state is State.submitted and opened.flagged_at is None


@pytest.mark.parametrize("status", [CertificateStatus.suspended, CertificateStatus.revoked])
def test_a_label_no_longer_valid_gets_no_follow_up(label, status):
    certificate = label()
    certificate.status = status
    db.session.commit()
    assert services.run(ANNIVERSARY).opened == 0


def test_a_label_granted_on_29_february_has_its_follow_up_on_28_february(label):
    label(start=date(2028, 2, 29))
    services.run(date(2029, 2, 28))
    [followup] = _followups()
    assert followup.anniversary == date(2029, 2, 28)


def test_the_run_journals_each_step(label):
    label()
    services.run(ANNIVERSARY + timedelta(days=30))
    actions = db.session.execute(
        db.select(AuditEntry.action).filter_by(subject_kind="followup").order_by(AuditEntry.id)
    ).scalars()
    assert list(actions) == [
        "followup_opened",
        "followup_reminded",
        "followup_flagged",
        "followup_overdue",
    ]


# --- filing -------------------------------------------------------------------------------------


def test_filing_stores_documents_answers_and_progress(opened, people, filing, app):
    replaced = services.file(opened, people["applicant"], filing(opened), today=ANNIVERSARY)
    db.session.commit()
    assert replaced == []
    assert opened.state is State.submitted and opened.submitted_by_id == people["applicant"].id
    assert {d.kind for d in opened.documents} == {DocumentKind.minutes, DocumentKind.accounts}
    assert all(services.path_of(d).is_file() for d in opened.documents)
    criteria = services.eliminatory_criteria(opened)
    assert criteria and set(opened.confirmations) == {c.code for c in criteria}
    assert all(c["holds"] for c in opened.confirmations.values())
    assert list(opened.progress.values()) == ["L'AG est ouverte aux salariés."]


def test_filed_twice_is_refused(opened, people, filing):
    services.file(opened, people["applicant"], filing(opened), today=ANNIVERSARY)
    db.session.commit()
    with pytest.raises(FollowUpError, match="déjà été déposé"):
        services.file(opened, people["applicant"], filing(opened), today=ANNIVERSARY)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (CertificateStatus.suspended, "suspendu"),
        (CertificateStatus.revoked, "pris fin"),
        (CertificateStatus.expired, "pris fin"),
    ],
)
def test_filing_refused_once_the_label_ended_or_is_suspended(
    opened, people, filing, status, message
):
    opened.certificate.status = status
    db.session.commit()
    with pytest.raises(FollowUpError, match=message):
        services.file(opened, people["applicant"], filing(opened), today=ANNIVERSARY)
    assert opened.state is State.due and opened.documents == []


def test_filing_after_the_label_s_last_day_is_refused(opened, people, filing):
    after = opened.certificate.valid_until + timedelta(days=1)
    with pytest.raises(FollowUpError, match="pris fin"):
        services.file(opened, people["applicant"], filing(opened), today=after)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 not a document", "comptes.pdf", "type de fichier"),
        (b"", "vide.pdf", "vide"),
    ],
)
def test_a_wrong_document_is_refused_and_nothing_stored(
    opened, people, filing, app, content, name, message
):
    sent = filing(opened)
    sent.uploads[DocumentKind.accounts] = upload(content, name)
    with pytest.raises(FollowUpError) as refused:
        services.file(opened, people["applicant"], sent, today=ANNIVERSARY)
    assert message in refused.value.errors["doc-accounts"]
    db.session.rollback()
    assert opened.documents == [] and opened.state is State.due
    assert not any(services.upload_dir().iterdir())


def test_a_document_too_large_is_refused(opened, people, filing, app):
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 100
    with pytest.raises(FollowUpError) as refused:
        services.file(opened, people["applicant"], filing(opened), today=ANNIVERSARY)
    assert "taille autorisée" in refused.value.errors["doc-minutes"]


def test_a_criterion_no_longer_met_needs_its_explanation(opened, people, filing):
    with pytest.raises(FollowUpError) as refused:
        services.file(opened, people["applicant"], filing(opened, holds=False), today=ANNIVERSARY)
    assert all(
        "Expliquez" in refused.value.errors[f"crit-{c.code}"]
        for c in services.eliminatory_criteria(opened)
    )
    services.file(
        opened,
        people["applicant"],
        filing(opened, holds=False, explanation="Le siège a déménagé."),
        today=ANNIVERSARY,
    )
    assert opened.failing == sorted(opened.confirmations)


@pytest.mark.parametrize(
    ("explanation", "message"),
    [("x" * 2001, "2000 caractères"), ("Mot\x07", "caractère de contrôle")],
)
def test_bad_explanations_are_refused(opened, people, filing, explanation, message):
    with pytest.raises(FollowUpError) as refused:
        services.file(
            opened, people["applicant"], filing(opened, False, explanation), today=ANNIVERSARY
        )
    assert all(message in m for k, m in refused.value.errors.items() if k.startswith("crit-"))


def test_unanswered_criteria_and_missing_documents(opened, people):
    with pytest.raises(FollowUpError) as refused:
        services.file(opened, people["applicant"], services.Filing(), today=ANNIVERSARY)
    errors = refused.value.errors
    assert errors["doc-minutes"] == errors["doc-accounts"] == "Déposez ce document."
    criteria = services.eliminatory_criteria(opened)
    assert all("Indiquez" in errors[f"crit-{c.code}"] for c in criteria)


# --- the secretariat decides --------------------------------------------------------------------


@pytest.fixture
def submitted(opened, people, filing):
    services.file(opened, people["applicant"], filing(opened), today=ANNIVERSARY)
    db.session.commit()
    return opened


def test_accept(submitted, people, outbox):
    services.accept(submitted, people["secretariat"])
    db.session.commit()
    assert submitted.state is State.accepted and submitted.decided_by_id == people["secretariat"].id
    assert "accepté" in outbox()[-1]["Subject"]
    with pytest.raises(FollowUpError):
        services.accept(submitted, people["secretariat"])


def test_complements_then_resubmission_keeps_the_documents(submitted, people, outbox):
    with pytest.raises(FollowUpError, match="compléments attendus"):
        services.request_complements(submitted, people["secretariat"], "  ")
    services.request_complements(submitted, people["secretariat"], "Les comptes signés.")
    db.session.commit()
    assert submitted.state is State.incomplete and submitted.reason == "Les comptes signés."
    assert "Les comptes signés." in outbox()[-1].get_body(("plain",)).get_content()
    # Filed again without new files: the documents already there are kept.
    again = services.Filing(
        answers={c: (True, "") for c in submitted.confirmations},
    )
    services.file(submitted, people["applicant"], again, today=ANNIVERSARY)
    db.session.commit()
    assert submitted.state is State.submitted and len(submitted.documents) == 2
    actions = [e.action for e in _journal(submitted)]
    assert actions[-3:] == ["followup_submitted", "followup_incomplete", "followup_resubmitted"]


def _journal(followup):
    return list(
        db.session.execute(
            db.select(AuditEntry)
            .filter_by(subject_kind="followup", subject_id=followup.id)
            .order_by(AuditEntry.id)
        ).scalars()
    )


@pytest.mark.parametrize(
    ("state", "name"),
    [
        (State.due, "accept"),
        (State.due, "request_complements"),
        (State.accepted, "submit"),
        (State.submitted, "submit"),
        (State.incomplete, "accept"),
        (State.overdue, "mark_overdue"),
        (State.accepted, "mark_overdue"),
    ],
)
def test_transitions_run_one_way(opened, state, name):
    opened.state = state
    with pytest.raises(FollowUpError):
        services.transition(opened, name, None)


def test_a_stale_transition_is_refused(opened):
    # Another agent moved it meanwhile: the row's revision is ahead of the one read here.
    db.session.execute(
        db.update(FollowUp)
        .values(revision=FollowUp.revision + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(FollowUpError, match="rechargez"):
        services.transition(opened, "mark_overdue", None)


# --- the suspension proposal --------------------------------------------------------------------


def test_a_flagged_follow_up_s_suspension_goes_on_the_next_session(label, people, outbox):
    label()
    services.run(ANNIVERSARY + timedelta(days=30))
    [followup] = _followups()
    session = future_session()
    db.session.commit()
    item = services.propose_suspension(followup, people["secretariat"], "AG non tenue.")
    db.session.commit()
    assert item.session_id == session.id and item.proposal.action is ProposalAction.suspend
    assert item.proposal.report == "AG non tenue." and followup.proposal_id == item.proposal_id
    assert "suspension" in outbox()[-1]["Subject"].lower()
    with pytest.raises(FollowUpError, match="une seule fois"):
        services.propose_suspension(followup, people["secretariat"], "Encore.")


def test_no_suspension_from_a_follow_up_in_order(submitted, people):
    future_session()
    with pytest.raises(FollowUpError, match="signalé"):
        services.propose_suspension(submitted, people["secretariat"], "Rien.")


def test_no_suspension_without_a_session_in_preparation(label, people):
    label()
    services.run(ANNIVERSARY + timedelta(days=30))
    [followup] = _followups()
    with pytest.raises(FollowUpError, match="Aucune séance"):
        services.propose_suspension(followup, people["secretariat"], "AG non tenue.")
    assert followup.certificate.proposals == []


def test_no_suspension_without_a_report(label, people):
    label()
    services.run(ANNIVERSARY + timedelta(days=30))
    [followup] = _followups()
    future_session()
    with pytest.raises(FollowUpError, match="rapport"):
        services.propose_suspension(followup, people["secretariat"], " \x00 ")


def test_no_suspension_of_a_label_already_suspended(label, people):
    certificate = label()
    services.run(ANNIVERSARY + timedelta(days=30))
    [followup] = _followups()
    services.certificates.change_status(
        certificate, "suspend", people["secretariat"], "Vote", item=council_vote(certificate)
    )
    future_session()
    with pytest.raises(FollowUpError):
        services.propose_suspension(followup, people["secretariat"], "AG non tenue.")


# --- next_for -----------------------------------------------------------------------------------


def test_next_for_the_next_then_the_current_follow_up(label):
    certificate = label()
    ahead = services.next_for(certificate.structure_id, START)
    assert ahead.id is None and ahead.anniversary == ANNIVERSARY and ahead.state is State.due
    services.run(ANNIVERSARY - timedelta(days=60))
    current = services.next_for(certificate.structure_id, ANNIVERSARY - timedelta(days=60))
    assert current.id is not None and current.anniversary == ANNIVERSARY
    assert db.session.execute(db.select(db.func.count(FollowUp.id))).scalar_one() == 1


def test_next_for_none_without_a_label_or_once_all_are_done(label, create_structure, people):
    assert services.next_for(create_structure().id, START) is None
    certificate = label()
    assert services.next_for(certificate.structure_id, ANNIVERSARY + timedelta(days=1)) is None


def test_a_declared_failing_criterion_allows_a_proposal_until_accepted(opened, people, filing):
    services.file(opened, people["applicant"], filing(opened, False, "Siège parti."), ANNIVERSARY)
    future_session()
    db.session.commit()
    assert services.can_be_proposed(opened)
    services.accept(opened, people["secretariat"])
    with pytest.raises(FollowUpError, match="signalé"):
        services.propose_suspension(opened, people["secretariat"], "Critère non respecté.")
