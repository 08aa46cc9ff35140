"""A label's status is the council's decision: the secretariat proposes, the structure answers,
the council votes; the president may suspend urgently, to be confirmed. Every change is kept."""

import pytest

from cdess.certificates import services
from cdess.certificates.models import CertificateStatus as Status
from cdess.certificates.models import ProposalAction, ProposalState
from cdess.extensions import db
from cdess.sessions import services as sessions
from cdess.sessions.models import ItemKind
from tests.factories import council_vote, future_session


@pytest.fixture
def upcoming(app):
    session = future_session()
    db.session.commit()
    return session


def test_no_status_change_outside_a_council_decision(certificate, people):
    for name in ("suspend", "revoke"):
        with pytest.raises(services.CertificateError, match="Seul le conseil"):
            services.change_status(certificate, name, people["secretariat"], "Décision")
    with pytest.raises(services.CertificateError, match="Seul le conseil"):
        services.change_status(certificate, "revoke", people["president"], "Vite", urgent=True)
    assert certificate.status is Status.valid
    assert [c.to_status for c in certificate.history] == ["valid"]  # its issue


def test_every_change_is_kept_with_who_when_why_and_which_decision(certificate, people):
    first = council_vote(certificate)
    services.change_status(certificate, "suspend", people["secretariat"], "Enquête", item=first)
    second = council_vote(certificate)
    services.change_status(certificate, "reinstate", people["secretariat"], "Levée", item=second)
    db.session.commit()
    rows = [(c.from_status, c.to_status, c.reason, c.item_id) for c in certificate.history]
    assert rows == [
        ("", "valid", "Certificat délivré.", None),
        ("valid", "suspended", "Enquête", first.id),
        ("suspended", "valid", "Levée", second.id),
    ]
    assert all(c.actor_name == people["secretariat"].display_name for c in certificate.history)


@pytest.mark.parametrize(
    ("action", "status", "allowed"),
    [
        (ProposalAction.suspend, Status.valid, True),
        (ProposalAction.revoke, Status.valid, True),
        (ProposalAction.revoke, Status.suspended, True),
        (ProposalAction.reinstate, Status.suspended, True),
        (ProposalAction.reinstate, Status.valid, False),
        (ProposalAction.suspend, Status.suspended, False),
        (ProposalAction.suspend, Status.revoked, False),
        (ProposalAction.confirm, Status.suspended, False),  # only after an urgent suspension
    ],
)
def test_what_may_be_proposed(certificate, people, action, status, allowed):
    certificate.status = status
    db.session.flush()
    if allowed:
        assert (
            services.propose(certificate, action, people["secretariat"], "Rapport").action is action
        )
    else:
        with pytest.raises(services.CertificateError):
            services.propose(certificate, action, people["secretariat"], "Rapport")


def test_a_proposal_needs_a_report_and_is_alone(certificate, people):
    with pytest.raises(services.CertificateError, match="rapport"):
        services.propose(certificate, ProposalAction.suspend, people["secretariat"], " \x00 ")
    services.propose(certificate, ProposalAction.suspend, people["secretariat"], "Rapport")
    with pytest.raises(services.CertificateError, match="attend déjà"):
        services.propose(certificate, ProposalAction.revoke, people["secretariat"], "Autre")


def test_on_the_agenda_with_the_structure_recused_then_decided(
    certificate, people, upcoming, create_user
):
    from cdess.accounts.models import Role
    from cdess.structures.models import Membership

    member = create_user(Role.council_member, voting_right=True)
    db.session.add(Membership(user_id=member.id, structure_id=certificate.structure_id))
    proposal = services.propose(
        certificate, ProposalAction.suspend, people["secretariat"], "AG non tenue depuis 2024."
    )
    services.answer(proposal, people["applicant"], "L'AG se tient le 12 janvier.")
    item = services.schedule(upcoming, proposal, people["secretariat"])
    db.session.commit()
    assert item.kind is ItemKind.proposal and item.application_id == certificate.application_id
    assert member.id in sessions.recused_ids(item)  # the structure's own member
    assert item.subject == "Proposition de suspension du label — Recyclerie du Ternois"
    assert services.proposals_to_schedule() == []
    with pytest.raises(sessions.SessionError):
        services.schedule(upcoming, proposal, people["secretariat"])
    # The council's vote: deferred keeps it open; granted suspends the label.
    assert services.decide(item, "deferred", people["president"]) is None
    assert proposal.state is ProposalState.open
    change = services.decide(item, "granted", people["president"])
    assert certificate.status is Status.suspended and change.item_id == item.id
    assert proposal.state is ProposalState.decided
    assert "AG non tenue depuis 2024." in change.reason
    with pytest.raises(services.CertificateError, match="a commencé à examiner"):
        services.answer(proposal, people["applicant"], "Trop tard")


def test_a_refused_proposal_changes_nothing(certificate, people, upcoming):
    proposal = services.propose(certificate, ProposalAction.revoke, people["secretariat"], "R")
    item = services.schedule(upcoming, proposal, people["secretariat"])
    assert services.decide(item, "refused", people["president"]) is None
    assert certificate.status is Status.valid and proposal.state is ProposalState.decided


@pytest.mark.parametrize(
    ("outcome", "status"), [("granted", Status.suspended), ("refused", Status.valid)]
)
def test_an_urgent_suspension_is_confirmed_or_lifted_by_the_next_session(
    certificate, people, upcoming, outcome, status
):
    proposal = services.suspend_urgently(certificate, people["president"], "Fraude signalée")
    assert certificate.status is Status.suspended and certificate.history[-1].urgent
    assert proposal.action is ProposalAction.confirm
    item = services.schedule(upcoming, proposal, people["secretariat"])
    services.decide(item, outcome, people["president"])
    assert certificate.status is status
    assert certificate.history[-1].item_id == item.id and not certificate.history[-1].urgent


def test_answers_are_checked(certificate, people):
    proposal = services.propose(certificate, ProposalAction.suspend, people["secretariat"], "R")
    with pytest.raises(services.CertificateError, match="Écrivez"):
        services.answer(proposal, people["applicant"], "   ")
    with pytest.raises(services.CertificateError, match="trop longue"):
        services.answer(proposal, people["applicant"], "x" * 5001)
    services.answer(proposal, people["applicant"], "Notre réponse\x00.")
    assert proposal.answer == "Notre réponse." and proposal.answered_at is not None
