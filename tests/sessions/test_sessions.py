"""A session from planning to minutes, through the services: agenda, rapporteurs, conflicts,
proxies, convocation, attendance, quorum, open and secret votes, casting vote, minutes."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from cdess.applications.models import State
from cdess.extensions import db
from cdess.sessions import convocation, live, services
from cdess.sessions.models import BallotReceipt, Choice, SessionStatus, Vote, VoteStatus
from cdess.sessions.rules import Outcome
from cdess.structures.models import Membership


def agenda(planned, files, council):
    """Every file on the agenda with a rapporteur; the session convened and opened."""
    for application in files:
        services.add_item(planned, application, council["secretariat"])
    for item in planned.items:
        services.assign_rapporteur(item, council["members"][0])
    live.convene(planned, council["secretariat"])
    live.open_session(planned, council["secretariat"])
    db.session.commit()
    return planned.items


def check_in(session, *members):
    for member in members:
        live.check_in(session, member)
    db.session.commit()


def test_planning_the_agenda(app, planned, files, council):
    assert services.proposals(planned) == files
    first = services.add_item(planned, files[0], council["secretariat"])
    second = services.add_item(planned, files[1], council["secretariat"])
    assert files[0].state is State.scheduled and services.proposals(planned) == files[2:]
    services.move_item(second, -1)
    assert [i.application for i in planned.items] == [files[1], files[0]]
    # A file removed before its vote goes back to admissible, proposed again.
    with pytest.raises(services.SessionError, match="motif"):
        services.remove_item(first, council["secretariat"], " ")
    services.remove_item(first, council["secretariat"], "Pièce à vérifier")
    assert files[0].state is State.admissible and [i.position for i in planned.items] == [1]
    # Convening needs rapporteurs; a planned session can be moved or cancelled.
    with pytest.raises(services.SessionError, match="rapporteur"):
        live.convene(planned, council["secretariat"])
    services.cancel_session(planned, council["secretariat"])
    assert planned.status is SessionStatus.cancelled and files[1].state is State.admissible


def test_members_of_the_structure_are_recused_and_cannot_report(app, planned, files, council):
    member = council["members"][1]
    db.session.add(Membership(user_id=member.id, structure_id=files[0].structure_id))
    db.session.commit()
    item = services.add_item(planned, files[0], council["secretariat"])
    assert member.id in services.recused_ids(item)
    with pytest.raises(services.SessionError, match="conflit"):
        services.assign_rapporteur(item, member)
    with pytest.raises(services.SessionError, match="automatique"):
        services.withdraw_conflict(item, member)
    # A declared conflict removes the member as rapporteur.
    services.assign_rapporteur(item, council["members"][2])
    services.declare_conflict(item, council["members"][2], "Ancienne trésorière")
    assert item.rapporteur_id is None


def test_a_member_who_joined_the_structure_since_is_recused_when_the_vote_opens(
    app, planned, files, council
):
    items = agenda(planned, files, council)
    members = council["members"]
    check_in(planned, *members[:4])
    assert members[3].id not in services.recused_ids(items[0])
    db.session.add(Membership(user_id=members[3].id, structure_id=files[0].structure_id))
    db.session.commit()
    live.open_vote(items[0], council["secretariat"])
    db.session.commit()
    assert members[3].id in services.recused_ids(items[0])
    with pytest.raises(services.SessionError, match="récusé"):
        live.cast(items[0], members[3], members[3].id, Choice.pour)


def test_proxies_change_between_votes_not_during_one(app, planned, files, council):
    items = agenda(planned, files, council)
    members = council["members"]
    check_in(planned, *members[:4])
    services.give_proxy(planned, members[4], members[1])
    db.session.commit()
    live.open_vote(items[0], council["secretariat"])
    live.cast(items[0], members[1], members[4].id, Choice.pour)
    db.session.commit()
    with pytest.raises(services.SessionError, match="entre deux votes"):
        services.withdraw_proxy(planned, members[4])
    with pytest.raises(services.SessionError, match="entre deux votes"):
        services.give_proxy(planned, members[2], members[3])
    db.session.rollback()
    live.close_vote(items[0], council["secretariat"])
    db.session.commit()
    services.withdraw_proxy(planned, members[4])  # between two votes: fine
    db.session.commit()
    assert planned.proxies == []


def test_convocation_emails_members_with_an_ics(app, planned, files, council, outbox):
    for application in files[:1]:
        services.add_item(planned, application, council["secretariat"])
    services.assign_rapporteur(planned.items[0], council["members"][0])
    live.convene(planned, council["secretariat"])
    db.session.commit()
    sent = convocation.send_convocations(planned)
    messages = outbox()
    assert sent == len(messages) == len(services.council_members()) + 1
    convocations = [m for m in messages if m["Subject"].startswith("Convocation")]
    assert len(convocations) == len(services.council_members())
    invite = convocations[0]
    (attachment,) = list(invite.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    ics = attachment.get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics and "DTSTART;TZID=Europe/Paris:" in ics
    assert files[0].structure.name in ics.replace("\r\n ", "")
    told = [m for m in messages if m["Subject"].startswith("Votre dossier")]
    assert len(told) == 1


def test_open_vote_quorum_proxy_and_decision(app, planned, files, council, outbox):
    items = agenda(planned, files, council)
    president, members = council["president"], council["members"]
    # 6 voting members: 3 is exactly half, the quorum.
    check_in(planned, members[0], members[1])
    with pytest.raises(services.SessionError, match="Quorum non atteint"):
        live.open_vote(items[0], council["secretariat"])
    services.give_proxy(planned, members[4], members[1])  # absent member 4 → present member 1
    db.session.commit()
    assert live.quorum(items[0]).reached
    live.open_vote(items[0], council["secretariat"])
    db.session.commit()
    assert live.ballots_of(items[0], members[1]) == [members[1].id, members[4].id]
    with pytest.raises(services.SessionError, match="Clôturez d'abord"):
        live.open_vote(items[1], council["secretariat"])
    live.cast(items[0], members[0], members[0].id, Choice.contre)
    live.cast(items[0], members[0], members[0].id, Choice.pour)  # changed before the close
    live.cast(items[0], members[1], members[1].id, Choice.pour)
    live.cast(items[0], members[1], members[4].id, Choice.abstention)
    db.session.commit()
    with pytest.raises(services.SessionError, match="ne pouvez pas voter"):
        live.cast(items[0], members[1], members[0].id, Choice.contre)  # someone else's vote
    with pytest.raises(services.SessionError, match="ne pouvez pas voter"):
        live.cast(items[0], members[2], members[2].id, Choice.contre)  # not checked in
    db.session.rollback()
    tally = live.close_vote(items[0], council["secretariat"])
    db.session.commit()
    assert tally.outcome is Outcome.granted and (tally.pour, tally.contre) == (2, 0)
    assert items[0].vote_status is VoteStatus.closed and files[0].state is State.granted
    assert items[0].result["counts"] == {"pour": 2, "contre": 0, "abstention": 1}
    assert {v["member"] for v in items[0].result["votes"]} == {
        members[0].display_name,
        members[1].display_name,
        members[4].display_name,
    }
    # A closed vote is immutable.
    with pytest.raises(services.SessionError, match="pas ouvert"):
        live.cast(items[0], members[0], members[0].id, Choice.contre)
    db.session.rollback()
    with pytest.raises(services.SessionError):
        live.close_vote(items[0], council["secretariat"])
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(Vote.id))).scalar() == 3
    del president


def test_tie_in_an_open_vote_waits_for_the_president(app, planned, files, council):
    items = agenda(planned, files, council)
    president, members = council["president"], council["members"]
    check_in(planned, president, *members[:3])
    live.open_vote(items[0], president)
    live.cast(items[0], members[0], members[0].id, Choice.pour)
    live.cast(items[0], members[1], members[1].id, Choice.contre)
    live.cast(items[0], president, president.id, Choice.abstention)
    db.session.commit()
    pending = live.close_vote(items[0], president)
    assert pending.outcome is Outcome.pending_casting_vote
    db.session.expire_all()
    assert items[0].vote_status is VoteStatus.open  # nothing stands yet
    with pytest.raises(services.SessionError, match="Seul le président"):
        live.close_vote(items[0], council["secretariat"], Choice.pour)
    db.session.rollback()
    tally = live.close_vote(items[0], president, Choice.contre)
    db.session.commit()
    assert tally.outcome is Outcome.refused and items[0].casting_vote is Choice.contre
    assert files[0].state is State.refused


def test_secret_ballot_leaves_no_link_and_no_second_vote(app, planned, files, council):
    items = agenda(planned, files, council)
    members = council["members"]
    services.set_ballot(items[1], True)
    check_in(planned, *members)
    live.open_vote(items[0], council["secretariat"])
    live.close_vote(items[0], council["secretariat"])  # nobody voted: deferred
    live.open_vote(items[1], council["secretariat"])
    for member, choice in zip(
        members,
        [Choice.pour, Choice.pour, Choice.contre, Choice.contre, Choice.abstention],
        strict=True,
    ):
        live.cast(items[1], member, member.id, choice)
        db.session.commit()
    with pytest.raises(services.SessionError, match="définitif"):
        live.cast(items[1], members[0], members[0].id, Choice.contre)
    db.session.rollback()
    # The database itself: receipts carry no choice, counters carry no member.
    receipts = db.session.execute(db.select(BallotReceipt)).scalars().all()
    assert {r.member_id for r in receipts} == {m.id for m in members}
    assert set(BallotReceipt.__table__.columns.keys()) == {"item_id", "member_id"}
    assert db.session.execute(db.select(Vote).filter_by(item_id=items[1].id)).first() is None
    tally = live.close_vote(items[1], council["secretariat"])
    db.session.commit()
    assert tally.outcome is Outcome.deferred and "secret" in tally.explanation
    assert files[1].state is State.deferred and files[0].state is State.deferred
    assert items[1].result["votes"] == []


def test_closing_writes_the_minutes(app, planned, files, council):
    items = agenda(planned, files[:1], council)
    members = council["members"]
    check_in(planned, *members[:4])
    with pytest.raises(services.SessionError, match="pas été votés"):
        live.close_session(planned, council["secretariat"])
    live.open_vote(items[0], council["secretariat"])
    for member in members[:4]:
        live.cast(items[0], member, member.id, Choice.pour)
    live.close_vote(items[0], council["secretariat"])
    live.close_session(planned, council["secretariat"])
    db.session.commit()
    assert planned.status is SessionStatus.closed and planned.minutes_pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(planned.minutes_pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Procès-verbal" in text and files[0].structure.name in text
    assert "label attribué" in text and members[0].display_name in text
    assert "Page 1 / " in text
    # Closed: the rules it used are kept; nothing moves any more.
    assert planned.rules["quorum_fraction"] == "1/2"
    with pytest.raises(services.SessionError):
        services.move_item(items[0], 1)
    assert planned.closed_at.date() == date.today()
