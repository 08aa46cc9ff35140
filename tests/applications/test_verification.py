"""Label integrity: submission needs an eligible self-assessment, admissibility an eligible
verified result; the secretariat then the rapporteur confirm or correct each answer; no path
leads from a result that fails the charter to a granted label."""

import pytest

from cdess.applications import checks, services, verification, workflow
from cdess.applications.models import Application, CheckStage, CheckStatus, State
from cdess.assessments import services as assessments
from cdess.certificates import services as certificates
from cdess.charter import services as charters
from cdess.extensions import db
from cdess.sessions import live
from cdess.sessions import services as sessions
from cdess.sessions.models import Opinion
from tests.factories import (
    add_documents,
    email_text,
    finished_assessment,
    future_session,
    html,
    new_application,
    tick_checklist,
    worst_answer,
)


@pytest.fixture
def submitted(ready, people):
    """A file submitted through the service, nothing verified yet."""
    structure, assessment = ready
    application = services.create(structure, people["applicant"])
    services.attach_assessment(application, assessment)
    add_documents(application, people["applicant"])
    services.transition(application, "submit", people["applicant"])
    tick_checklist(application)
    db.session.commit()
    return application


# --- submission --------------------------------------------------------------------------------


def test_a_failing_assessment_cannot_be_submitted_and_the_page_says_why(
    app, ready, people, client, login
):
    structure, _eligible = ready
    assessment = finished_assessment(structure, people["applicant"], TER_01="non")
    application = services.create(structure, people["applicant"])
    services.attach_assessment(application, assessment)
    add_documents(application, people["applicant"])
    db.session.commit()
    login(people["applicant"])
    page = html(client.get(f"/candidatures/{application.id}"))
    assert "L'auto-évaluation jointe ne respecte pas la charte" in page
    assert "Critère éliminatoire non atteint — TER-01" in page
    assert "Recommandation : Le label est réservé aux structures implantées" in page
    # A crafted POST changes nothing: the draft stays, with its assessment.
    response = client.post(f"/candidatures/{application.id}/actions/submit")
    assert response.status_code == 302
    db.session.expire_all()
    assert application.state is State.draft and application.snapshot is None
    assert application.assessment_id == assessment.id
    assert "Critère éliminatoire non atteint — TER-01" in html(client.get(response.location))
    with pytest.raises(workflow.TransitionError) as refused:
        services.transition(application, "submit", people["applicant"])
    assert refused.value.problems[0] == "L'auto-évaluation jointe ne respecte pas la charte :"
    db.session.rollback()


def test_a_principle_under_its_floor_is_named_with_its_score(app, ready, people):
    structure, _eligible = ready
    worse = {
        c.code.replace("-", "_"): worst_answer(c)
        for c in charters.published_version().criteria
        if c.code.startswith("UTI") and not c.eliminatory and c.answer_type.value != "text"
    }
    assessment = finished_assessment(structure, people["applicant"], **worse)
    application = new_application(structure, assessment)
    problems = checks.eligible_self_assessment(application)
    assert assessment.result["principles_below_floor"] == ["UTI"]
    assert any(p.startswith("Principe « ") and "sous le plancher de 40" in p for p in problems)


def test_submission_freezes_the_answers_and_starts_the_verification(submitted):
    answers = submitted.snapshot["answers"]
    assert answers == assessments.answers_by_code(submitted.assessment)
    assert submitted.verified_result["checked"] == 0
    assert submitted.verified_result["eligible"]  # nothing corrected yet
    assert len(verification.unverified(submitted)) == submitted.verified_result["to_check"] > 20


# --- the secretariat verifies --------------------------------------------------------------------


def test_admissible_only_once_every_answer_is_verified(submitted, people, client, login):
    login(people["secretariat"])
    client.post(f"/candidatures/{submitted.id}/actions/declare_admissible")
    db.session.expire_all()
    assert submitted.state is State.submitted
    page = html(client.get(f"/candidatures/{submitted.id}"))
    assert "Réponses à vérifier au vu des pièces" in page
    response = client.post(f"/candidatures/{submitted.id}/reponses")
    assert response.status_code == 302
    assert verification.unverified(submitted) == []
    client.post(f"/candidatures/{submitted.id}/actions/declare_admissible")
    db.session.expire_all()
    assert submitted.state is State.admissible
    assert {c.stage for c in submitted.checks} == {CheckStage.secretariat}


