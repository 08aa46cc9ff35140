"""Self-assessments: answering page by page, autosave, finishing, history, comparison, PDF,
and the anonymous quick self-diagnostic."""

import pytest

from cdess.accounts.models import Role
from cdess.assessments import services
from cdess.assessments.models import Answer, Assessment
from cdess.charter import services as charter_services
from cdess.extensions import db
from tests.factories import best_answer, html, worst_answer


@pytest.fixture
def owner(create_user, login):
    user = create_user()
    login(user)
    return user


@pytest.fixture
def structure(create_structure, owner):
    return create_structure(owner=owner)


def fill(client, assessment, answer=best_answer):
    for principle in assessment.version.principles:
        data = {
            f"c-{c.code}": answer(c)
            for c in principle.criteria
            if c.applies_to(assessment.family.value)
        }
        response = client.post(
            f"/auto-evaluations/{assessment.id}/principes/{principle.code}", data=data
        )
        assert response.status_code == 302, html(response)[:2000]


def start(client, structure, **form):
    response = client.post(f"/structures/{structure.id}/auto-evaluations", data=form)
    assert response.status_code == 302
    return db.session.execute(
        db.select(Assessment).order_by(Assessment.id.desc()).limit(1)
    ).scalar_one()


def test_full_assessment_journey(client, charter, structure):
    assessment = start(client, structure)
    assert assessment.version_id == charter.id and assessment.family.value == "association"
    page = html(client.get(f"/auto-evaluations/{assessment.id}/principes/GOV"))
    assert "Principe 1 sur 5" in page and "GOV-01" in page
    fill(client, assessment)
    page = html(client.get(f"/auto-evaluations/{assessment.id}"))
    assert "Score global : 100 / 100" in page and "éligible au label" in page
    assert "<svg" in page and "Scores par principe" in page
    response = client.post(f"/auto-evaluations/{assessment.id}/terminer")
    assert response.status_code == 302
    db.session.expire_all()
    assert assessment.finished and assessment.overall_score == 100 and assessment.eligible
    assert assessment.result["eligible"] is True
    # Read-only afterwards, also for crafted requests.
    gov = assessment.version.principles[0]
    response = client.post(
        f"/auto-evaluations/{assessment.id}/principes/GOV",
        data={f"c-{gov.criteria[0].code}": "non"},
    )
    assert response.status_code == 403
    response = client.post(
        f"/auto-evaluations/{assessment.id}/reponse",
        data={"code": gov.criteria[0].code, "value": "non"},
    )
    assert response.status_code == 403


def test_bad_answers_refused_others_kept(client, charter, structure):
    assessment = start(client, structure)
    principle = next(
        p for p in charter.principles if any(c.answer_type.value == "number" for c in p.criteria)
    )
    number = next(c for c in principle.criteria if c.answer_type.value == "number")
    other = next(
        c
        for c in principle.criteria
        if c.answer_type.value == "yes_no" and c.applies_to("association")
    )
    response = client.post(
        f"/auto-evaluations/{assessment.id}/principes/{principle.code}",
        data={f"c-{number.code}": "beaucoup", f"c-{other.code}": "oui"},
    )
    assert response.status_code == 422
    page = html(response)
    assert "Saisissez un nombre" in page and 'value="beaucoup"' in page
    answers = services.answers_by_code(assessment)
    assert answers.get(other.code) is True and number.code not in answers


def test_choice_not_an_option_refused(client, charter, structure):
    assessment = start(client, structure)
    choice = next(
        c
        for c in charter.criteria
        if c.answer_type.value == "choice" and c.applies_to("association")
    )
    response = client.post(
        f"/auto-evaluations/{assessment.id}/reponse", data={"code": choice.code, "value": "pirate"}
    )
    assert response.status_code == 422
    assert "Choisissez une des réponses proposées." in response.get_json()["error"]
    response = client.post(
        f"/auto-evaluations/{assessment.id}/reponse", data={"code": "XXX-99", "value": "oui"}
    )
    assert response.status_code == 404
    assert db.session.execute(db.select(Answer)).first() is None


def test_autosave_stores_one_answer(client, charter, structure):
    assessment = start(client, structure)
    criterion = charter.principles[0].criteria[0]
    response = client.post(
        f"/auto-evaluations/{assessment.id}/reponse",
        data={"code": criterion.code, "value": best_answer(criterion)},
    )
    assert response.status_code == 200 and response.get_json()["saved"] is True
    assert criterion.code in services.answers_by_code(assessment)


def test_criterion_of_another_version_refused(client, charter, structure, create_user):
    assessment = start(client, structure)
    draft = charter_services.start_draft(create_user(Role.secretariat))
    db.session.commit()
    with pytest.raises(services.AssessmentError):
        services.save_answer(assessment, draft.criteria[0], "oui")


