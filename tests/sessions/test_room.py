"""The council room through the test client: the attendance sheet (one member, a whole collège,
with and without JavaScript), self check-in from the room's code, the room's screen and its
cheap refresh, the confirmation of an early close, and paper ballots entered by the president
— effects read back from the database, refusals said, crafted input never a 500."""

import io
from datetime import datetime, time, timedelta

import pytest
from pypdf import PdfReader

from cdess.accounts.models import College
from cdess.audit.models import AuditEntry
from cdess.extensions import db
from cdess.sessions import live, minutes, services
from cdess.sessions.models import (
    Attendance,
    BallotReceipt,
    Choice,
    SessionStatus,
    Vote,
    VoteStatus,
)
from tests.factories import html, statements

JSON = {"Accept": "application/json"}


def as_user(client, login, user):
    client.post("/compte/deconnexion")
    login(user)


@pytest.fixture
def room(app, council, files, planned):
    """The planned session with two files, convened and opened today; the members in two
    collèges (the consultative member in neither)."""
    colleges = db.session.execute(db.select(College).order_by(College.position)).scalars().all()
    everyone = [council["president"], *council["members"]]
    for n, member in enumerate(everyone):
        member.college = colleges[n % 2]
    for application in files[:2]:
        services.add_item(planned, application, council["secretariat"])
    for item in planned.items:
        services.assign_rapporteur(item, council["members"][0])
    live.convene(planned, council["secretariat"])
    day = live.local_date()
    planned.starts_at = datetime.combine(day, time(14))
    planned.deadline = day - timedelta(days=20)
    live.open_session(planned, council["secretariat"])
    db.session.commit()
    return {"session": planned, "items": planned.items, "colleges": colleges[:2], **council}


def present_ids(session):
    return set(
        db.session.execute(db.select(Attendance.user_id).filter_by(session_id=session.id)).scalars()
    )


def journal(kind):
    return db.session.execute(db.select(AuditEntry).filter_by(action=kind)).scalars().all()


def test_attendance_sheet_marks_members_with_and_without_javascript(client, login, room):
    session, members = room["session"], room["members"]
    login(room["secretariat"])
    url = f"/seances/{session.id}/presences"
    page = html(client.get(url))
    for college in room["colleges"]:
        assert college.name in page
    assert "Sans collège" in page  # the consultative member
    assert live.checkin_code(session) in page
    assert "0 membres présents." in page and "Quorum non atteint." in page

    # A plain form: back to the sheet, at the member's row.
    response = client.post(url, data={"member_id": members[0].id, "present": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}#membre-{members[0].id}")
    assert present_ids(session) == {members[0].id}
    # From attendance.js: JSON, the quorum and the count as the page says them.
    response = client.post(url, data={"member_id": members[1].id, "present": "1"}, headers=JSON)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] and body["present"] and body["count"] == "2 membres présents."
    assert "2 présents, 0 représentés" in body["quorum"]
    response = client.post(url, data={"member_id": members[1].id, "present": "0"}, headers=JSON)
    assert response.get_json()["present"] is False
    assert present_ids(session) == {members[0].id}
    assert len(journal("member_arrived")) == 2 and len(journal("member_left")) == 1

    # The search: a plain GET filters server-side.
    page = html(client.get(url, query_string={"q": members[2].display_name}))
    assert members[2].display_name in page and members[3].display_name not in page

    # « Tous présents » for one collège: one POST, every member of it.
    first = room["colleges"][0]
    response = client.post(f"{url}/college", data={"college_id": first.id})
    assert response.status_code == 302
    db.session.expire_all()
    expected = {m.id for m in [room["president"], *members] if m.college_id == first.id}
    assert present_ids(session) == expected | {members[0].id}
    # The members without a collège (0).
    client.post(f"{url}/college", data={"college_id": "0"})
    assert room["consultative"].id in present_ids(session)

    # Crafted input: 400, never a 500.
    for data in (
        {"member_id": "x", "present": "1"},
        {"member_id": members[0].id, "present": "2"},
        {"member_id": "999999", "present": "1"},
        {},
    ):
        assert client.post(url, data=data).status_code == 400
    assert client.post(f"{url}/college", data={"college_id": "abc"}).status_code == 400
    assert client.post(f"{url}/college", data={"college_id": "99999"}).status_code == 400
    assert client.get("/seances/999999/presences").status_code == 404


