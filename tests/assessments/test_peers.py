"""A structure's scores beside the medians of its labelled peers, by family and by EPCI: the
rules (pure), then the result page on hand-built groups — the 5-structure floor, the medians,
the structure itself left out, who may see it."""

from html.parser import HTMLParser

import pytest

from cdess.accounts.models import Role
from cdess.applications.models import Application, State
from cdess.assessments.models import Assessment, AssessmentStatus
from cdess.assessments.peers import (
    MIN_GROUP,
    GroupComparison,
    PrincipleComparison,
    compare_group,
    median,
    scores_by_code,
)
from cdess.certificates import services as certificates
from cdess.certificates.models import CertificateStatus
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.opendata.queries import peer_scores
from cdess.structures.models import Family
from tests.factories import GRANTED_RESULT, html, statements

# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([7.0], 7.0),
        ([3.0, 1.0, 2.0], 2.0),
        ([10.0, 40.0, 20.0, 30.0], 25.0),  # even: the mean of the two middle ones
        ([50.0, 0.0, 100.0, 100.0, 0.0], 50.0),
        ([1.0, 1.0, 5.0, 9.0], 3.0),
        ([2.5, 3.5], 3.0),
    ],
)
def test_median(values, expected):
    assert median(values) == expected
    assert median(list(reversed(values))) == expected


def test_no_median_of_nothing():
    with pytest.raises(ValueError, match="no value"):
        median([])


def test_scores_by_code_keeps_the_scored_principles():
    result = {
        "principles": [
            {"code": "GOV", "title": "G", "score": 80},
            {"code": "ADH", "title": "A", "score": None},  # nothing applied
            {"code": "", "score": 10},
            {"title": "no code", "score": 10},
            "not a principle",
            {"code": "LUC", "score": 0},
        ]
    }
    assert scores_by_code(result) == {"GOV": 80.0, "LUC": 0.0}
    assert scores_by_code(None) == {} == scores_by_code({}) == scores_by_code({"principles": None})


PRINCIPLES = [("GOV", "Gouvernance", 70.0), ("LUC", "Lucrativité", None)]


def peers_of(*gov: float, luc=None) -> list[dict[str, float]]:
    scores = [{"GOV": value} for value in gov]
    for peer, value in zip(scores, luc or [], strict=False):
        if value is not None:
            peer["LUC"] = value
    return scores


def test_a_group_under_the_floor_shows_nothing_but_its_size():
    group = compare_group("family", "Association", PRINCIPLES, peers_of(10, 20, 30, 40))
    assert MIN_GROUP == 5
    assert group == GroupComparison("family", "Association", 4)
    assert not group.shown and not group.complete and group.rows == ()
    assert compare_group("epci", "CU", PRINCIPLES, []).size == 0


def test_a_group_at_the_floor_shows_its_medians():
    group = compare_group(
        "epci", "CU d'Arras", PRINCIPLES, peers_of(50, 10, 40, 20, 30, luc=[1, 2, 3, 4, 5])
    )
    assert group.shown and group.complete and group.size == 5
    assert group.rows == (
        PrincipleComparison("GOV", "Gouvernance", 70.0, 30.0, 5),
        PrincipleComparison("LUC", "Lucrativité", None, 3.0, 5),
    )


def test_a_principle_scored_by_too_few_peers_has_no_median():
    group = compare_group(
        "family", "Fondation", PRINCIPLES, peers_of(10, 20, 30, 40, 50, 60, luc=[5, 6, 7, 8])
    )
    assert group.shown and not group.complete
    assert group.rows[0] == PrincipleComparison("GOV", "Gouvernance", 70.0, 35.0, 6)
    assert group.rows[1] == PrincipleComparison("LUC", "Lucrativité", None, None, 4)


# --- the result page --------------------------------------------------------------------------

ARRAS = {"commune_code": "62041", "epci_code": "200033579"}  # the `ready` structure's
LENS = {"commune_code": "62498", "epci_code": "246200364"}


