"""A session from planning to minutes, through the services: agenda, rapporteurs, conflicts,
proxies, convocation, attendance, quorum, open and secret votes, casting vote, minutes."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from pypdf import PdfReader

from cdess.applications.models import State
from cdess.extensions import db
from cdess.sessions import convocation, live, services
from cdess.sessions.models import BallotReceipt, Choice, SessionStatus, Vote, VoteStatus
from cdess.sessions.rules import Outcome
from cdess.structures.models import Membership


def on_its_day(session, days: int = 0):
    """The session takes place today (or `days` from today): the fixture plans it a month
    ahead, and a session opens only on its day."""
    day = live.local_date() + timedelta(days=days)
    session.starts_at = datetime.combine(day, time(14))
    session.deadline = day - timedelta(days=20)
    db.session.flush()


def convened(planned, files, council):
    """Every file on the agenda with a rapporteur; the session convened, taking place today."""
    for application in files:
        services.add_item(planned, application, council["secretariat"])
    for item in planned.items:
        services.assign_rapporteur(item, council["members"][0])
    live.convene(planned, council["secretariat"])
    on_its_day(planned)
    db.session.commit()
    return planned.items


def agenda(planned, files, council):
    """The same, opened (the secretariat's agent opening it is the secretary of the meeting)."""
    items = convened(planned, files, council)
    live.open_session(planned, council["secretariat"])
    db.session.commit()
    return items


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


# --- a session opens on its day, with its secretary -------------------------------------------


def test_a_session_opens_only_on_its_day(app, planned, files, council):
    convened(planned, files[:1], council)
    on_its_day(planned, days=1)
    with pytest.raises(services.SessionError, match="ne s'ouvre que le jour prévu, le "):
        live.open_session(planned, council["secretariat"])
    db.session.rollback()
    assert planned.status is SessionStatus.convened
    # A setting tolerates a few days.
    app.config["SESSION_OPEN_TOLERANCE_DAYS"] = 1
    on_its_day(planned, days=-2)
    with pytest.raises(services.SessionError, match="au plus 1 jour"):
        live.open_session(planned, council["secretariat"])
    db.session.rollback()
    on_its_day(planned, days=-1)
    live.open_session(planned, council["secretariat"])
    db.session.commit()
    assert planned.status is SessionStatus.open


def test_the_moment_given_is_the_day_checked_in_the_departements_time(app, planned, files, council):
    convened(planned, files[:1], council)
    planned.starts_at = datetime(2026, 5, 20, 14)
    planned.deadline = date(2026, 3, 31)
    db.session.commit()
    # 19 May, 22:30 UTC is already 20 May, 00:30 in Arras (summer time).
    with pytest.raises(services.SessionError, match="nous sommes le 19/05/2026"):
        live.open_session(planned, council["secretariat"], at=datetime(2026, 5, 19, 21, 30))
    db.session.rollback()
    live.open_session(planned, council["secretariat"], at=datetime(2026, 5, 19, 22, 30))
    db.session.commit()
    assert planned.opened_at == datetime(2026, 5, 19, 22, 30)


def test_the_secretary_of_the_meeting(app, planned, files, council, people):
    convened(planned, files[:1], council)
    president, member = council["president"], council["members"][2]
    candidates = {u.id for u in live.secretary_candidates()}
    assert council["secretariat"].id in candidates and member.id in candidates
    assert council["consultative"].id in candidates  # a member, with or without a vote
    assert president.id not in candidates and people["applicant"].id not in candidates
    with pytest.raises(services.SessionError, match="Choisissez le secrétaire de séance"):
        live.open_session(planned, president)  # the president is never the secretary
    with pytest.raises(services.SessionError, match="autre que le président"):
        live.open_session(planned, president, secretary=president)
    with pytest.raises(services.SessionError, match="ne peut pas l'être"):
        live.open_session(planned, president, secretary=people["applicant"])
    db.session.rollback()
    assert planned.status is SessionStatus.convened and planned.secretary_id is None
    live.open_session(planned, president, secretary=member)
    db.session.commit()
    assert planned.secretary == member


# --- the quorum held through a vote -----------------------------------------------------------


def test_a_vote_whose_quorum_was_lost_cannot_be_closed_and_is_annulled(
    app, planned, files, council
):
    items = agenda(planned, files, council)
    members, president = council["members"], council["president"]
    check_in(planned, *members[:3])  # 3 of 6: exactly the quorum
    live.open_vote(items[0], president)
    db.session.commit()
    assert items[0].quorum_at_open["present_or_represented"] == 3
    assert set(items[0].quorum_at_open["members"]) == {m.id for m in members[:3]}
    live.cast(items[0], members[0], members[0].id, Choice.pour)
    live.cast(items[0], members[2], members[2].id, Choice.contre)
    db.session.commit()
    with pytest.raises(services.SessionError, match="Le quorum est atteint : clôturez le vote"):
        live.annul_vote(items[0], president)
    db.session.rollback()
    live.check_out(planned, members[2])
    db.session.commit()
    # Closing is refused: who left, and the numbers now and at the opening.
    with pytest.raises(services.SessionError) as refused:
        live.close_vote(items[0], president)
    db.session.rollback()
    message = str(refused.value)
    assert message.startswith("Quorum perdu : le vote ne peut pas être clos.")
    assert "2 présents ou représentés sur 6 membres votants non récusés, 3 requis" in message
    assert "(3 à l'ouverture du vote)" in message
    assert f"Ont quitté la séance depuis l'ouverture du vote : {members[2].display_name}." in (
        message
    )
    assert items[0].vote_status is VoteStatus.open and files[0].state is State.scheduled
    # The president annuls: ballots gone, the item pending again, still on the agenda.
    live.annul_vote(items[0], president)
    db.session.commit()
    db.session.expire_all()
    assert items[0].vote_status is VoteStatus.pending and items[0].quorum_at_open is None
    assert items[0] in planned.items and files[0].state is State.scheduled
    assert db.session.execute(db.select(Vote).filter_by(item_id=items[0].id)).first() is None
    (annulment,) = items[0].annulments
    assert annulment.by_id == president.id and annulment.by_name == president.display_name
    assert annulment.ballots == 2 and annulment.left == [members[2].display_name]
    assert annulment.quorum_at_open["present_or_represented"] == 3
    assert annulment.quorum_at_close["present_or_represented"] == 2
    with pytest.raises(services.SessionError, match="pas ouvert"):
        live.annul_vote(items[0], president)
    db.session.rollback()
    # Later the member comes back, the vote reopens and closes.
    check_in(planned, members[2])
    live.open_vote(items[0], president)
    for member in members[:3]:
        live.cast(items[0], member, member.id, Choice.pour)
    tally = live.close_vote(items[0], president)
    db.session.commit()
    assert tally.outcome is Outcome.granted and files[0].state is State.granted
    assert items[0].result["counts"] == {"pour": 3, "contre": 0, "abstention": 0}
    assert items[0].result["quorum_at_open"]["present_or_represented"] == 3
    assert items[0].result["quorum_at_close"]["present_or_represented"] == 3


def test_a_secret_ballot_annulled_starts_again_from_nothing(app, planned, files, council):
    items = agenda(planned, files, council)
    members, president = council["members"], council["president"]
    services.set_ballot(items[0], True)
    check_in(planned, *members[:3])
    live.open_vote(items[0], president)
    for member in members[:3]:
        live.cast(items[0], member, member.id, Choice.contre)
    live.check_out(planned, members[0])
    live.check_out(planned, members[1])
    db.session.commit()
    live.annul_vote(items[0], president)
    db.session.commit()
    db.session.expire_all()
    assert (items[0].secret_pour, items[0].secret_contre, items[0].secret_abstention) == (0, 0, 0)
    assert db.session.execute(db.select(BallotReceipt)).first() is None
    assert items[0].annulments[0].ballots == 3
    assert set(items[0].annulments[0].left) == {m.display_name for m in members[:2]}
    # Voted again, each member votes once more.
    check_in(planned, members[0], members[1])
    live.open_vote(items[0], president)
    for member in members[:3]:
        live.cast(items[0], member, member.id, Choice.pour)
    tally = live.close_vote(items[0], president)
    db.session.commit()
    assert (tally.pour, tally.contre) == (3, 0) and files[0].state is State.granted


def test_a_proxy_whose_holder_left_is_no_longer_represented(app, planned, files, council):
    items = agenda(planned, files, council)
    members, president = council["members"], council["president"]
    check_in(planned, *members[:2])
    services.give_proxy(planned, members[4], members[1])
    db.session.commit()
    live.open_vote(items[0], president)
    db.session.commit()
    assert items[0].quorum_at_open["represented_members"] == [members[4].id]
    live.check_out(planned, members[1])
    db.session.commit()
    with pytest.raises(services.SessionError) as refused:
        live.close_vote(items[0], president)
    db.session.rollback()
    assert f"Ne sont plus représentés : {members[4].display_name}." in str(refused.value)


# --- proxies in an open session ---------------------------------------------------------------


def test_in_an_open_session_a_proxy_goes_only_to_a_member_present(app, planned, files, council):
    convened(planned, files[:1], council)
    members = council["members"]
    # Before the session, to anyone: inactive only once the session is open without them.
    live.give_proxy(planned, members[4], members[3])
    db.session.commit()
    assert live.inactive_givers(planned) == frozenset()
    live.open_session(planned, council["secretariat"])
    db.session.commit()
    assert live.inactive_givers(planned) == {members[4].id}
    with pytest.raises(services.SessionError, match="qu'à un membre présent"):
        live.give_proxy(planned, members[2], members[1])
    db.session.rollback()
    assert {p.giver_id for p in planned.proxies} == {members[4].id}
    check_in(planned, members[1])
    live.give_proxy(planned, members[2], members[1])
    db.session.commit()
    # The holder who comes makes the proxy active, even after leaving again.
    check_in(planned, members[3])
    live.check_out(planned, members[3])
    db.session.commit()
    assert live.inactive_givers(planned) == frozenset()


# --- the minutes ------------------------------------------------------------------------------


def minutes_text(session) -> str:
    reader = PdfReader(io.BytesIO(session.minutes_pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_complete_minutes(app, planned, files, council):
    members, president = council["members"], council["president"]
    secretary = council["secretariat"]
    items = convened(planned, files[:2], council)
    services.give_proxy(planned, members[4], members[3])  # members[3] never comes: inactive
    db.session.commit()
    live.open_session(planned, president, secretary=secretary)
    check_in(planned, president, *members[:3], council["consultative"])
    # Item 1: annulled after a member leaves, voted again.
    live.open_vote(items[0], president)
    live.cast(items[0], members[0], members[0].id, Choice.pour)
    live.check_out(planned, members[0])
    live.check_out(planned, members[1])
    live.annul_vote(items[0], president)
    check_in(planned, members[0], members[1])
    live.open_vote(items[0], president)
    for member in (president, *members[:3]):
        live.cast(items[0], member, member.id, Choice.pour)
    live.close_vote(items[0], president)
    # Item 2: a member leaves after the vote opens, the quorum still holds.
    live.open_vote(items[1], president)
    live.check_out(planned, members[2])
    live.cast(items[1], members[0], members[0].id, Choice.contre)
    live.close_vote(items[1], president)
    live.close_session(planned, president)
    db.session.commit()
    text = minutes_text(planned)
    # Voting and consultative members counted apart (the consultative one came too).
    assert "Membres ayant voix délibérative : 4 présents, 0 représentés, sur 6." in text
    assert "Membres à voix consultative : 1 présents sur 1." in text
    assert f"Présidence : {president.display_name}." in text
    assert f"Secrétaire de séance : {secretary.display_name}." in text
    # The proxy to a member who never came is inactive.
    assert (
        f"{members[4].display_name} a donné pouvoir à {members[3].display_name} "
        f"(inactif : {members[3].display_name} n'est pas venu à la séance)"
    ) in text
    assert "Pouvoirs inactifs, leur détenteur n'étant pas venu : 1" in text
    # Each item's quorum at opening and closing; the annulment.
    assert text.count("Quorum à l'ouverture du vote : 4 présents ou représentés sur 6") == 2
    assert "Quorum à la clôture du vote : 4 présents ou représentés sur 6" in text
    assert "Quorum à la clôture du vote : 3 présents ou représentés sur 6" in text
    assert f"par {president.display_name}, faute de quorum ; ses 1 bulletin(s)" in text
    assert "Quorum à son annulation : 2 présents ou représentés sur 6" in text
    assert "Avaient quitté la séance : " in text
    # A member who left is present, with the time they left.
    assert "présent (parti à " in text
    # Signatures of the president and the secretary.
    assert "Le président" in text and "Le secrétaire de séance" in text
    assert text.count("Signature") == 2
