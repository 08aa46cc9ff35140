"""Charter pages: public reading and signatories, signing, the secretariat's editor."""

import pytest

from cdess.accounts.models import Role
from cdess.charter import services
from cdess.charter.models import CharterStatus, CharterVersion
from cdess.extensions import db
from tests.factories import html


def test_public_charter_and_signatories(client, charter, create_user, create_structure):
    page = html(client.get("/charte"))
    assert charter.title in page and "GOV-01" in page and "éliminatoire" in page
    owner = create_user()
    structure = create_structure(owner=owner, name="Régie de quartier d'Arras")
    services.sign(structure, "Paul Martin", "Président", owner)
    db.session.commit()
    page = html(client.get("/charte/signataires"))
    assert "Régie de quartier d'Arras" in page and "Arras" in page and "Association" in page


def test_sign_from_the_structure(client, charter, create_user, create_structure, login):
    owner = create_user()
    structure = create_structure(owner=owner)
    login(owner)
    page = html(client.get(f"/structures/{structure.id}/charte"))
    assert charter.commitments[0] in page
    response = client.post(
        f"/structures/{structure.id}/charte",
        data={"signer_name": "Paul Martin", "signer_role": "Président"},
    )
    assert "Cochez cette case pour signer la charte." in html(response)
    assert services.active_signature(structure) is None
    response = client.post(
        f"/structures/{structure.id}/charte",
        data={"signer_name": "Paul Martin", "signer_role": "Président", "accept": "y"},
    )
    assert response.status_code == 302
    signature = services.active_signature(structure)
    assert signature.signer_name == "Paul Martin" and signature.signed_by_id == owner.id
    assert "Charte signée le" in html(client.get(f"/structures/{structure.id}"))
    client.post(f"/structures/{structure.id}/charte/retrait", data={"reason": "Erreur"})
    db.session.expire_all()
    assert services.active_signature(structure) is None


def test_only_the_structure_signs(client, charter, create_user, create_structure, login):
    structure = create_structure()
    login(create_user(Role.secretariat))
    data = {"signer_name": "X", "signer_role": "Y", "accept": "y"}
    assert client.post(f"/structures/{structure.id}/charte", data=data).status_code == 403
    assert services.active_signature(structure) is None


def test_secretariat_suspends_with_a_reason(client, charter, create_user, create_structure, login):
    owner = create_user()
    structure = create_structure(owner=owner)
    signature = services.sign(structure, "A", "B", owner)
    db.session.commit()
    login(create_user(Role.secretariat))
    client.post(f"/secretariat/signatures/{signature.id}/suspendre", data={"reason": ""})
    db.session.expire_all()
    assert signature.status.value == "active"
    client.post(
        f"/secretariat/signatures/{signature.id}/suspendre", data={"reason": "Dissolution en cours"}
    )
    db.session.expire_all()
    assert signature.status.value == "suspended"
    assert "Dissolution en cours" in html(client.get("/secretariat/signatures"))
    client.post(f"/secretariat/signatures/{signature.id}/retablir")
    db.session.expire_all()
    assert signature.status.value == "active"


@pytest.fixture
def agent(create_user, login):
    user = create_user(Role.secretariat)
    login(user)
    return user


def test_editor_draft_edit_preview_diff_publish(client, charter, agent):
    response = client.post("/secretariat/charte/brouillon")
    draft = db.session.execute(
        db.select(CharterVersion).filter_by(status=CharterStatus.draft)
    ).scalar_one()
    assert response.headers["Location"].endswith(f"/secretariat/charte/{draft.id}")
    gov = draft.principles[0]
    response = client.post(
        f"/secretariat/charte/{draft.id}/principes/{gov.id}/criteres/nouveau",
        data={
            "code": "gov-50",
            "question": "Le bureau est-il renouvelé par tiers ?",
            "answer_type": "choice",
            **{"options-0-key": "a", "options-0-label": "Non", "options-0-points": "0"},
            **{"options-1-key": "b", "options-1-label": "Oui", "options-1-points": "x"},
        },
    )
    assert "Réponse 2 : Des points positifs." in html(response)
    response = client.post(
        f"/secretariat/charte/{draft.id}/principes/{gov.id}/criteres/nouveau",
        data={
            "code": "gov-50",
            "question": "Le bureau est-il renouvelé par tiers ?",
            "answer_type": "choice",
            **{"options-0-key": "a", "options-0-label": "Non", "options-0-points": "0"},
            **{"options-1-key": "b", "options-1-label": "Oui", "options-1-points": "3"},
            "families": ["association"],
            "recommendation": "Renouveler le bureau.",
        },
    )
    assert response.status_code == 302
    response = client.post(
        f"/secretariat/charte/{draft.id}",
        data={
            "title": "Charte 2027",
            "threshold": "62,5",
            "principle_floor": "40",
            "commitments": "Un\nDeux",
        },
    )
    assert response.status_code == 302
    assert "GOV-50" in html(client.get(f"/secretariat/charte/{draft.id}/apercu"))
    page = html(client.get(f"/secretariat/charte/{draft.id}/differences"))
    assert "GOV-50" in page and "ajouté" in page and "seuil d'éligibilité" in page
    assert "cette version est majeure" in page and "critère GOV-50 ajouté" in page
    response = client.post(f"/secretariat/charte/{draft.id}/publier", data={"kind": "major"})
    assert response.status_code == 302
    db.session.expire_all()
    assert draft.status is CharterStatus.published and draft.threshold == 62.5
    assert charter.status is CharterStatus.archived


def test_crafted_posts_cannot_edit_a_published_version(client, charter, agent):
    criterion = charter.criteria[0]
    principle = charter.principles[0]
    urls = [
        f"/secretariat/charte/{charter.id}/criteres/{criterion.id}",
        f"/secretariat/charte/{charter.id}/criteres/{criterion.id}/supprimer",
        f"/secretariat/charte/{charter.id}/principes/{principle.id}",
        f"/secretariat/charte/{charter.id}/principes/{principle.id}/supprimer",
        f"/secretariat/charte/{charter.id}/principes/nouveau",
        f"/secretariat/charte/{charter.id}/publier",
    ]
    for url in urls:
        assert (
            client.post(
                url,
                data={
                    "code": "X",
                    "question": "Q",
                    "title": "T",
                    "weight": "1",
                    "answer_type": "yes_no",
                },
            ).status_code
            == 403
        )
    response = client.post(
        f"/secretariat/charte/{charter.id}",
        data={"title": "Piratée", "threshold": "0", "principle_floor": "0", "commitments": "x"},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert charter.title != "Piratée" and len(charter.criteria) >= 30


def test_criterion_of_another_version_refused(client, charter, agent):
    client.post("/secretariat/charte/brouillon")
    draft = services.draft_version()
    published_criterion = charter.criteria[0]
    response = client.post(
        f"/secretariat/charte/{draft.id}/criteres/{published_criterion.id}",
        data={"code": "X", "question": "Q", "answer_type": "yes_no"},
    )
    assert response.status_code == 404


def test_publish_errors_are_shown(client, charter, agent):
    client.post("/secretariat/charte/brouillon")
    draft = services.draft_version()
    principle = draft.principles[0]
    for criterion in list(principle.criteria):
        client.post(f"/secretariat/charte/{draft.id}/criteres/{criterion.id}/supprimer")
    response = client.post(
        f"/secretariat/charte/{draft.id}/publier", data={"kind": "major"}, follow_redirects=True
    )
    db.session.expire_all()
    assert draft.status is CharterStatus.draft
    assert f"Le principe {principle.code} n'a aucun critère noté." in html(response)