def test_a_correction_is_recorded_with_its_reason_and_shown_to_the_applicant(
    submitted, people, client, login
):
    login(people["secretariat"])
    url = f"/candidatures/{submitted.id}/reponses/GOV-07"
    response = client.post(
        url, data={"decision": "correct", "value": "25", "reason": "3 femmes sur 12 au CA."}
    )
    assert response.status_code == 302
    check = verification.checks_by_code(submitted)["GOV-07"]
    assert (check.status, check.value, check.reason) == (
        CheckStatus.corrected,
        25.0,
        "3 femmes sur 12 au CA.",
    )
    assert check.checked_by_id == people["secretariat"].id
    gov = submitted.verified_result["principles"][0]
    assert (
        gov["code"] == "GOV"
        and gov["score"] < submitted.snapshot["result"]["principles"][0]["score"]
    )
    client.post("/compte/deconnexion")
    login(people["applicant"])
    page = html(client.get(f"/candidatures/{submitted.id}/reponses"))
    assert "corrigée : 25 %" in page and "Motif : 3 femmes sur 12 au CA." in page
    assert "Confirmer" not in page  # the applicant reads, never checks
    assert client.post(url, data={"decision": "confirm"}).status_code == 403


@pytest.mark.parametrize(
    ("code", "data", "message"),
    [
        ("TER-01", {"decision": "correct", "value": "non", "reason": ""}, "Indiquez le motif"),
        ("TER-01", {"decision": "correct", "value": "oui", "reason": "Vu."}, "confirmez-la"),
        ("GOV-07", {"decision": "correct", "value": "1e999", "reason": "Vu."}, "entre 0 et 50"),
        ("GOV-07", {"decision": "correct", "value": "9" * 5000, "reason": "x"}, "entre 0 et 50"),
        ("TER-01", {"decision": "correct", "value": "non\x00", "reason": "a\x07"}, ""),
        ("GOV-09", {"decision": "correct", "value": "x", "reason": "Vu."}, "n'est pas vérifié"),
        ("XXX-99", {"decision": "confirm"}, "ne s'applique pas"),
        ("TER-01", {"decision": "correct", "value": "non", "reason": "x" * 2001}, "trop long"),
    ],
)
def test_a_bad_check_is_refused_next_to_its_control_and_nothing_is_written(
    submitted, people, client, login, code, data, message
):
    login(people["secretariat"])
    before = dict(submitted.verified_result)
    response = client.post(f"/candidatures/{submitted.id}/reponses/{code}", data=data)
    if not message:  # control characters are cleaned, the correction stands
        assert response.status_code == 302
        return
    assert response.status_code == 400
    page = html(response)
    assert message in page and 'class="error-message"' in page
    db.session.expire_all()
    assert submitted.checks == [] and submitted.verified_result == before


def test_a_correction_that_fails_the_charter_blocks_admissibility(
    submitted, people, client, login, outbox
):
    login(people["secretariat"])
    client.post(f"/candidatures/{submitted.id}/reponses")
    client.post(
        f"/candidatures/{submitted.id}/reponses/TER-01",
        data={"decision": "correct", "value": "non", "reason": "Siège à Lille (SIRENE)."},
    )
    db.session.expire_all()
    assert not submitted.verified_result["eligible"]
    assert submitted.verified_result["failed_eliminatory"] == ["TER-01"]
    response = client.post(f"/candidatures/{submitted.id}/actions/declare_admissible")
    page = html(client.get(response.location))
    assert "Le résultat vérifié ne respecte pas la charte" in page
    assert "Critère éliminatoire non atteint — TER-01" in page
    db.session.expire_all()
    assert submitted.state is State.submitted
    # Not admissible: a reason is required, then the decision states the means of appeal.
    client.post(f"/candidatures/{submitted.id}/actions/declare_not_admissible")
    db.session.expire_all()
    assert submitted.state is State.submitted
    client.post(
        f"/candidatures/{submitted.id}/actions/declare_not_admissible",
        data={"comment": "Siège hors du département."},
    )
    db.session.expire_all()
    assert submitted.state is State.not_admissible
    mail = next(m for m in outbox() if "non recevable" in m["Subject"])
    text = email_text(mail)
    assert "Siège hors du département." in text
    assert "Voies et délais de recours" in text and "tribunal administratif de Lille" in text
    client.post("/compte/deconnexion")
    login(people["applicant"])
    page = html(client.get(f"/candidatures/{submitted.id}"))
    assert "Dossier déclaré non recevable" in page and "deux mois" in page
    # The structure may apply again: the file is closed.
    assert services.open_application(submitted.structure) is None


def test_a_resubmission_keeps_the_checks_of_unchanged_answers(submitted, people):
    verification.confirm_remaining(submitted, people["secretariat"])
    verification.correct(submitted, "GOV-07", people["secretariat"], "25", "Liste du CA.")
    services.transition(submitted, "request_complements", people["secretariat"], "PV manquant")
    structure = submitted.structure
    newer = finished_assessment(structure, people["applicant"], GOV_04="non")
    services.attach_assessment(submitted, newer)
    services.transition(submitted, "resubmit", people["applicant"])
    db.session.commit()
    checks = verification.checks_by_code(submitted)
    assert "GOV-04" not in checks  # the applicant changed this answer: to verify again
    assert checks["GOV-07"].status is CheckStatus.corrected  # unchanged answer: kept
    assert verification.unverified(submitted) == ["GOV-04"]


# --- the rapporteur ------------------------------------------------------------------------------