def test_the_rules_refuse_on_the_sheet(client, login, room, people):
    session = room["session"]
    login(room["secretariat"])
    url = f"/seances/{session.id}/presences"
    # Not a council member: refused, and the account is not named back (present or absent).
    for present in ("1", "0"):
        for headers in ({}, JSON):
            response = client.post(
                url, data={"member_id": people["applicant"].id, "present": present}, headers=headers
            )
            assert response.status_code == 400
            assert people["applicant"].display_name not in response.get_data(as_text=True)
    assert people["applicant"].id not in present_ids(session)
    # Once closed: the sheet reads, nothing is marked.
    for item in session.items:
        item.vote_status = VoteStatus.closed
    live.close_session(session, room["president"])
    db.session.commit()
    page = html(client.get(url))
    assert "La séance est close : l'émargement n'est plus possible." in page
    assert "marquer présent" not in page
    response = client.post(url, data={"member_id": room["members"][0].id, "present": "1"})
    assert "L'émargement se fait pendant la séance." in html(client.get(response.location))
    assert present_ids(session) == set()
    # Only whoever presides uses it.
    as_user(client, login, room["members"][0])
    assert client.get(url).status_code == 403
    assert client.post(url, data={"member_id": room["members"][0].id}).status_code == 403


def test_self_check_in_from_the_room_code(client, login, room, people):
    session, member = room["session"], room["members"][2]
    code = live.checkin_code(session)
    assert len(code) == 6 and set(code) <= set(live.CODE_ALPHABET)
    assert not set(code) & set("01OIL")
    url = f"/seances/{session.id}/presence/{code}"
    login(member)
    page = html(client.get(url))
    assert "Confirmez votre présence" in page and "Je suis présent(e)" in page
    assert present_ids(session) == set()  # opening the address checks nobody in
    response = client.post(url.lower())  # typed in lower case: the same code
    assert response.status_code == 302 and "/direct" in response.headers["Location"]
    assert present_ids(session) == {member.id}
    (entry,) = journal("member_arrived")
    assert entry.actor_id == member.id
    assert "déjà enregistré(e)" in html(client.get(url))
    # The code typed on the live page leads to its address.
    typed = client.get(f"/seances/{session.id}/emargement", query_string={"code": f" {code} "})
    assert typed.status_code == 302 and typed.headers["Location"].endswith(url)
    assert client.get(f"/seances/{session.id}/emargement").status_code == 200

    # A wrong code: refused, said in French.
    other = room["members"][3]
    as_user(client, login, other)
    for wrong in ("AAAAAA", "x", "é" * 30, "%00'--"):
        response = client.post(f"/seances/{session.id}/presence/{wrong}")
        assert response.status_code == 404
        assert "Ce code n'est pas celui de la séance" in html(response)
    # The message is tied to the field to type it again, and the summary leads there.
    page = html(response)
    assert 'aria-invalid="true" aria-describedby="code-salle-erreur"' in page
    assert '<a href="#code-salle">Ce code n' in page
    assert client.post(f"/seances/{session.id}/presence/a/b").status_code == 404
    assert other.id not in present_ids(session)
    # Not a member (the secretariat, an applicant): refused.
    for outsider in (room["secretariat"], people["applicant"]):
        as_user(client, login, outsider)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    # Closed: the old code no longer works, with the reason.
    for item in session.items:
        item.vote_status = VoteStatus.closed
    live.close_session(session, room["president"])
    db.session.commit()
    assert live.checkin_code(session) is None
    as_user(client, login, other)
    response = client.post(url)
    assert response.status_code == 409
    assert "La séance est close : l'émargement n'est plus possible." in html(response)
    assert other.id not in present_ids(session)


def test_the_code_changes_when_the_session_opens_again(app, room):
    session = room["session"]
    first = live.checkin_code(session)
    session.opened_at = session.opened_at + timedelta(minutes=5)
    assert live.checkin_code(session) != first
    session.status = SessionStatus.convened
    assert live.checkin_code(session) is None


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_wrong_codes_are_rate_limited(client, login, room):
    session, member = room["session"], room["members"][1]
    login(member)
    statuses = [
        client.post(f"/seances/{session.id}/presence/ZZZZZ{n % 9 + 2}").status_code
        for n in range(12)
    ]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429


