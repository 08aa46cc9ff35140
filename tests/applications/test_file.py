"""The rest of the file: progress objectives, the secretariat's notes and checklist, emails on
each transition, the label's validity and renewal."""

from datetime import date, timedelta

import pytest

from cdess.applications import evidence, services, workflow
from cdess.applications.models import Document, DocumentKind, Kind, Objective, State
from cdess.assessments import services as assessments
from cdess.assessments.models import Assessment
from cdess.clock import add_months
from cdess.extensions import db
from tests.factories import add_documents, best_answer, email_text, html, new_application, upload


def unmet_code(application) -> str:
    return services.unmet_criteria(application)[0]["code"]


@pytest.fixture
def partial(charter, create_structure, people):
    """A structure whose finished assessment leaves criteria unmet (all answers "no")."""
    structure = create_structure(owner=people["applicant"])
    from cdess.charter import services as charters

    charters.sign(structure, "Camille Martin", "Présidente", people["applicant"])
    assessment = assessments.start(structure, people["applicant"])
    for i, criterion in enumerate(assessment.version.criteria):
        if criterion.applies_to(structure.family.value):
            value = best_answer(criterion)
            if criterion.answer_type.value == "yes_no" and not criterion.eliminatory and i % 2:
                value = "non"
            assessments.save_answer(assessment, criterion, value)
    assessments.finish(assessment)
    application = services.create(structure, people["applicant"])
    services.attach_assessment(application, assessment)
    db.session.commit()
    return application


# --- objectives -------------------------------------------------------------------------------


def test_objectives_come_from_unmet_criteria(app, partial, client, login, people):
    login(people["applicant"])
    code = unmet_code(partial)
    met = next(c["code"] for c in partial.assessment.result["criteria"] if c["status"] == "met")
    url = f"/candidatures/{partial.id}/objectifs"
    in_a_year = (date.today() + timedelta(days=365)).isoformat()
    form = lambda **f: {  # noqa: E731
        "objectif-criterion": code,
        "objectif-target_date": in_a_year,
        "objectif-text": "Ouvrir l'AG aux salariés",
        **f,
    }
    for bad, message in [
        (form(**{"objectif-criterion": met}), "Choisissez parmi"),
        (form(**{"objectif-target_date": "2020-01-01"}), "dans les trois ans"),
        (form(**{"objectif-target_date": "31/02/2027"}), "Saisissez une date valide."),
        (form(**{"objectif-text": "   "}), "Ce champ est obligatoire."),
    ]:
        response = client.post(url, data=bad)
        assert response.status_code == 400 and message in html(response), message
        assert "Ouvrir l'AG aux salariés" in html(response) or bad["objectif-text"].strip() == ""
    assert client.post(url, data=form()).status_code == 302
    db.session.expire_all()
    (objective,) = partial.objectives
    assert objective.criterion_code == code and objective.target_date.isoformat() == in_a_year
    # The same criterion twice is refused (it is no longer offered either).
    assert client.post(url, data=form()).status_code == 400
    page = html(client.get(f"/candidatures/{partial.id}"))
    assert "Ouvrir l'AG aux salariés" in page
    assert client.post(f"{url}/{objective.id}/suppression").status_code == 302
    db.session.expire_all()
    assert partial.objectives == []


def test_objectives_are_frozen_with_the_file(app, partial, people):
    add_documents(partial, people["applicant"])
    objective = services.add_objective(
        partial, unmet_code(partial), date.today() + timedelta(days=90), "Former le bureau"
    )
    services.transition(partial, "submit", people["applicant"])
    with pytest.raises(services.ApplicationError):
        services.remove_objective(partial, objective)
    with pytest.raises(services.ApplicationError):
        services.add_objective(partial, "GOV-03", date.today() + timedelta(days=9), "x")


# --- secretariat ------------------------------------------------------------------------------


def test_internal_notes_are_never_shown_to_the_applicant(app, ready, people, client, login):
    application = new_application(*ready, state=State.submitted)
    login(people["secretariat"])
    response = client.post(f"/candidatures/{application.id}/notes", data={"note-text": ""})
    assert response.status_code == 400 and "Ce champ est obligatoire." in html(response)
    client.post(
        f"/candidatures/{application.id}/notes",
        data={"note-text": "Appeler la trésorière au sujet des comptes 2025"},
    )
    assert "Appeler la trésorière" in html(client.get(f"/candidatures/{application.id}"))
    client.post("/compte/deconnexion")
    login(people["applicant"])
    page = html(client.get(f"/candidatures/{application.id}"))
    assert "Appeler la trésorière" not in page and "Notes internes" not in page