def result(gov: float, luc: float | None = 50.0) -> dict:
    return {
        "overall": 70.0,
        "eligible": True,
        "principles": [
            {"code": "GOV", "title": "Gouvernance démocratique", "score": gov},
            {"code": "LUC", "title": "Lucrativité limitée", "score": luc},
        ],
    }


@pytest.fixture
def peer(charter, grant, people):
    """A function making a labelled structure (a valid certificate) whose latest finished
    self-assessment scored `gov` and `luc`; with `verified`, the application that earned the
    label was built on that assessment and the council voted on that verified result."""

    def make(gov, luc=50.0, family=Family.association, place=LENS, verified=None, **fields):
        application = grant(family=family, **place, **fields)
        certificate = certificates.issue(application, people["secretariat"])
        assessment = Assessment(
            structure_id=application.structure_id,
            version_id=charter.id,
            family=family,
            status=AssessmentStatus.finished,
            finished_at=utcnow(),
            result=result(gov, luc),
            overall_score=70.0,
            eligible=True,
        )
        db.session.add(assessment)
        db.session.flush()
        if verified is not None:
            application.assessment_id = assessment.id
            application.verified_result = result(*verified)
        db.session.commit()
        return certificate

    return make


class Tables(HTMLParser):
    """The text of each cell of the peers' table, row by row."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.inside = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "peers") in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def page(client, login, people, assessment):
    login(people["applicant"])
    response = client.get(f"/auto-evaluations/{assessment.id}")
    assert response.status_code == 200
    return html(response)


def table(text: str) -> list[list[str]]:
    parser = Tables()
    parser.feed(text)
    return parser.rows


def test_four_peers_are_too_few_five_are_compared(client, login, people, ready, peer):
    _structure, assessment = ready
    for gov in (10, 20, 30, 40):
        peer(gov)
    text = page(client, login, people, assessment)
    assert "Famille « Association » : 4 structures labellisées comparables, trop peu" in text
    assert "Intercommunalité « CU d'Arras » : 0 structure" in text
    assert table(text) == []
    peer(50)
    text = page(client, login, people, assessment)
    assert "trop peu pour une comparaison" in text  # the EPCI still is
    assert "Famille « Association » : " not in text
    rows = table(text)
    assert rows[0][:2] == ["Principe", "Votre score"]
    assert rows[0][2] == "Médiane de la famille « Association » 5 structures"
    assert len(rows[0]) == 3  # no column for the EPCI
    assert rows[1] == ["Gouvernance démocratique", "100", "30"]
    assert rows[2] == ["Lucrativité limitée", "100", "50"]


def test_the_medians_of_both_groups(client, login, people, ready, peer):
    """Family (associations, anywhere): 10, 20, 40, 80 in Lens and 60, 90 in Arras → 50.
    EPCI (Arras, any family): 60, 90 and cooperatives 0, 30, 45 → 45."""
    _structure, assessment = ready
    for gov in (10, 20, 40, 80):
        peer(gov, luc=gov / 2)
    for gov in (60, 90):
        peer(gov, luc=gov / 2, place=ARRAS)
    for gov in (0, 30, 45):
        peer(gov, luc=None, family=Family.cooperative, place=ARRAS)
    rows = table(page(client, login, people, assessment))
    assert rows[0][2:] == [
        "Médiane de la famille « Association » 6 structures",
        "Médiane de l'intercommunalité « CU d'Arras » 5 structures",
    ]
    gov, luc = rows[1], rows[2]
    assert gov == ["Gouvernance démocratique", "100", "50", "45"]
    # LUC: family 5, 10, 20, 40, 30, 45 → 25; EPCI only 2 scores (the cooperatives have none)
    assert luc[:3] == ["Lucrativité limitée", "100", "25"]
    assert luc[3].startswith("—") and "trop peu de scores" in luc[3]


def test_the_structure_itself_is_left_out(client, login, people, ready, peer):
    """Labelled itself, with four labelled peers: a group of 4, not 5."""
    structure, assessment = ready
    peer(10), peer(20), peer(30), peer(40)
    own = Application(
        structure_id=structure.id,
        state=State.granted,
        assessment_id=assessment.id,
        snapshot={"charter_version": 1, "result": GRANTED_RESULT},
        verified_result=GRANTED_RESULT,
    )
    db.session.add(own)
    db.session.commit()
    certificates.issue(own, people["secretariat"])
    db.session.commit()
    text = page(client, login, people, assessment)
    assert "Famille « Association » : 4 structures labellisées comparables" in text
    assert table(text) == []


def test_only_standing_labels_count(client, login, people, ready, peer):
    """Five associations with a certificate, one of them suspended and one revoked; a sixth
    without any: a group of 3."""
    _structure, assessment = ready
    peer(10), peer(20), peer(30)
    peer(40).status = CertificateStatus.suspended
    peer(50).status = CertificateStatus.revoked
    db.session.commit()
    text = page(client, login, people, assessment)
    assert "Famille « Association » : 3 structures labellisées comparables" in text


def test_the_latest_assessment_counts_verified_when_decided(client, login, people, ready, peer):
    """Each peer counts by its latest finished assessment; when the council decided an
    application built on it, by the verified result it voted on."""
    _structure, assessment = ready
    for gov in (10, 20, 30):
        peer(gov)
    peer(0, verified=(70, 60))  # self-assessed 0, verified 70
    older = peer(95)  # then a newer assessment of 40 for this one
    db.session.add(
        Assessment(
            structure_id=older.structure_id,
            version_id=assessment.version_id,
            family=Family.association,
            status=AssessmentStatus.finished,
            finished_at=utcnow(),
            result=result(40),
        )
    )
    db.session.add(  # an assessment in progress is not a result
        Assessment(
            structure_id=older.structure_id,
            version_id=assessment.version_id,
            family=Family.association,
        )
    )
    db.session.commit()
    rows = table(page(client, login, people, assessment))
    assert rows[1][2] == "30"  # 10, 20, 30, 40, 70 (not 0, 20, 30, 95…)
    assert rows[2][2] == "50"  # 50, 50, 50, 50, 60


def test_no_peer_is_shown_alone(client, login, people, ready, peer):
    """Only medians: no peer's name, score or answer reaches the page."""
    _structure, assessment = ready
    for n, gov in enumerate((11, 23, 37, 41, 59)):
        peer(gov, luc=gov + 1, name=f"Pair secret {n}")
    text = page(client, login, people, assessment)
    assert "Pair secret" not in text
    rows = table(text)
    assert [row[2] for row in rows[1:3]] == ["37", "38"]
    # The charter's other principles: no peer has a score for them.
    assert [row[2][0] for row in rows[3:]] == ["—", "—", "—"]
    for value in ("11", "23", "41", "59", "12", "24", "42", "60"):
        assert f">{value}<" not in text


