"""The convocation's event and what follows it: the .ics parsed with icalendar (VTIMEZONE,
UID, SEQUENCE, METHOD), a convened session moved or cancelled with a notice to every member
and a word to the applicants, sent only once the change is committed; the refusals."""

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from cdess.applications.models import State
from cdess.extensions import db
from cdess.sessions import convocation, live, services
from cdess.sessions.models import CouncilSession, SessionStatus
from tests.factories import email_text, html


def convene(session, files, council):
    """Two files on the agenda with their rapporteur; the council convened (no email yet)."""
    for application in files[:2]:
        services.add_item(session, application, council["secretariat"])
    for item in session.items:
        services.assign_rapporteur(item, council["members"][0])
    live.convene(session, council["secretariat"])
    db.session.commit()
    return session


def events(messages):
    """(Content-Type's method, parsed calendar) of each message's calendar attachment."""
    found = []
    for message in messages:
        for part in message.iter_attachments():
            if part.get_content_type() == "text/calendar":
                content = part.get_content()
                content = content.encode() if isinstance(content, str) else content
                found.append((part.get_param("method"), Calendar.from_ical(content)))
    return found


def to_members(messages, prefix):
    return [m for m in messages if str(m["Subject"]).startswith(prefix)]


def later(session, days=7, hour=10):
    return (session.starts_at + timedelta(days=days)).replace(hour=hour, minute=30)


# --- the event --------------------------------------------------------------------------------


def test_the_convocation_event_is_valid_icalendar(app, planned, files, council, outbox):
    convene(planned, files, council)
    member = council["members"][1]
    calendar = Calendar.from_ical(convocation.ics(planned, member))
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    # RFC 5545: every TZID used has its VTIMEZONE, with its standard and daylight rules.
    assert calendar.get_missing_tzids() == set()
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/Paris"
    kinds = {sub.name for sub in zone.subcomponents}
    assert kinds == {"STANDARD", "DAYLIGHT"}
    offsets = {sub.decoded("TZOFFSETTO") for sub in zone.subcomponents}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    start = event.decoded("DTSTART")
    assert start.replace(tzinfo=None) == planned.starts_at
    assert start.utcoffset() == timedelta(hours=2 if start.dst() else 1)
    assert event["DTEND"].params["TZID"] == "Europe/Paris"
    assert event["UID"] == f"seance-{planned.id}@cdess.test"
    assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
    assert str(event["ORGANIZER"]) == "mailto:ne-pas-repondre@cdess.test"
    assert str(event["ATTENDEE"]) == f"mailto:{member.email}"
    assert event["ATTENDEE"].params["CN"] == member.display_name
    assert files[0].structure.name in event["DESCRIPTION"]


def test_the_convocation_email_carries_a_request(app, planned, files, council, outbox):
    convene(planned, files, council)
    convocation.send_convocations(planned)
    invites = to_members(outbox(), "Convocation")
    assert len(invites) == len(services.council_members())
    found = events(invites)
    assert len(found) == len(invites)
    assert {method for method, _calendar in found} == {"REQUEST"}
    assert {calendar["METHOD"] for _method, calendar in found} == {"REQUEST"}
    attendees = {str(c.walk("VEVENT")[0]["ATTENDEE"]) for _m, c in found}
    assert attendees == {f"mailto:{m.email}" for m in services.council_members()}


# --- moving a convened session ----------------------------------------------------------------


def test_a_move_bumps_the_sequence_and_tells_members_and_applicants(
    app, planned, files, council, outbox
):
    convene(planned, files, council)
    before = planned.starts_at
    new_start = later(planned)
    previous = services.update_session(
        planned, new_start, planned.deadline, "Salle du conseil, Arras", ""
    )
    db.session.commit()
    assert previous == before
    assert planned.starts_at == new_start and planned.ics_sequence == 1
    assert planned.status is SessionStatus.convened
    assert outbox() == []  # nothing sent by the service itself

    sent = convocation.send_move_notices(planned, previous)
    messages = outbox()
    assert sent == len(messages)
    notices = to_members(messages, "Séance du CDESS déplacée")
    assert len(notices) == len(services.council_members())
    text = email_text(notices[0])
    assert before.strftime("%d/%m/%Y à %H:%M") in text
    assert new_start.strftime("%d/%m/%Y à %H:%M") in text and "Salle du conseil" in text
    for method, calendar in events(notices):
        (event,) = calendar.walk("VEVENT")
        assert method == calendar["METHOD"] == "REQUEST"
        assert event["UID"] == f"seance-{planned.id}@cdess.test" and event["SEQUENCE"] == 1
        assert event.decoded("DTSTART").replace(tzinfo=None) == new_start
        assert event["LOCATION"] == "Salle du conseil, Arras"
    told = to_members(messages, "Votre dossier sera examiné")
    assert len(told) == 2  # one applicant per file on the agenda
    assert new_start.strftime("%d/%m/%Y") in email_text(told[0])

    # A second move: a higher SEQUENCE again.
    services.update_session(planned, later(planned, 1), planned.deadline, "Arras", "")
    db.session.commit()
    assert planned.ics_sequence == 2