def test_admissible_only_once_every_check_is_ticked(app, ready, people, client, login):
    application = new_application(*ready, state=State.submitted)
    application.checklist = {}
    db.session.commit()
    login(people["secretariat"])
    page = html(client.get(f"/candidatures/{application.id}"))
    assert "Vérification de recevabilité" in page and "Pièces obligatoires présentes" in page
    client.post(f"/candidatures/{application.id}/actions/declare_admissible")
    db.session.expire_all()
    assert application.state is State.submitted
    assert "Vérification non cochée" in html(client.get(f"/candidatures/{application.id}"))
    client.post(
        f"/candidatures/{application.id}/verification",
        data={"items": ["identity", "statutes", "documents", "nonsense"]},
    )
    db.session.expire_all()
    assert set(application.checklist) == {"identity", "statutes", "documents"}
    ticked_at = application.checklist["identity"]
    client.post(f"/candidatures/{application.id}/actions/declare_admissible")
    db.session.expire_all()
    assert application.state is State.submitted  # "evidence" still unticked
    client.post(
        f"/candidatures/{application.id}/verification",
        data={"items": ["identity", "statutes", "documents", "evidence"]},
    )
    db.session.expire_all()
    assert application.checklist["identity"] == ticked_at  # a kept tick keeps its author
    client.post(f"/candidatures/{application.id}/actions/declare_admissible")
    db.session.expire_all()
    assert application.state is State.admissible
    # Once admissible, the checklist cannot be changed any more.
    client.post(f"/candidatures/{application.id}/verification", data={})
    db.session.expire_all()
    assert len(application.checklist) == 4


def test_a_missing_document_blocks_admissibility(app, ready, people):
    application = new_application(*ready, state=State.submitted)
    application.documents.remove(application.documents[0])
    db.session.flush()
    with pytest.raises(workflow.TransitionError, match="Pièce manquante"):
        services.transition(application, "declare_admissible", people["secretariat"])


# --- emails -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        (State.draft, "submit", {("applicant", "Dossier déposé"), ("secretariat", "Nouveau")}),
        (
            State.incomplete,
            "resubmit",
            {("applicant", "Dossier déposé"), ("secretariat", "Nouveau")},
        ),
        (State.submitted, "request_complements", {("applicant", "Des compléments")}),
        (State.submitted, "declare_admissible", {("applicant", "Dossier recevable")}),
        (
            State.admissible,
            "withdraw",
            {("applicant", "Candidature retirée"), ("secretariat", "Candidature retirée")},
        ),
        (State.admissible, "schedule", set()),
    ],
)
def test_each_transition_sends_its_emails(app, ready, people, outbox, state, action, expected):
    application = new_application(*ready, state=state)
    who = "applicant" if action in ("submit", "resubmit", "withdraw") else "secretariat"
    comment = "" if action in ("submit", "resubmit") else "Merci de joindre le PV signé."
    services.transition(application, action, people[who], comment)
    assert outbox() == []  # the emails wait for the commit
    db.session.commit()
    addresses = {people["applicant"].email: "applicant", people["secretariat"].email: "secretariat"}
    sent = [(addresses[m["To"]], m["Subject"]) for m in outbox()]
    assert len(sent) == len(expected)
    for to, prefix in expected:
        assert any(a == to and subject.startswith(prefix) for a, subject in sent), (to, prefix)
    for message in outbox():
        assert message["Subject"].endswith(ready[0].name)
        body = email_text(message)
        assert f"http://cdess.test/candidatures/{application.id}" in body
        assert message.get_body(preferencelist=("html",)) is not None
        if action == "request_complements":
            assert "Merci de joindre le PV signé." in body


def test_no_email_for_a_refused_transition(app, ready, people, client, login, outbox):
    application = new_application(*ready, state=State.submitted)
    login(people["applicant"])
    client.post(f"/candidatures/{application.id}/actions/submit")
    assert outbox() == []


# --- validity and renewal ---------------------------------------------------------------------


def certified(ready, until: date):
    application = new_application(*ready, state=State.certified)
    application.snapshot = {"result": ready[1].result}
    application.label_valid_from, application.label_valid_until = date(2025, 1, 1), until
    db.session.commit()
    return application


