"""A label's life in the journal: issue (its certificate prints the head before its own
entry), proposals and answers, the council's decisions, the urgent suspension, re-issue,
expiry; a refused change leaves no entry."""

from datetime import timedelta

import pytest

from cdess.audit import services as audit
from cdess.audit.models import AuditEntry
from cdess.certificates import services
from cdess.certificates.models import ProposalAction
from cdess.extensions import db
from tests.factories import audit_count, council_vote


def entries(certificate) -> list[AuditEntry]:
    return list(
        db.session.execute(
            db.select(AuditEntry)
            .filter_by(subject_kind="certificate", subject_id=certificate.id)
            .order_by(AuditEntry.id)
        ).scalars()
    )


def test_every_change_of_a_label_is_journalled(app, grant, people):
    agent, president = people["secretariat"], people["president"]
    certificate = services.issue(grant(name="Recyclerie du Ternois"), agent)
    db.session.commit()
    (issued,) = entries(certificate)
    assert (issued.action, issued.actor_id, issued.to_state) == (
        "certificate_issued",
        agent.id,
        "valid",
    )
    assert issued.detail["sha256"] == certificate.sha256
    # The certificate prints the head just before its own entry: an anchor verify checks.
    printed = certificate.snapshot["journal"]
    assert printed == {"count": audit_count() - 1, "head": issued.prev_hash}
    assert audit.verify().anchors_checked == 1

    services.propose(certificate, ProposalAction.suspend, agent, "Comptes non déposés")
    proposal = services.open_proposal(certificate)
    services.answer(proposal, people["applicant"], "Les comptes sont en cours de certification.")
    item = council_vote(certificate)
    item.proposal = proposal
    services.decide(item, "granted", president)  # the council's vote closed for it
    later = council_vote(certificate)
    services.change_status(certificate, "reinstate", president, "Comptes déposés", item=later)
    services.suspend_urgently(certificate, president, "Fermeture administrative")
    new = services.reissue(certificate, agent, "Nom corrigé")
    db.session.commit()

    steps = [
        (e.action, e.actor_name, e.reason, e.from_state, e.to_state) for e in entries(certificate)
    ]
    assert steps[1:] == [
        ("status_proposed", agent.display_name, "Comptes non déposés", "", ""),
        (
            "proposal_answered",
            people["applicant"].display_name,
            "Les comptes sont en cours de certification.",
            "",
            "",
        ),
        (
            "status_changed",
            president.display_name,
            "Décision du conseil du 20/11/2026 : Comptes non déposés",
            "valid",
            "suspended",
        ),
        ("status_changed", president.display_name, "Comptes déposés", "suspended", "valid"),
        (
            "status_changed",
            president.display_name,
            "Fermeture administrative",
            "valid",
            "suspended",
        ),
        ("certificate_reissued", agent.display_name, "Nom corrigé", "suspended", "superseded"),
    ]
    decided = entries(certificate)[3]
    assert decided.detail["agenda_item"] == item.id and decided.detail["urgent"] is False
    assert entries(certificate)[5].detail["urgent"] is True
    assert entries(certificate)[6].detail == {"new_number": new.number}
    assert [e.action for e in entries(new)] == ["certificate_issued"]

    # A label that ends is journalled by the application itself.
    other = services.issue(grant(name="Épicerie solidaire"), agent)
    db.session.commit()
    assert services.expire(other.valid_until + timedelta(days=1)) == 1
    db.session.commit()
    expired = entries(other)[-1]
    assert (expired.action, expired.actor_id, expired.actor_name) == ("expired", None, "cdess")
    assert audit.verify().intact


@pytest.mark.parametrize("name", ["suspend", "revoke"])
def test_a_status_change_outside_the_council_leaves_no_entry(app, grant, people, name):
    certificate = services.issue(grant(), people["secretariat"])
    db.session.commit()
    before = audit_count()
    with pytest.raises(services.CertificateError):
        services.change_status(certificate, name, people["secretariat"], "Décision")
    db.session.rollback()
    assert audit_count() == before