def test_a_change_the_calendar_does_not_show_tells_nobody(app, planned, files, council):
    convene(planned, files, council)
    previous = services.update_session(
        planned,
        planned.starts_at,
        planned.deadline - timedelta(days=1),
        planned.place,
        planned.video_link,
    )
    assert previous is None and planned.ics_sequence == 0


def test_a_planned_session_moves_without_notice(app, planned):
    previous = services.update_session(planned, later(planned), planned.deadline, "Lens", "")
    assert previous is None and planned.ics_sequence == 1 and planned.place == "Lens"


def test_a_move_to_the_past_is_refused_and_nothing_changes(app, planned, files, council, outbox):
    convene(planned, files, council)
    yesterday = services.local_now() - timedelta(days=1)
    with pytest.raises(services.SessionFieldError, match="date passée") as refused:
        services.update_session(planned, yesterday, yesterday.date(), "Arras", "")
    assert refused.value.field == "day"
    db.session.rollback()
    # Today, an hour already gone (just after midnight, that is yesterday: the day refused).
    earlier = services.local_now() - timedelta(minutes=1)
    deadline = earlier.date() - timedelta(days=1)
    with pytest.raises(services.SessionFieldError) as refused:
        services.update_session(planned, earlier, deadline, "Arras", "")
    assert refused.value.field == (
        "start" if earlier.date() == services.local_now().date() else "day"
    )
    db.session.rollback()
    db.session.expire_all()
    assert planned.ics_sequence == 0 and planned.starts_at > services.local_now()
    assert outbox() == []


def test_the_deadline_must_still_precede_the_session(app, planned, files, council):
    convene(planned, files, council)
    new_start = later(planned)
    with pytest.raises(services.SessionFieldError, match="doit précéder") as refused:
        services.update_session(planned, new_start, new_start.date(), "Arras", "")
    assert refused.value.field == "deadline"


@pytest.mark.parametrize("status", [SessionStatus.open, SessionStatus.closed])
def test_an_open_or_closed_session_is_neither_moved_nor_cancelled(
    app, planned, files, council, outbox, status
):
    convene(planned, files, council)
    # The opening and closing rules are tested with the live session; here only the state.
    planned.status = status
    db.session.commit()
    with pytest.raises(services.SessionError, match="ne peut plus être déplacée"):
        services.update_session(planned, later(planned), planned.deadline, "Arras", "")
    with pytest.raises(services.SessionError, match="ne peut plus être annulée"):
        services.cancel_session(planned, council["secretariat"], "Salle indisponible")
    db.session.rollback()
    assert planned.status is status and len(planned.items) == 2 and planned.ics_sequence == 0
    assert outbox() == []