def test_certifying_starts_a_two_year_label(app, ready, people):
    application = new_application(*ready, state=State.granted)
    services.transition(application, "certify", people["secretariat"], today=date(2026, 12, 10))
    assert application.state is State.certified
    assert application.label_valid_from == date(2026, 12, 10)
    assert application.label_valid_until == date(2028, 12, 9)


@pytest.mark.parametrize(
    ("day", "months"),
    [
        (date(2026, 1, 31), 1),
        (date(2028, 2, 29), 12),
        (date(2026, 8, 31), 6),
        (date(2026, 12, 1), 1),
    ],
)
def test_add_months_keeps_the_day_or_the_last_of_the_month(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == min(day.day, result.day) and (result.day == day.day or result.day >= 28)


@pytest.mark.parametrize(
    ("months", "days", "expected"),
    [(0, -1, False), (0, 0, True), (4, 0, True), (6, 0, True), (6, 1, False), (12, 0, False)],
)
def test_renewal_opens_six_months_before_the_end(app, ready, months, days, expected):
    until = add_months(date.today(), months) + timedelta(days=days)
    assert services.renewable(certified(ready, until)) is expected


def test_a_file_lost_from_the_disk_is_not_carried_over(app, ready, people):
    previous = certified(ready, date.today() + timedelta(days=60))
    for title in ("Rapport", "Perdu"):
        evidence.store(
            previous,
            upload(name=f"{title}.pdf"),
            people["applicant"],
            DocumentKind.other,
            title=title,
        )
    db.session.commit()
    lost = next(d for d in previous.documents if d.title == "Perdu")
    evidence.path_of(lost).unlink()
    renewal = services.renew(previous, people["applicant"])
    db.session.commit()
    assert [d.title for d in renewal.documents if d.kind is DocumentKind.other] == ["Rapport"]


def test_renewal_prefills_and_reports(app, ready, people, client, login):
    structure, assessment = ready
    previous = certified(ready, date.today() + timedelta(days=60))
    previous.objectives.append(
        Objective(criterion_code="GOV-03", target_date=date.today(), text="Élire un bureau")
    )
    evidence.store(
        previous,
        upload(name="rapport.pdf"),
        people["applicant"],
        DocumentKind.other,
        title="Rapport",
    )
    db.session.commit()
    login(people["applicant"])
    page = html(client.get(f"/candidatures/{previous.id}"))
    assert "Renouveler le label" in page
    assert client.post(f"/candidatures/{previous.id}/renouvellement").status_code == 302
    renewal = services.open_application(structure)
    assert renewal.kind is Kind.renewal and renewal.previous_id == previous.id
    # A new assessment started from the last answers.
    started = db.session.execute(
        db.select(Assessment).filter(Assessment.id != assessment.id)
    ).scalar_one()
    assert {a.criterion.code: a.value for a in started.answers} == {
        a.criterion.code: a.value for a in assessment.answers
    }
    # Lasting documents copied under new names; the yearly ones must be new.
    kinds = sorted(d.kind.value for d in renewal.documents)
    assert "statutes" in kinds and "other" in kinds and "minutes" not in kinds
    copies = {d.stored_name for d in renewal.documents}
    assert not copies & {d.stored_name for d in previous.documents}
    assert all(evidence.path_of(d).exists() for d in renewal.documents)
    # A second renewal of the same label is refused.
    client.post(f"/candidatures/{previous.id}/renouvellement")
    assert db.session.execute(db.select(db.func.count()).select_from(Document)).scalar() == len(
        previous.documents
    ) + len(renewal.documents)

    assessments.finish(started)
    services.attach_assessment(renewal, started)
    add_documents(renewal, people["applicant"])
    db.session.commit()
    assert services.missing(renewal) == ["Faites le bilan de l'objectif sur le critère GOV-03."]
    page = html(client.get(f"/candidatures/{renewal.id}"))
    assert "Bilan des objectifs du label précédent" in page and "Élire un bureau" in page
    assert "Ce qui a changé depuis le label précédent" in page
    objective = previous.objectives[0]
    url = f"/candidatures/{renewal.id}/objectifs/{objective.id}/bilan"
    assert client.post(url, data={"outcome": " "}).status_code == 400
    assert client.post(url, data={"outcome": "Bureau élu en juin"}).status_code == 302
    db.session.expire_all()
    assert objective.outcome == "Bureau élu en juin" and services.missing(renewal) == []
    # The report belongs to the renewal; the previous label's own URL does not take it.
    other = f"/candidatures/{previous.id}/objectifs/{objective.id}/bilan"
    assert client.post(other, data={"outcome": "x"}).status_code == 404
