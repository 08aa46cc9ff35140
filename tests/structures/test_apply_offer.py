"""« Candidater au label » is offered only when it can be done; otherwise the page says what
comes first."""

import pytest

from cdess.assessments import services as assessments
from cdess.charter import services as charters
from cdess.extensions import db
from cdess.structures.views import apply_offer
from tests.factories import best_answer, html


@pytest.mark.parametrize(
    ("signed", "finished", "running", "offered", "first"),
    [
        (True, True, False, True, ()),
        (False, True, False, False, ("sign",)),
        (True, False, False, False, ("assess",)),
        (False, False, False, False, ("sign", "assess")),
        (True, True, True, False, ("running",)),
        (False, False, True, False, ("running",)),
    ],
)
def test_offer_conditions(signed, finished, running, offered, first):
    offer = apply_offer(signed=signed, finished=finished, running=running)
    assert (offer.offered, offer.first) == (offered, first)


@pytest.fixture
def owner(create_user, login):
    user = create_user()
    login(user)
    return user


def test_structure_page_offers_only_when_it_can_be_done(client, charter, owner, create_structure):
    structure = create_structure(owner=owner)
    page = html(client.get(f"/structures/{structure.id}"))
    assert "Candidater au label" not in page
    assert "signer la charte" in page and "commencer l'auto-évaluation" in page

    assessment = assessments.start(structure, owner)
    assessments.fill(
        assessment,
        [(c, best_answer(c)) for c in charter.criteria if c.applies_to("association")],
    )
    assessments.finish(assessment)
    db.session.commit()
    page = html(client.get(f"/structures/{structure.id}"))
    assert "Candidater au label" not in page
    assert "signer la charte" in page and "commencer l'auto-évaluation" not in page

    charters.sign(structure, "Camille Leroy", "Présidente", owner)
    db.session.commit()
    page = html(client.get(f"/structures/{structure.id}"))
    assert "Candidater au label" in page and "il faut d'abord" not in page

    client.post(f"/structures/{structure.id}/candidatures")
    page = html(client.get(f"/structures/{structure.id}"))
    assert "Candidater au label" not in page
    assert "Une candidature est déjà en cours" in page
    assert "Voir la candidature en cours (brouillon)" in page