def test_a_session_opened_meanwhile_is_not_moved(app, planned, files, council):
    """Compare-and-set on the status: the row changed since the session was read."""
    convene(planned, files, council)
    db.session.execute(
        update(CouncilSession)
        .where(CouncilSession.id == planned.id)
        .values(status=SessionStatus.open)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(services.SessionError, match="ouverte"):
        services.update_session(planned, later(planned), planned.deadline, "Arras", "")
    db.session.rollback()


# --- cancelling a convened session ------------------------------------------------------------


def test_cancelling_a_convened_session_needs_a_reason_and_tells_everyone(
    app, planned, files, council, outbox
):
    convene(planned, files, council)
    with pytest.raises(services.SessionFieldError, match="motif") as refused:
        services.cancel_session(planned, council["secretariat"], "  ")
    assert refused.value.field == "reason"
    db.session.rollback()
    assert planned.status is SessionStatus.convened and outbox() == []

    applications = services.cancel_session(
        planned, council["secretariat"], "Quorum impossible à réunir"
    )
    db.session.commit()
    assert applications == files[:2]
    assert planned.status is SessionStatus.cancelled and planned.ics_sequence == 1
    assert planned.cancellation_reason == "Quorum impossible à réunir"
    assert planned.cancelled_at is not None and planned.items == []
    # Its files are back among the admissible ones, to be proposed again.
    assert {a.state for a in files[:2]} == {State.admissible}
    assert outbox() == []

    sent = convocation.send_cancellation(planned, applications)
    messages = outbox()
    assert sent == len(messages)
    notices = to_members(messages, "Séance du CDESS du")
    assert len(notices) == len(services.council_members())
    assert {n["To"] for n in notices} == {m.email for m in services.council_members()}
    assert "Quorum impossible à réunir" in email_text(notices[0])
    found = events(notices)
    assert len(found) == len(notices)
    for method, calendar in found:
        (event,) = calendar.walk("VEVENT")
        assert method == calendar["METHOD"] == "CANCEL"
        assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
        assert event["UID"] == f"seance-{planned.id}@cdess.test"
        assert calendar.get_missing_tzids() == set()
    told = to_members(messages, "Séance du ")
    told = [m for m in told if "votre dossier" in str(m["Subject"])]
    assert len(told) == 2 and "Quorum impossible à réunir" in email_text(told[0])


def test_a_planned_session_is_cancelled_without_reason_nor_email(
    app, planned, files, council, outbox
):
    services.add_item(planned, files[0], council["secretariat"])
    applications = services.cancel_session(planned, council["secretariat"])
    db.session.commit()
    assert planned.status is SessionStatus.cancelled and files[0].state is State.admissible
    assert convocation.send_cancellation(planned, applications) == 0 and outbox() == []


# --- through the browser ----------------------------------------------------------------------


def form_of(session, **changes):
    values = {
        "day": session.starts_at.date().isoformat(),
        "start": session.starts_at.strftime("%H:%M"),
        "deadline": session.deadline.isoformat(),
        "place": session.place,
        "video_link": session.video_link,
    }
    return values | changes


def test_a_move_to_the_past_comes_back_with_the_message_next_to_the_day(
    app, client, login, planned, files, council, outbox
):
    convene(planned, files, council)
    login(council["secretariat"])
    page = html(client.get(f"/seances/{planned.id}"))
    assert "Déplacer la séance et prévenir les membres" in page and 'id="annuler"' in page
    yesterday = services.local_now().date() - timedelta(days=1)
    response = client.post(
        f"/seances/{planned.id}",
        data=form_of(
            planned,
            day=yesterday.isoformat(),
            deadline=(yesterday - timedelta(days=5)).isoformat(),
        ),
    )
    assert response.status_code == 400
    page = html(response)
    assert (
        '<p class="error-message" id="day-erreur">'
        "La séance ne peut pas être déplacée à une date passée." in page
    )
    assert f'value="{yesterday.isoformat()}"' in page  # the form keeps what was typed
    db.session.expire_all()
    assert planned.starts_at.date() > yesterday and planned.ics_sequence == 0
    assert outbox() == []


def test_a_move_through_the_form_tells_the_members_after_the_commit(
    app, client, login, planned, files, council, outbox, monkeypatch
):
    convene(planned, files, council)
    login(council["secretariat"])
    new_start = later(planned)
    seen = []
    real_send = convocation.send

    def send(message):
        # Another connection sees only what is committed: the move must be there already.
        with db.engine.connect() as conn:
            seen.append(
                conn.execute(
                    select(CouncilSession.starts_at, CouncilSession.ics_sequence).where(
                        CouncilSession.id == planned.id
                    )
                ).one()
            )
        return real_send(message)

    monkeypatch.setattr(convocation, "send", send)
    response = client.post(
        f"/seances/{planned.id}",
        data=form_of(planned, day=new_start.date().isoformat(), start="10:30"),
        follow_redirects=True,
    )
    assert response.status_code == 200
    members = len(services.council_members())
    assert f"Séance déplacée : {members + 2} courriel(s) envoyé(s)." in html(response)
    assert seen == [(new_start, 1)] * (members + 2)  # the applicants' too, after it
    db.session.expire_all()
    assert planned.starts_at == new_start and planned.ics_sequence == 1


def test_a_convened_session_cancelled_through_the_form(
    app, client, login, planned, files, council, outbox
):
    convene(planned, files, council)
    login(council["secretariat"])
    refused = client.post(f"/seances/{planned.id}/annulation", data={"reason": ""})
    assert refused.status_code == 302
    page = html(client.get(refused.headers["Location"]))
    assert "Indiquez le motif de l'annulation" in page
    db.session.expire_all()
    assert planned.status is SessionStatus.convened and outbox() == []

    response = client.post(
        f"/seances/{planned.id}/annulation",
        data={"reason": "Salle indisponible"},
        follow_redirects=True,
    )
    page = html(response)
    assert "Séance annulée ; ses dossiers sont de nouveau proposés." in page
    assert "Salle indisponible" in page  # in the session's details
    db.session.expire_all()
    assert planned.status is SessionStatus.cancelled
    methods = {method for method, _calendar in events(outbox())}
    assert methods == {"CANCEL"}


def test_an_open_session_refuses_a_move_with_a_message(
    app, client, login, planned, files, council, outbox
):
    convene(planned, files, council)
    planned.status = SessionStatus.open  # the opening rules are tested with the live session
    db.session.commit()
    login(council["secretariat"])
    response = client.post(
        f"/seances/{planned.id}",
        data=form_of(planned, day=later(planned).date().isoformat()),
        follow_redirects=True,
    )
    assert "La séance est « ouverte » : elle ne peut plus être déplacée ni modifiée." in html(
        response
    )
    response = client.post(
        f"/seances/{planned.id}/annulation", data={"reason": "x"}, follow_redirects=True
    )
    assert "La séance est « ouverte » : elle ne peut plus être annulée." in html(response)
    db.session.expire_all()
    assert planned.status is SessionStatus.open and planned.ics_sequence == 0
    assert outbox() == []
