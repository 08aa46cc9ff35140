"""Retention periods (`flask retention`): accounts never confirmed, drafts untouched, accounts
inactive after an emailed warning; dry run; run twice."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cdess.accounts.models import Role, User
from cdess.applications import evidence
from cdess.applications import services as applications
from cdess.applications.models import Application, DocumentKind, State
from cdess.audit import services as audit
from cdess.audit.models import AuditEntry
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.privacy import retention
from tests.factories import snapshot, upload

NOW = datetime(2030, 6, 15, 3, 0)
DAY = timedelta(days=1)


def actions(action: str) -> list[AuditEntry]:
    return list(
        db.session.execute(db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id))
        .scalars()
        .all()
    )


def exists(user_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(User, user_id) is not None


@pytest.mark.parametrize(
    ("age_days", "confirmed", "purged"),
    [(29, False, False), (30, False, False), (31, False, True), (400, True, False)],
    ids=["29 days", "30 days", "31 days", "confirmed"],
)
def test_unconfirmed_accounts_go_after_30_days(create_user, age_days, confirmed, purged):
    user = create_user(Role.applicant, confirmed=confirmed)
    user.created_at = NOW - age_days * DAY
    if confirmed:
        user.email_confirmed_at = user.last_login_at = NOW - DAY
    db.session.commit()
    report = retention.run(NOW)
    db.session.commit()
    assert (user.id in report.unconfirmed) is purged
    assert exists(user.id) is not purged
    if purged:
        purge = actions("account_purged")[-1]
        assert purge.subject_id == user.id and purge.reason == "unconfirmed"
        assert user.email not in str([e.detail for e in actions("account_created")])
        assert audit.verify().intact


@pytest.mark.parametrize(
    ("untouched", "purged"),
    [(NOW - datetime(2028, 6, 15, 3, 0), False), (NOW - datetime(2028, 6, 14, 3, 0), True)],
    ids=["two years to the day", "two years and a day"],
)
def test_drafts_untouched_for_two_years_go_with_their_files(app, ready, people, untouched, purged):
    structure, _assessment = ready
    draft = applications.create(structure, people["applicant"])
    document, _ = evidence.store(draft, upload(), people["applicant"], DocumentKind.statutes)
    submitted = Application(structure_id=structure.id, state=State.withdrawn)
    db.session.add(submitted)
    db.session.flush()
    draft.updated_at = submitted.updated_at = NOW - untouched
    db.session.commit()
    stored = Path(app.config["UPLOAD_DIR"]) / document.stored_name
    draft_id, submitted_id = draft.id, submitted.id
    assert stored.exists()
    report = retention.run(NOW)
    assert stored.exists()  # not before the commit
    db.session.commit()
    db.session.expire_all()
    assert report.drafts == ([draft_id] if purged else [])
    assert (db.session.get(Application, draft_id) is None) is purged
    assert stored.exists() is not purged
    assert db.session.get(Application, submitted_id) is not None  # only drafts
    if purged:
        assert actions("draft_purged")[-1].subject_id == draft_id


def _inactive(create_user, last_login: datetime, role=Role.applicant, **fields):
    user = create_user(role, **fields)
    user.created_at = user.email_confirmed_at = datetime(2020, 1, 1)
    user.last_login_at = last_login
    db.session.commit()
    return user


# Three years before NOW is 2027-06-15 03:00; the warning goes 30 days before that.
@pytest.mark.parametrize(
    ("last_login", "warned"),
    [
        (datetime(2027, 7, 16, 3, 0), False),  # 31 days short of three years
        (datetime(2027, 7, 14, 3, 0), True),  # 29 days short
        (datetime(2027, 1, 1), True),  # past three years, never warned: warned first
    ],
    ids=["31 days short", "29 days short", "past, never warned"],
)
def test_inactive_accounts_are_warned_once(create_user, outbox, last_login, warned):
    user = _inactive(create_user, last_login)
    report = retention.run(NOW)
    db.session.commit()
    assert (report.warned == [user.id]) is warned and report.inactive == []
    sent = [m for m in outbox() if m["To"] == user.email]
    assert len(sent) == (1 if warned else 0)
    if warned:
        assert "supprimé" in str(sent[0]["Subject"])
        assert db.session.get(User, user.id).inactivity_warned_at == NOW
        # The next day: no second warning, nothing erased (30 days have not passed).
        again = retention.run(NOW + DAY)
        db.session.commit()
        assert again.warned == [] and again.inactive == []
        assert len([m for m in outbox() if m["To"] == user.email]) == 1


@pytest.mark.parametrize(
    ("days_after_warning", "erased"),
    [(29, False), (30, True)],
    ids=["29 days after the warning", "30 days after"],
)
def test_inactive_accounts_go_30_days_after_the_warning(create_user, days_after_warning, erased):
    user = _inactive(create_user, datetime(2027, 1, 1))
    retention.run(NOW)
    db.session.commit()
    report = retention.run(NOW + days_after_warning * DAY)
    db.session.commit()
    assert (report.inactive == [user.id]) is erased
    assert exists(user.id) is not erased  # nothing keeps it: deleted


def test_a_login_clears_the_warning(client, create_user, login):
    user = _inactive(create_user, datetime(2027, 1, 1))
    retention.run(NOW)
    db.session.commit()
    login(user)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.inactivity_warned_at is None and user.last_login_at != datetime(2027, 1, 1)
    # Its count starts again from the login (today), far from three years.
    report = retention.run(utcnow() + 31 * DAY)
    db.session.commit()
    assert report.inactive == [] and exists(user.id)


def test_council_members_staff_and_legal_records_are_pseudonymised_not_deleted(
    create_user, ready, people
):
    _structure, _assessment = ready  # the applicant signed the charter: a legal record
    applicant = people["applicant"]
    member = _inactive(create_user, datetime(2027, 1, 1), Role.council_member)
    agent = _inactive(create_user, datetime(2027, 1, 1), Role.secretariat)
    for user in (applicant,):
        user.created_at = user.email_confirmed_at = datetime(2020, 1, 1)
        user.last_login_at = datetime(2027, 1, 1)
    for user in (people["other"], people["secretariat"], people["president"], people["member"]):
        user.last_login_at = NOW  # active
    db.session.commit()
    retention.run(NOW)
    db.session.commit()
    report = retention.run(NOW + 30 * DAY)
    db.session.commit()
    assert sorted(report.inactive) == sorted([applicant.id, member.id, agent.id])
    assert report.deleted == []
    for user_id in (applicant.id, member.id, agent.id):
        kept = db.session.get(User, user_id)
        assert kept.display_name == f"Compte supprimé n° {user_id}" and kept.erased_at
    assert audit.verify().intact


def test_dry_run_changes_nothing_and_twice_is_harmless(app, create_user, outbox, ready, people):
    structure, _assessment = ready
    for user in people.values():
        user.last_login_at = NOW  # active
    draft = applications.create(structure, people["applicant"])
    draft.updated_at = datetime(2020, 1, 1)
    stale = create_user(Role.applicant, confirmed=False)
    stale.created_at = NOW - 60 * DAY
    _inactive(create_user, datetime(2027, 1, 1))
    db.session.commit()
    before = snapshot(app)
    report = retention.run(NOW, dry_run=True)
    db.session.rollback()
    assert report.unconfirmed == [stale.id] and report.drafts == [draft.id]
    assert len(report.warned) == 1
    assert snapshot(app) == before and outbox() == []
    first = retention.run(NOW)
    db.session.commit()
    assert first.unconfirmed and first.drafts and first.warned
    second = retention.run(NOW)
    db.session.commit()
    assert (second.unconfirmed, second.drafts, second.warned, second.inactive) == ([], [], [], [])


def test_the_command_runs_daily_and_says_what_it_did(app, create_user, outbox):
    stale = create_user(Role.applicant, confirmed=False)
    stale.created_at = utcnow() - 40 * DAY
    old = create_user(Role.applicant)
    old.last_login_at = utcnow() - 4 * 365 * DAY
    db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Simulation" in dry.output
    assert "Comptes jamais confirmés à supprimer\u00a0: 1" in dry.output
    assert exists(stale.id) and outbox() == []
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "Comptes jamais confirmés supprimés\u00a0: 1" in result.output
    assert "Comptes inactifs avertis\u00a0: 1" in result.output
    assert not exists(stale.id)
    assert [m["To"] for m in outbox()] == [old.email]  # in the outbox, after the commit
    again = runner.invoke(args=["retention"])
    assert "Comptes inactifs avertis\u00a0: 0" in again.output
    assert len(outbox()) == 1


def test_an_erasure_refused_waits_and_is_reported(create_user, ready, people):
    """The last person of a structure whose file runs is not erased: it waits for a later day."""
    structure, _assessment = ready
    applicant = people["applicant"]
    running = Application(structure_id=structure.id, state=State.submitted)
    db.session.add(running)
    for user in people.values():
        user.last_login_at = NOW
    applicant.last_login_at = datetime(2027, 1, 1)
    db.session.commit()
    retention.run(NOW)
    db.session.commit()
    report = retention.run(NOW + 30 * DAY)
    db.session.commit()
    assert report.inactive == [] and [w[0] for w in report.waiting] == [applicant.id]
    assert "dernier à agir" in report.lines()[-1]
    assert db.session.get(User, applicant.id).erased_at is None
