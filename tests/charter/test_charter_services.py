"""Charter versions in the database: loading, drafting, editing, publishing, signatures."""

import pytest

from cdess.accounts.models import Role
from cdess.charter import services
from cdess.charter.models import (
    AnswerType,
    CharterSignature,
    CharterStatus,
    CharterVersion,
    SignatureStatus,
)
from cdess.extensions import db


def test_default_charter_loaded_and_published(charter):
    assert charter.status is CharterStatus.published and charter.published_at
    assert [p.code for p in charter.principles] == ["GOV", "LUC", "TER", "ADH", "UTI"]
    assert len(charter.criteria) >= 30
    assert charter.threshold == 60 and charter.principle_floor == 40
    assert len(charter.commitments) >= 5
    # Membership criteria do not apply to a fondation.
    adh = next(p for p in charter.principles if p.code == "ADH")
    assert all(c.families and "fondation" not in c.families for c in adh.criteria)


def test_round_trip_through_the_file_shape(charter):
    data = services.version_to_dict(charter)
    copy = services.version_from_dict(data)
    assert services.version_to_dict(copy) | {"version_label": ""} == data | {"version_label": ""}
    assert services.diff(data, services.version_to_dict(copy)) == []


def test_draft_edit_publish_archives_previous(charter, create_user):
    agent = create_user(Role.secretariat)
    draft = services.start_draft(agent)
    assert draft.status is CharterStatus.draft and draft.number == charter.number + 1
    assert services.start_draft(agent) is draft  # one draft at a time
    services.update_settings(draft, "Charte 2027", 65, 45, ["S'engager", "", "Progresser"])
    principle = draft.principles[0]
    services.save_criterion(
        draft,
        principle,
        None,
        options=[("a", "Jamais", 0), ("b", "Parfois", 2), ("c", "Toujours", 4)],
        code="GOV-99",
        question="Les bénévoles sont-ils formés ?",
        answer_type=AnswerType.choice,
        points=0,
        eliminatory=False,
        evidence_required=False,
        families=None,
        recommendation="Former les bénévoles.",
        help="",
        unit="",
        min_value=None,
        max_value=None,
    )
    rows = services.diff(services.version_to_dict(charter), services.version_to_dict(draft))
    assert ("critère", "GOV-99", "ajouté") in rows
    assert any(what == "seuil d'éligibilité modifié" for _k, _c, what in rows)
    services.publish(draft, agent)
    db.session.commit()
    assert charter.status is CharterStatus.archived
    assert services.published_version() == draft
    assert draft.commitments == ["S'engager", "Progresser"]
    assert next(c for c in draft.criteria if c.code == "GOV-99").points == 4


def test_published_versions_never_change(charter, create_user):
    with pytest.raises(services.CharterError, match="publiée"):
        services.update_settings(charter, "x", 1, 1, [])
    with pytest.raises(services.CharterError):
        services.delete_criterion(charter, charter.criteria[0])
    with pytest.raises(services.CharterError):
        services.publish(charter)


def test_publish_refuses_invalid_drafts(charter, create_user):
    agent = create_user(Role.secretariat)
    draft = services.start_draft(agent)
    for criterion in list(draft.principles[1].criteria):
        services.delete_criterion(draft, criterion)
    with pytest.raises(services.CharterError) as error:
        services.publish(draft)
    assert error.value.problems
    db.session.rollback()
    assert services.published_version() == charter


def test_duplicate_codes_refused(charter, create_user):
    draft = services.start_draft(create_user(Role.secretariat))
    first, second = draft.criteria[0], draft.criteria[1]
    with pytest.raises(services.CharterError, match="déjà utilisé"):
        services.save_criterion(
            draft,
            second.principle,
            second,
            code=first.code,
            question="q",
            answer_type=AnswerType.yes_no,
            points=1,
        )
    with pytest.raises(services.CharterError, match="déjà utilisé"):
        services.save_principle(
            draft, None, code=draft.principles[0].code, title="t", description="", weight=1
        )


def test_database_allows_one_published_version(charter):
    db.session.add(
        CharterVersion(
            number=99, title="x", status=CharterStatus.published, published_at=charter.published_at
        )
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_sign_withdraw_suspend_lift(charter, create_user, create_structure):
    owner = create_user()
    structure = create_structure(owner=owner)
    signature = services.sign(structure, "Marie Caron", "Présidente", owner)
    assert signature.version_id == charter.id
    assert [s for s, _standing in services.signatories()] == [signature]
    with pytest.raises(services.CharterError, match="déjà signé"):
        services.sign(structure, "Marie Caron", "Présidente", owner)
    services.withdraw_signature(signature, "")
    assert services.active_signature(structure) is None and services.signatories() == []
    again = services.sign(structure, "Marie Caron", "Présidente", owner)
    with pytest.raises(services.CharterError, match="motif"):
        services.suspend_signature(again, "  ")
    services.suspend_signature(again, "Statuts non conformes")
    with pytest.raises(services.CharterError, match="suspendue"):
        services.sign(structure, "Marie Caron", "Présidente", owner)
    services.lift_suspension(again)
    assert services.active_signature(structure) == again
    db.session.commit()
    assert db.session.execute(db.select(db.func.count(CharterSignature.id))).scalar() == 2


def test_database_allows_one_active_signature_per_structure(charter, create_user, create_structure):
    owner = create_user()
    structure = create_structure(owner=owner)
    services.sign(structure, "A", "B", owner)
    db.session.add(
        CharterSignature(
            structure_id=structure.id,
            version_id=charter.id,
            signer_name="C",
            signer_role="D",
            status=SignatureStatus.active,
        )
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_new_version_signature_replaces_the_old(charter, create_user, create_structure):
    owner = create_user()
    agent = create_user(Role.secretariat)
    structure = create_structure(owner=owner)
    old = services.sign(structure, "A", "Président", owner)
    draft = services.start_draft(agent)
    services.publish(draft, agent)
    new = services.sign(structure, "A", "Président", owner)
    assert old.status is SignatureStatus.withdrawn and new.version_id == draft.id


def test_charter_load_command(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["charter", "load", str(services.DEFAULT_CHARTER)])
    assert result.exit_code == 0, result.output
    assert "publiée" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: Vide\nprinciples: []\n", encoding="utf-8")
    result = runner.invoke(args=["charter", "load", str(bad)])
    assert result.exit_code != 0 and "aucun principe" in result.output