@pytest.fixture
def on_agenda(ready, people, create_user):
    from cdess.accounts.models import Role

    structure, assessment = ready
    application = new_application(structure, assessment, State.admissible)
    rapporteur = create_user(Role.council_member, voting_right=True)
    session = future_session()
    item = sessions.add_item(session, application, people["secretariat"])
    sessions.assign_rapporteur(item, rapporteur)
    db.session.commit()
    return application, item, rapporteur


def test_the_rapporteur_checks_answers_until_the_vote_opens(on_agenda, people, client, login):
    application, item, rapporteur = on_agenda
    assert verification.stage(application) is CheckStage.rapporteur
    login(people["secretariat"])  # the secretariat's turn is over
    url = f"/candidatures/{application.id}/reponses/TER-01"
    assert client.post(url, data={"decision": "confirm"}).status_code == 403
    client.post("/compte/deconnexion")
    login(rapporteur)
    response = client.post(
        url, data={"decision": "correct", "value": "non", "reason": "Aucun établissement local."}
    )
    assert response.status_code == 302
    assert verification.checks_by_code(application)["TER-01"].stage is CheckStage.rapporteur
    # A favourable opinion on a result that fails the charter is refused next to the control.
    response = client.post(
        f"/conseil/points/{item.id}/rapport",
        data={"report": "Dossier solide.", "opinion": "favourable"},
    )
    assert response.status_code == 400
    page = html(response)
    assert "Un avis favorable est impossible" in page and "TER-01" in page
    db.session.expire_all()
    assert item.opinion is None and item.report == ""
    response = client.post(
        f"/conseil/points/{item.id}/rapport",
        data={"report": "Pas d'établissement local.", "opinion": "unfavourable"},
    )
    assert response.status_code == 302
    # The item page shows the verified result the council would vote on.
    page = html(client.get(f"/conseil/points/{item.id}"))
    assert "Résultat vérifié" in page and "non éligible" in page


def test_no_vote_opens_on_a_result_that_fails_the_charter(on_agenda, people):
    application, item, rapporteur = on_agenda
    verification.correct(application, "TER-01", rapporteur, "non", "Siège à Lille.")
    live.convene(item.session, people["secretariat"])
    live.open_session(item.session, people["secretariat"], at=item.session.starts_at)
    db.session.commit()
    with pytest.raises(sessions.SessionError, match="Le vote ne peut pas s'ouvrir"):
        live.open_vote(item, people["secretariat"])
    db.session.rollback()
    with pytest.raises(sessions.SessionError, match="avis favorable est impossible"):
        sessions.write_report(item, rapporteur, "Bien.", Opinion.favourable)
    db.session.rollback()


# --- no path from a failing result to a label ----------------------------------------------------


def failing_verified(application, by):
    """Correct TER-01 to « non » directly (whatever the state)."""
    check = verification.checks_by_code(application)["TER-01"]
    check.status, check.value, check.reason = CheckStatus.corrected, False, "Siège hors 62."
    db.session.flush()
    verification.recompute(application)
    db.session.commit()


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        (State.submitted, "declare_admissible", "secretariat"),
        (State.admissible, "schedule", "secretariat"),
        (State.deferred, "schedule", "secretariat"),
        (State.scheduled, "grant", "president"),
        (State.granted, "certify", "secretariat"),
    ],
)
def test_every_step_towards_a_label_refuses_a_failing_verified_result(
    ready, people, state, action, actor
):
    structure, assessment = ready
    application = new_application(structure, assessment, state)
    failing_verified(application, people["secretariat"])
    with pytest.raises(workflow.TransitionError) as refused:
        services.transition(application, action, people[actor], "Motif")
    assert "Le résultat vérifié ne respecte pas la charte :" in refused.value.problems
    db.session.rollback()
    assert db.session.get(Application, application.id).state is state


def test_no_certificate_for_a_failing_verified_result(ready, people):
    structure, assessment = ready
    application = new_application(structure, assessment, State.granted)
    failing_verified(application, people["secretariat"])
    with pytest.raises(workflow.TransitionError):
        certificates.issue(application, people["secretariat"])
    db.session.rollback()
    assert certificates.current(application) is None


def test_a_file_never_verified_goes_nowhere(ready, people):
    structure, assessment = ready
    application = new_application(structure, assessment, State.submitted, verified=False)
    application.verified_result = None
    db.session.commit()
    problems = checks.eligible_verified_result(application)
    assert problems == ["Le résultat vérifié n'est pas encore établi."]


def test_the_published_charter_is_not_the_one_a_file_is_verified_against(ready, people):
    """A file keeps the version it was assessed with, even after a new version."""
    structure, assessment = ready
    application = new_application(structure, assessment, State.submitted)
    version = assessment.version
    draft = charters.start_draft(people["secretariat"])
    db.session.commit()
    assert verification.charter_of(application) is charters.scoring_charter(version)
    assert draft.id != version.id
