"""Publishing minor and major versions, signatures in force during the grace period, and the
emails asking signatories to sign again."""

import re
from datetime import date

import pytest

from cdess.accounts.models import Role
from cdess.charter import services
from cdess.charter.models import CharterStatus, CharterVersion, SignatureStatus, VersionKind
from cdess.clock import add_months
from cdess.extensions import db
from cdess.structures.models import Membership
from tests.factories import email_text, html, link_in

PUBLISHED_ON = date(2026, 11, 30)
DEADLINE = date(2027, 2, 28)  # three months later, February having fewer days


def criterion(version: CharterVersion, code: str):
    return next(c for c in version.criteria if c.code == code)


def reword(draft: CharterVersion) -> None:
    criterion(draft, "GOV-01").help = "Joignez vos statuts à jour, signés."


def rescore(draft: CharterVersion) -> None:
    criterion(draft, "GOV-04").points = 3  # 2 in the shipped charter


def new_version(agent, edit, kind=None, today=PUBLISHED_ON) -> CharterVersion:
    draft = services.start_draft(agent)
    edit(draft)
    db.session.flush()
    services.publish(draft, agent, kind=kind, today=today)
    db.session.commit()
    return draft


@pytest.fixture
def agent(create_user):
    return create_user(Role.secretariat)


@pytest.fixture
def signed(charter, create_user, create_structure):
    owner = create_user()
    structure = create_structure(owner=owner, name="Épicerie solidaire d'Arras")
    signature = services.sign(structure, "Lucie Roger", "Présidente", owner)
    db.session.commit()
    return structure, signature, owner


def test_first_version_has_no_kind(charter):
    assert charter.kind is None and charter.resign_deadline is None


def test_minor_version_keeps_signatures(signed, agent, outbox, client, login):
    structure, signature, owner = signed
    version = new_version(agent, reword)
    assert version.kind is VersionKind.minor and version.resign_deadline is None
    assert services.signature_in_force(structure, date(2035, 1, 1)) == signature
    assert services.signature_problems(structure, date(2035, 1, 1)) == []
    assert services.send_resign_requests(version) == 0 and outbox() == []
    login(owner)
    page = html(client.get(f"/structures/{structure.id}/charte"))
    assert "la signature de la structure reste valable" in page
    assert "à renouveler" not in page


def test_major_change_declared_minor_is_refused_and_nothing_changes(charter, agent):
    draft = services.start_draft(agent)
    rescore(draft)
    db.session.commit()
    with pytest.raises(services.VersionKindError) as error:
        services.publish(draft, agent, kind="minor", today=PUBLISHED_ON)
    assert "elle est majeure" in error.value.problems[0]
    assert "GOV-04 modifié : points" in error.value.problems[0]
    db.session.rollback()
    assert draft.status is CharterStatus.draft and draft.kind is None
    assert services.published_version() == charter


def test_minor_change_may_be_declared_major(charter, agent):
    version = new_version(agent, reword, kind=VersionKind.major)
    assert version.kind is VersionKind.major and version.resign_deadline == DEADLINE


def test_the_command_line_takes_the_classification(charter, agent):
    version = new_version(agent, rescore)
    assert version.kind is VersionKind.major and version.resign_deadline == DEADLINE
    assert charter.status is CharterStatus.archived


def test_grace_period_is_a_setting(app, charter, agent):
    app.config["CHARTER_RESIGN_GRACE_MONTHS"] = 1
    version = new_version(agent, rescore)
    assert version.resign_deadline == date(2026, 12, 30)


def test_older_signature_counts_until_the_deadline_then_must_be_renewed(signed, agent):
    structure, signature, owner = signed
    new_version(agent, rescore)
    assert services.signature_in_force(structure, date(2027, 2, 27)) == signature
    standing = services.signature_standing(signature, date(2027, 2, 27))
    assert standing.renew_before == DEADLINE and standing.major_number == 2
    assert services.signature_in_force(structure, DEADLINE) is None
    assert services.signature_problems(structure, DEADLINE) == [
        "La structure a signé la version 1 de la charte ; la version 2 la modifie sur le fond "
        "et devait être signée de nouveau avant le 28/02/2027 : son représentant légal doit "
        "la signer."
    ]
    renewed = services.sign(structure, "Lucie Roger", "Présidente", owner)
    assert signature.status is SignatureStatus.withdrawn
    assert services.signature_in_force(structure, date(2035, 1, 1)) == renewed


def test_minor_versions_after_a_major_one_do_not_restart_the_clock(signed, agent):
    structure, signature, _owner = signed
    new_version(agent, rescore)
    new_version(agent, reword, today=date(2027, 2, 1))
    assert services.signature_in_force(structure, date(2027, 2, 27)) == signature
    assert services.signature_in_force(structure, DEADLINE) is None


def test_no_signature_or_a_suspended_one_does_not_count(charter, create_structure, agent):
    structure = create_structure()
    today = date(2026, 12, 1)
    assert services.signature_in_force(structure, today) is None
    assert services.signature_problems(structure, today) == [
        "La structure doit avoir signé la charte en vigueur."
    ]
    owner = structure.memberships[0].user
    signature = services.sign(structure, "A", "Président", owner)
    services.suspend_signature(signature, "Statuts en cours de révision")
    assert services.signature_in_force(structure, today) is None
    assert services.signature_problems(structure, today) == [
        "La signature de la charte est suspendue par le secrétariat."
    ]


