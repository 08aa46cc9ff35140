"""The quick self-diagnostic: about ten questions chosen by rule from the published charter,
a result that says what it means, its answers carried into a first full assessment."""

import re

import pytest

from cdess.assessments import services
from cdess.assessments.models import Assessment
from cdess.charter import loading, scoring
from cdess.extensions import db
from tests.factories import PASSWORD, best_answer, html, worst_answer

SHIPPED = scoring.charter_from_dict(loading.read("cdess/charter/default_charter.yaml"))
FOR_ASSOCIATION = [
    "GOV-01", "GOV-02", "LUC-01", "LUC-02", "TER-01",
    "TER-02", "ADH-01", "ADH-02", "UTI-01", "UTI-02",
]  # fmt: skip


@pytest.mark.parametrize(
    ("family", "count"),
    [
        ("association", 10),
        ("cooperative", 10),
        ("mutuelle", 10),
        ("fondation", 8),  # no members: the free-membership questions do not apply
        ("entreprise_commerciale", 13),  # its three eliminatory criteria on lucrativity
    ],
)
def test_shipped_charter_quick_set_is_about_ten_questions(family, count):
    codes = services.quick_codes(SHIPPED, family)
    assert len(codes) == count
    pure = {c.code: c for p in SHIPPED.principles for c in p.criteria}
    eliminatory = {c for c, k in pure.items() if k.eliminatory and k.applies_to(family)}
    assert eliminatory <= set(codes)  # every eliminatory question is asked
    for principle in SHIPPED.principles:
        asked = [c for c in codes if pure[c].principle_code == principle.code]
        applicable = [c for c in principle.criteria if c.scored and c.applies_to(family)]
        assert len(asked) >= min(2, len(applicable))


def test_shipped_association_quick_set():
    assert services.quick_codes(SHIPPED, "association") == FOR_ASSOCIATION


@pytest.fixture
def owner(create_user):
    return create_user()


def _answers(charter, answer=best_answer, family="association"):
    codes = set(services.quick_codes(SHIPPED, family))
    return {f"c-{c.code}": answer(c) for c in charter.criteria if c.code in codes}


def test_page_asks_ten_questions_and_says_three_minutes(client, charter):
    page = html(client.get("/autodiagnostic"))
    assert "10 questions, environ 3 minutes" in page
    asked = re.findall(r'class="field question-field[^"]*" id="q-([A-Z]+-\d+)"', page)
    assert asked == FOR_ASSOCIATION
    page = html(client.get("/autodiagnostic?family=fondation"))
    assert "8 questions" in page and 'id="q-ADH-01"' not in page


def test_unanswered_questions_are_asked_again(client, charter):
    response = client.post("/autodiagnostic", data={"family": "association"})
    assert response.status_code == 422
    assert html(response).count("Répondez à cette question.") >= 10


def test_result_says_what_it_means_and_carries_over(client, charter, owner, create_structure):
    data = dict(_answers(charter), family="association")
    page = html(client.post("/autodiagnostic", data=data))
    assert "Score global : 100 / 100 sur ces 10 questions" in page
    assert "c&#39;est une indication" in page or "c'est une indication" in page
    assert "Points forts" in page and "Gouvernance démocratique (100 / 100)" in page
    assert "reprend vos 10 réponses" in page
    assert "Créer un compte pour conserver ces réponses" in page
    assert db.session.execute(db.select(Assessment)).first() is None  # nothing stored
    with client.session_transaction() as session:
        assert set(session["quick_answers"]) == set(FOR_ASSOCIATION)
    # Logging in keeps them; the first assessment starts with them.
    client.post("/compte/connexion", data={"email": owner.email, "password": PASSWORD})
    structure = create_structure(owner=owner)
    client.post(f"/structures/{structure.id}/auto-evaluations", data={"from_quick": "1"})
    assessment = db.session.execute(db.select(Assessment)).scalar_one()
    assert set(services.answers_by_code(assessment)) == set(FOR_ASSOCIATION)


def test_weak_principles_and_eliminatory_failures_are_named(client, charter):
    data = dict(_answers(charter, worst_answer), family="association")
    page = html(client.post("/autodiagnostic", data=data))
    assert "semble encore loin des exigences du label" in page
    assert "À régler d&#39;abord" in page or "À régler d'abord" in page
    assert "À renforcer" in page and "Ancrage territorial (0 / 100)" in page


def test_service_scores_the_quick_set_alone(app, charter):
    form = _answers(charter)
    quick = services.quick_diagnostic(charter, "association", form)
    assert quick.errors == {} and quick.result["overall"] == 100
    assert [c["code"] for c in quick.result["criteria"]] == FOR_ASSOCIATION
    assert quick.result["unanswered"] == [] and quick.weak == []
    assert len(quick.strong) == 5
    quick = services.quick_diagnostic(
        charter, "association", dict(form, **{"c-GOV-01": "peut-être"})
    )
    assert set(quick.errors) == {"GOV-01"} and quick.result is None
    assert quick.values["GOV-01"] == "peut-être" and "GOV-01" not in quick.answers
    blank = services.quick_diagnostic(charter, "association", {"c-GOV-01": " \x00 "})
    assert blank.answers == {} and set(blank.errors) == set(FOR_ASSOCIATION)
    assert db.session.execute(db.select(Assessment)).first() is None