def test_the_room_screen(client, login, room, people):
    session, items, members = room["session"], room["items"], room["members"]
    for m in members[:4]:
        live.check_in(session, m, room["secretariat"])
    db.session.commit()
    login(room["president"])
    page = html(client.get(f"/seances/{session.id}/ecran"))
    code = live.checkin_code(session)
    assert code in page and "data:image/svg+xml;base64," in page  # the QR code
    assert f"Point 1 — {items[0].subject}" in page and "Le vote n'est pas encore ouvert." in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript
    url = f"/seances/{session.id}/ecran/etat"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    live.open_vote(items[0], room["president"])
    live.cast(items[0], members[1], members[1].id, Choice.contre)
    db.session.commit()
    during = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    text = html(during)
    assert during.status_code == 200 and "Vote en cours" in text
    assert "1</span> bulletin reçu sur 4 attendus" in text
    # Never who, never the choices before the close.
    assert members[1].display_name not in text and "Contre" not in text
    live.cast(items[0], members[2], members[2].id, Choice.pour)
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": during.headers["ETag"]})
    assert again.status_code == 200 and "2</span> bulletins reçus" in html(again)
    live.close_vote(items[0], room["president"])
    db.session.commit()
    closed = html(client.get(url))
    assert "Résultat du vote" in closed and "Décision :" in closed
    # Who may see it: those who sit; the check-in code only on the screen of whoever presides
    # (the one projected), so that nobody checks in from home with it.
    for viewer, status, shows_code in (
        (room["secretariat"], 200, True),
        (room["consultative"], 200, False),
        (members[0], 200, False),
        (people["applicant"], 403, False),
    ):
        as_user(client, login, viewer)
        page = client.get(f"/seances/{session.id}/ecran")
        assert page.status_code == status
        assert (code in html(page)) is shows_code
        assert ("data:image/svg+xml;base64," in html(page)) is shows_code
        assert client.get(url).status_code == status


def test_closing_early_asks_for_a_confirmation(client, login, room):
    session, item, members = room["session"], room["items"][0], room["members"]
    for m in members[:4]:
        live.check_in(session, m, room["secretariat"])
    live.open_vote(item, room["president"])
    live.cast(item, members[1], members[1].id, Choice.pour)
    db.session.commit()
    login(room["president"])
    url = f"/seances/points/{item.id}/cloture-vote"
    page = html(client.post(url))
    assert "3 membres présents ou représentés n'ont pas voté." in page
    assert "Clore quand même" in page and 'name="confirm" value="1"' in page
    db.session.expire_all()
    assert item.vote_status is VoteStatus.open
    response = client.post(url, data={"confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert item.vote_status is VoteStatus.closed


def test_no_confirmation_when_everyone_voted(client, login, room):
    session, item, members = room["session"], room["items"][0], room["members"]
    for m in members[:3]:
        live.check_in(session, m, room["secretariat"])
    live.open_vote(item, room["president"])
    for m in members[:3]:
        live.cast(item, m, m.id, Choice.pour)
    db.session.commit()
    login(room["secretariat"])
    assert client.post(f"/seances/points/{item.id}/cloture-vote").status_code == 302
    db.session.expire_all()
    assert item.vote_status is VoteStatus.closed


def test_paper_ballots_entered_by_the_president(client, login, room):
    session, items, members = room["session"], room["items"], room["members"]
    president = room["president"]
    giver, holder = members[4], members[3]
    services.give_proxy(session, giver, holder)  # given before the session, to a member
    for m in (president, *members[:4]):
        live.check_in(session, m, room["secretariat"])
    live.open_vote(items[0], president)
    db.session.commit()
    login(president)
    url = f"/seances/points/{items[0].id}/bulletins"
    page = html(client.get(url))
    assert "Votes sur papier ou à main levée" in page
    assert f"représenté(e) par {holder.display_name}" in page
    # A member present without a device; the proxy their holder gives by show of hands.
    client.post(url, data={"member_id": members[1].id, "choice": "contre"})
    response = client.post(url, data={"member_id": giver.id, "choice": "pour"}, headers=JSON)
    body = response.get_json()
    assert body["ok"] and body["state"] == "saisi par le président : pour"
    assert body["summary"] == "Bulletins reçus : 2 sur 6 attendus."
    # Drawn again, the choice entered is pressed (a member not yet voted has no pressed state).
    row = html(client.get(url)).split(f'id="membre-{members[1].id}"')[1].split("</li>")[0]
    assert 'value="contre" class="" aria-pressed="true"' in row
    assert 'value="pour" class="" aria-pressed="false"' in row
    row = html(client.get(url)).split(f'id="membre-{members[2].id}"')[1].split("</li>")[0]
    assert "pas encore voté" in row and "aria-pressed" not in row
    votes = {v.member_id: v for v in db.session.execute(db.select(Vote)).scalars()}
    assert votes[members[1].id].entered_by_id == president.id
    assert votes[members[1].id].cast_by_id == members[1].id
    assert votes[giver.id].cast_by_id == holder.id and votes[giver.id].entered_by_id == president.id
    entries = journal("ballot_cast")
    assert {e.actor_id for e in entries} == {president.id}
    assert all(e.detail["entered_by"] == president.display_name for e in entries)
    # One ballot a member: the member's own vote from their phone replaces the entered one.
    live.cast(items[0], members[1], members[1].id, Choice.pour)
    db.session.commit()
    db.session.expire_all()
    vote = db.session.execute(db.select(Vote).filter_by(member_id=members[1].id)).scalar_one()
    assert vote.entered_by_id is None and vote.choice is Choice.pour
    # ... and is then the member's own: never entered over.
    refused = client.post(url, data={"member_id": members[1].id, "choice": "contre"}, headers=JSON)
    assert refused.status_code == 409
    assert "déjà voté depuis son appareil" in refused.get_json()["message"]
    db.session.expire_all()
    assert vote.choice is Choice.pour and vote.entered_by_id is None
    client.post(url, data={"member_id": members[2].id, "choice": "abstention"})
    # Refused: an absent member not represented (said), a crafted choice or member (400).
    client.post(url, data={"member_id": room["consultative"].id, "choice": "pour"})
    assert "ne vote pas sur ce point" in html(client.get(url))
    assert client.post(url, data={"member_id": members[2].id, "choice": "oui"}).status_code == 400
    assert client.post(url, data={"member_id": "zz", "choice": "pour"}).status_code == 400
    assert client.post(url, data={"choice": "pour"}).status_code == 400
    # Counted like any ballot: the tally and the minutes.
    client.post(f"/seances/points/{items[0].id}/cloture-vote", data={"confirm": "1"})
    db.session.expire_all()
    assert items[0].result["counts"] == {"pour": 2, "contre": 0, "abstention": 1}

    # A secret ballot: refused, nothing recorded.
    items[1].secret = True  # asked before the session (set_ballot refuses once it is open)
    live.open_vote(items[1], president)
    db.session.commit()
    url = f"/seances/points/{items[1].id}/bulletins"
    page = html(client.get(url))
    assert "Scrutin secret : aucun vote ne peut être saisi" in page
    assert "pas encore voté" not in page and "member-row" not in page  # who voted is not listed
    refused = client.post(url, data={"member_id": members[1].id, "choice": "pour"}, headers=JSON)
    assert refused.status_code == 409
    assert "bulletin secret" in refused.get_json()["message"]
    assert db.session.execute(db.select(BallotReceipt)).first() is None
    for m in (president, *members[:4]):
        live.cast(items[1], m, m.id, Choice.pour)
    live.close_vote(items[1], president)
    live.close_session(session, president)
    db.session.commit()
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(session.minutes_pdf)).pages
    )
    assert text.count("« saisi par le président »") == 2, text
    assert "saisis pour des membres présents sans appareil : 2" in text
    # Only whoever presides enters ballots.
    as_user(client, login, members[0])
    assert client.get(url).status_code == 403
    assert client.post(url, data={"member_id": members[0].id, "choice": "pour"}).status_code == 403