def test_major_version_asks_signatories_by_email_to_sign_again(
    signed, agent, create_user, create_structure, client, login, outbox
):
    structure, _signature, owner = signed
    colleague, former = create_user(), create_user()
    former.active = False
    db.session.add_all(
        [
            Membership(user_id=colleague.id, structure_id=structure.id),
            Membership(user_id=former.id, structure_id=structure.id),
        ]
    )
    withdrawn = create_structure()
    services.withdraw_signature(
        services.sign(withdrawn, "B", "Gérant", withdrawn.memberships[0].user)
    )
    create_structure()  # never signed
    db.session.commit()

    version = new_version(agent, rescore, today=date.today())
    assert services.send_resign_requests(version) == 2
    messages = outbox()
    assert sorted(m["To"] for m in messages) == sorted([owner.email, colleague.email])
    deadline = version.resign_deadline.strftime("%d/%m/%Y")
    message = messages[0]
    assert message["Subject"] == (
        f"Signez de nouveau la charte avant le {deadline} — Épicerie solidaire d'Arras"
    )
    body = email_text(message)
    assert "GOV-04 modifié : points" in body
    assert f"doit signer la nouvelle version avant le {deadline}" in body
    assert link_in(message) == f"/structures/{structure.id}/charte"

    login(owner)
    page = html(client.get(link_in(message)))
    assert "la signature de la structure est à renouveler avant le" in page
    response = client.post(
        link_in(message),
        data={"signer_name": "Lucie Roger", "signer_role": "Présidente", "accept": "y"},
    )
    assert response.status_code == 302
    assert services.active_signature(structure).version_id == version.id


def test_public_list_says_to_renew_during_the_grace_period(signed, agent, client):
    new_version(agent, rescore, today=date.today())
    page = html(client.get("/charte/signataires"))
    assert "Épicerie solidaire d'Arras" in page and "à renouveler avant le" in page


def test_public_list_leaves_out_signatures_not_renewed_in_time(signed, agent, client, login):
    new_version(agent, rescore, today=add_months(date.today(), -4))
    page = html(client.get("/charte/signataires"))
    assert "Épicerie solidaire d'Arras" not in page and "Aucune structure" in page
    login(agent)
    page = html(client.get("/secretariat/signatures"))
    assert "non renouvelée après la version 2" in page


def test_load_command_publishes_a_changed_file_as_major_and_emails(signed, app, tmp_path, outbox):
    text = services.DEFAULT_CHARTER.read_text(encoding="utf-8")
    changed = re.sub(r"(- code: GOV-04\n(?:.*\n){2}        points:) 2", r"\1 3", text)
    assert changed != text
    path = tmp_path / "charte.yaml"
    path.write_text(changed, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["charter", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "(publiée, majeure)" in result.output and "de nouveau avant le" in result.output
    assert [m["To"] for m in outbox()] == [signed[2].email]


# --- the secretariat's pages -----------------------------------------------------------------


@pytest.fixture
def secretariat(agent, login):
    login(agent)
    return agent


def test_diff_page_says_which_kind_a_draft_is(client, charter, secretariat):
    draft = services.start_draft(secretariat)
    reword(draft)
    db.session.commit()
    page = html(client.get(f"/secretariat/charte/{draft.id}/differences"))
    assert "cette version est mineure" in page and "GOV-01 reformulé : aide" in page
    assert "Nature de cette version" in page and 'value="minor"' in page and 'value="major"' in page
    rescore(draft)
    db.session.commit()
    page = html(client.get(f"/secretariat/charte/{draft.id}/differences"))
    assert "cette version est majeure" in page and "GOV-04 modifié : points" in page


def test_publishing_a_major_change_as_minor_is_refused_next_to_the_control(
    client, charter, secretariat, outbox
):
    draft = services.start_draft(secretariat)
    rescore(draft)
    db.session.commit()
    response = client.post(f"/secretariat/charte/{draft.id}/publier", data={"kind": "minor"})
    assert response.status_code == 400
    error = re.search(r'<p class="error-message" id="kind-erreur">(.*?)</p>', html(response), re.S)
    assert error and "elle est majeure" in error.group(1)
    assert "GOV-04 modifié : points" in error.group(1)
    db.session.expire_all()
    assert draft.status is CharterStatus.draft and charter.status is CharterStatus.published

    response = client.post(f"/secretariat/charte/{draft.id}/publier", data={})
    assert response.status_code == 400
    assert "Indiquez si cette version est mineure ou majeure." in html(response)

    response = client.post(
        f"/secretariat/charte/{draft.id}/publier", data={"kind": "major"}, follow_redirects=True
    )
    db.session.expire_all()
    assert draft.status is CharterStatus.published and draft.kind is VersionKind.major
    assert "Version 2 publiée, majeure" in html(response)


def test_publishing_a_minor_version_from_the_page(client, charter, secretariat, signed, outbox):
    draft = services.start_draft(secretariat)
    reword(draft)
    db.session.commit()
    response = client.post(
        f"/secretariat/charte/{draft.id}/publier", data={"kind": "minor"}, follow_redirects=True
    )
    db.session.expire_all()
    assert draft.kind is VersionKind.minor and "Version 2 publiée, mineure" in html(response)
    assert outbox() == []