def test_finish_needs_every_answer(client, charter, structure):
    assessment = start(client, structure)
    response = client.post(f"/auto-evaluations/{assessment.id}/terminer", follow_redirects=True)
    assert "sans réponse" in html(response)
    db.session.expire_all()
    assert not assessment.finished


def test_other_structure_assessment_forbidden(
    client, charter, create_structure, create_user, login
):
    other_owner = create_user()
    other = create_structure(owner=other_owner)
    assessment = services.start(other, other_owner)
    db.session.commit()
    login(create_user())
    assert client.get(f"/auto-evaluations/{assessment.id}").status_code == 403
    assert client.get(f"/auto-evaluations/{assessment.id}/principes/GOV").status_code == 403
    assert (
        client.post(
            f"/auto-evaluations/{assessment.id}/reponse", data={"code": "GOV-01", "value": "oui"}
        ).status_code
        == 403
    )
    assert client.get(f"/auto-evaluations/{assessment.id}/rapport.pdf").status_code == 403
    assert client.post(f"/structures/{other.id}/auto-evaluations").status_code == 403


def test_history_copy_and_comparison(client, charter, structure):
    first = start(client, structure)
    fill(client, first, worst_answer)
    client.post(f"/auto-evaluations/{first.id}/terminer")
    db.session.expire_all()
    assert first.finished and not first.eligible
    page = html(client.get(f"/auto-evaluations/{first.id}"))
    assert "pas encore éligible" in page and "Critère éliminatoire non satisfait" in page
    second = start(client, structure, copy_last="1")
    assert services.answers_by_code(second) == services.answers_by_code(first)
    fill(client, second)
    client.post(f"/auto-evaluations/{second.id}/terminer")
    page = html(client.get(f"/auto-evaluations/{second.id}"))
    assert "Évolution depuis l'auto-évaluation" in page and "en progrès" in page
    page = html(client.get(f"/structures/{structure.id}/auto-evaluations"))
    assert page.count("terminée le") == 2


def test_new_charter_version_for_new_assessments_only(client, charter, structure, create_user):
    old = start(client, structure)
    agent = create_user(Role.secretariat)
    draft = charter_services.start_draft(agent)
    charter_services.publish(draft, agent)
    db.session.commit()
    assert old.version_id == charter.id  # the one in progress keeps its version
    fill(client, old)
    client.post(f"/auto-evaluations/{old.id}/terminer")
    new = start(client, structure)
    assert new.version_id == draft.id


def test_not_applicable_criteria_hidden_for_a_fondation(client, charter, create_structure, owner):
    from cdess.structures.models import Family

    fondation = create_structure(owner=owner, family=Family.fondation, legal_form="9300")
    assessment = start(client, fondation)
    page = html(client.get(f"/auto-evaluations/{assessment.id}/principes/ADH"))
    assert "ADH-01" not in page and "ne concerne pas" in page


def test_pdf_report(client, charter, structure):
    assessment = start(client, structure)
    fill(client, assessment)
    client.post(f"/auto-evaluations/{assessment.id}/terminer")
    response = client.get(f"/auto-evaluations/{assessment.id}/rapport.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.data.startswith(b"%PDF-") and len(response.data) > 5000


def test_answer_saved_meanwhile_by_the_autosave_is_updated_not_duplicated(
    app, charter, structure, owner
):
    """The page's autosave and the form post can insert the same answer at the same moment."""
    assessment = services.start(structure, owner)
    db.session.commit()
    criterion = next(c for c in assessment.version.criteria if c.answer_type.value == "yes_no")
    assert assessment.answers == []  # this request has read the answers: none yet
    with db.engine.begin() as other_request:  # …then the autosave commits one
        other_request.execute(
            Answer.__table__.insert().values(
                assessment_id=assessment.id,
                criterion_id=criterion.id,
                value=True,
                updated_at=assessment.created_at,
            )
        )
    assert services.save_answers(assessment, [(criterion, "non")]) == {}
    rows = (
        db.session.execute(
            db.select(Answer).filter_by(assessment_id=assessment.id, criterion_id=criterion.id)
        )
        .scalars()
        .all()
    )
    assert [a.value for a in rows] == [False]


def test_answers_shown_to_readers_in_words(app, charter):
    by_code = {c.code: c for c in charter.criteria}
    assert services.display_value(by_code["GOV-01"], True) == "Oui"
    assert services.display_value(by_code["GOV-01"], False) == "Non"
    assert services.display_value(by_code["GOV-03"], "moins_12_mois") == (
        "Au cours des 12 derniers mois"
    )
    assert services.display_value(by_code["LUC-08"], 2.5) == "2,5 fois"
    assert services.display_value(by_code["GOV-09"], "Texte libre") == "Texte libre"


@pytest.mark.parametrize(
    ("asked", "family"),
    [
        (None, "association"),
        ("", "association"),
        ("cooperative", "cooperative"),
        ("x", "association"),
    ],
)
def test_quick_family_defaults_to_association(asked, family):
    assert services.quick_family(asked) == family