def test_members_find_past_sessions_and_their_minutes(client, login, room):
    session = room["session"]
    president = room["president"]
    for m in room["members"][:4]:
        live.check_in(session, m, room["secretariat"])
    for item in session.items:
        live.open_vote(item, president)
        live.close_vote(item, president)
    live.close_session(session, president)
    db.session.commit()
    login(room["consultative"])
    page = html(client.get("/conseil"))
    assert "Séances passées et procès-verbaux" in page
    assert f"/seances/{session.id}/proces-verbal.pdf" in page
    assert client.get(f"/seances/{session.id}/proces-verbal.pdf").status_code == 200
    # The list counts each session's files without a statement per session.
    db.session.expire_all()
    past = minutes.past_sessions()
    with statements() as seen:
        assert [len(s.items) for s in past] == [len(room["items"])]
    assert seen == []


def test_a_paper_ballot_never_replaces_the_members_own(app, room):
    """Checked again under the item's lock: a ballot the member cast from their device in the
    meantime is not overwritten by the president's entry."""
    session, items, members = room["session"], room["items"], room["members"]
    for m in members:
        live.check_in(session, m, room["secretariat"])
    live.open_vote(items[0], room["president"])
    live.cast(items[0], members[0], members[0].id, Choice.pour)  # from their phone
    db.session.commit()
    with pytest.raises(live.SessionError, match="a déjà voté depuis son appareil"):
        live.cast(items[0], members[0], members[0].id, Choice.contre, entered_by=room["president"])
    db.session.rollback()
    vote = db.session.execute(
        db.select(Vote).filter_by(item_id=items[0].id, member_id=members[0].id)
    ).scalar_one()
    assert vote.choice is Choice.pour and vote.entered_by_id is None
