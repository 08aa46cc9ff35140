"""The renewal diff compares answers: progress only where an answer changed, and « barème
modifié » where the charter's points for a criterion changed between the two versions."""

from html import unescape
from types import SimpleNamespace

import pytest
from flask import render_template

from cdess.accounts.models import Role
from cdess.applications.services import changes
from cdess.assessments import services
from cdess.charter import services as charter_services
from cdess.extensions import db
from tests.factories import best_answer


def row(code: str, status: str, points: float, maximum: float) -> dict:
    return {
        "code": code,
        "principle_code": code[:3],
        "status": status,
        "points": points,
        "max_points": maximum,
        "recommendation": "",
    }


def result(*rows: dict) -> dict:
    return {"criteria": list(rows)}


def only(rows: list[dict]) -> dict:
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize(
    ("before", "after", "answers", "change", "answer_changed", "scale_changed"),
    [
        # the answer kept, the charter's points moved: no progress, the scale changed
        (row("A", "met", 2, 2), row("A", "met", 3, 3), (True, True), "same", False, True),
        (row("A", "partly", 1, 3), row("A", "partly", 2, 4), ("b", "b"), "same", False, True),
        # the answer changed
        (row("A", "not_met", 0, 2), row("A", "met", 2, 2), (False, True), "better", True, False),
        (row("A", "met", 3, 3), row("A", "partly", 1, 3), ("a", "b"), "worse", True, False),
        (row("A", "met", 3, 3), row("A", "met", 3, 3), ("a", "c"), "changed", True, False),
        (row("A", "partly", 1, 3), row("A", "partly", 3, 4), ("b", "c"), "better", True, True),
        (row("A", "met", 1, 1), row("A", "met", 1, 1), (1, 1.0), "same", False, False),
        (row("A", "met", 1, 1), row("A", "met", 1, 1), (True, 1), "changed", True, False),
        # a criterion that did not apply then has no scale to compare
        (
            row("A", "not_applicable", 0, 0),
            row("A", "met", 2, 2),
            (None, True),
            "changed",
            True,
            False,
        ),
    ],
)
def test_compare_reads_progress_from_the_answers(
    before, after, answers, change, answer_changed, scale_changed
):
    compared = only(
        services.compare(result(before), result(after), {"A": answers[0]}, {"A": answers[1]})
    )
    assert compared["change"] == change
    assert compared["answer_changed"] is answer_changed
    assert compared["scale_changed"] is scale_changed


def test_without_the_answers_points_tell_only_under_the_same_scale():
    rows = services.compare(
        result(row("A", "met", 2, 2), row("B", "not_met", 0, 2)),
        result(row("A", "met", 3, 3), row("B", "met", 2, 2)),
    )
    a, b = rows
    assert a["change"] == "same" and a["scale_changed"] and a["answer_changed"] is None
    assert b["change"] == "better" and not b["scale_changed"]


def test_new_and_removed_criteria():
    rows = services.compare(result(row("OLD", "met", 1, 1)), result(row("NEW", "met", 1, 1)))
    assert [(r["code"], r["change"]) for r in rows] == [("NEW", "new"), ("OLD", "removed")]


# --- two charter versions where only the points changed --------------------------------------


def answer(assessment, code: str, raw: str) -> None:
    criterion = next(c for c in assessment.version.criteria if c.code == code)
    assert services.save_answer(assessment, criterion, raw) is None


@pytest.fixture
def two_assessments(charter, create_user, create_structure):
    """A first assessment under version 1, a second under version 2 where only GOV-04's
    points changed (2 → 3); between them GOV-06 and ADH-03 were answered better."""
    owner = create_user()
    structure = create_structure(owner=owner)
    first = services.start(structure, owner)
    for criterion in first.version.criteria:
        if criterion.applies_to(structure.family.value):
            answer(first, criterion.code, best_answer(criterion))
    answer(first, "GOV-06", "non")
    answer(first, "ADH-03", "plus_30")
    services.finish(first)
    agent = create_user(Role.secretariat)
    draft = charter_services.start_draft(agent)
    next(c for c in draft.criteria if c.code == "GOV-04").points = 3
    db.session.flush()
    charter_services.publish(draft, agent, kind="major")
    second = services.start(structure, owner, copy_last=True)
    assert second.version_id == draft.id
    answer(second, "GOV-06", "oui")
    answer(second, "ADH-03", "plus_30_reduit")
    services.finish(second)
    db.session.commit()
    return first, second


def test_same_answer_under_new_points_is_no_progress_and_says_the_scale_changed(
    app, two_assessments
):
    first, second = two_assessments
    rows = {
        r["code"]: r
        for r in services.compare(
            first.result,
            second.result,
            services.answers_by_code(first),
            services.answers_by_code(second),
            before_version=first.version,
            after_version=second.version,
        )
    }
    gov04 = rows["GOV-04"]
    assert (gov04["change"], gov04["answer_changed"], gov04["scale_changed"]) == (
        "same",
        False,
        True,
    )
    assert (gov04["before"]["points"], gov04["after"]["points"]) == (2, 3)
    assert (gov04["before_answer"], gov04["after_answer"]) == ("Oui", "Oui")
    assert rows["GOV-06"]["change"] == "better"
    assert (rows["GOV-06"]["before_answer"], rows["GOV-06"]["after_answer"]) == ("Non", "Oui")
    assert rows["ADH-03"]["change"] == "better"
    assert rows["ADH-03"]["after_answer"] == "Plus de 30 €, avec un tarif réduit ou solidaire"
    moved = {code for code, r in rows.items() if r["change"] != "same" or r["scale_changed"]}
    assert moved == {"GOV-04", "GOV-06", "ADH-03"}

    with app.test_request_context():
        page = unescape(render_template("assessments/_changes.html", changes=list(rows.values())))
    gov04_row = page[page.index("GOV-04") : page.index("</tr>", page.index("GOV-04"))]
    assert "barème modifié (sur 2, puis sur 3)" in gov04_row
    assert "en progrès" not in gov04_row and "réponse inchangée" in gov04_row
    gov06_row = page[page.index("GOV-06") : page.index("</tr>", page.index("GOV-06"))]
    assert "en progrès" in gov06_row and "Non" in gov06_row


def test_renewal_changes_pass_the_answers_of_both_assessments(two_assessments):
    first, second = two_assessments
    application = SimpleNamespace(
        previous=SimpleNamespace(snapshot={"result": first.result}, assessment=first),
        assessment=second,
    )
    rows = {r["code"]: r for r in changes(application)}
    assert rows["GOV-04"]["change"] == "same" and rows["GOV-04"]["scale_changed"]
    assert rows["GOV-06"]["before_answer"] == "Non"
    # the frozen result alone (its assessment gone): no answer, and still no false progress
    application.previous.assessment = None
    rows = {r["code"]: r for r in changes(application)}
    assert rows["GOV-04"]["change"] == "same" and rows["GOV-04"]["answer_changed"] is None