def test_the_query_count_does_not_grow_with_the_group(client, login, people, ready, peer):
    """The peers' scores come in one query (and the two that tell the standing labels),
    whatever the size of the groups; the page runs it once."""
    structure, assessment = ready
    for gov in range(5):
        peer(gov * 10)
    with statements() as few:
        peer_scores(structure, Family.association)
    for gov in range(10):
        peer(gov * 5, place=ARRAS)
    with statements() as more:
        same_family, same_epci = peer_scores(structure, Family.association)
    assert len(more) == len(few) <= 3
    assert (len(same_family), len(same_epci)) == (15, 10)
    login(people["applicant"])
    with statements() as drawn:
        assert "Médiane de l'intercommunalité" in html(
            client.get(f"/auto-evaluations/{assessment.id}")
        )
    assert sum("verified_result" in statement for statement in drawn) == 1


def test_who_sees_the_comparison(client, login, people, ready, peer, create_user):
    """The result page's rules are unchanged: its structure's people and the secretariat."""
    _structure, assessment = ready
    for gov in (10, 20, 30, 40, 50):
        peer(gov)
    url = f"/auto-evaluations/{assessment.id}"
    assert client.get(url).status_code == 302  # to the login page
    for refused in (people["other"], create_user(Role.council_member), people["president"]):
        login(refused)
        assert client.get(url).status_code == 403
        client.post("/compte/deconnexion")
    login(people["secretariat"])
    response = client.get(url)
    assert response.status_code == 200 and table(html(response))[1][2] == "30"
