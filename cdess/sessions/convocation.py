"""The convocation: an email to every council member with the agenda and an iCalendar event,
and a word to each applicant whose file is on the agenda."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event

from cdess.applications import notices
from cdess.notifications.services import build_message, send
from cdess.sessions import services
from cdess.sessions.models import CouncilSession
from cdess.web.urls import external_url

DURATION = timedelta(hours=3)


def ics(session: CouncilSession) -> bytes:
    """The session as an iCalendar event (local time of the département, Europe/Paris)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    calendar = Calendar()
    calendar.add("prodid", "-//cdess//Séances du CDESS//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    base = current_app.config["BASE_URL"].split("//")[-1].split("/")[0]
    event.add("uid", f"seance-{session.id}@{base}")
    event.add("dtstamp", session.convened_at or session.created_at)
    event.add("dtstart", session.starts_at.replace(tzinfo=zone))
    event.add("dtend", (session.starts_at + DURATION).replace(tzinfo=zone))
    event.add("summary", _("Séance du %(council)s", council=current_app.config["COUNCIL_NAME"]))
    event.add("location", session.place or session.video_link or "")
    agenda = "\n".join(
        f"{item.position}. {item.application.structure.name}" for item in session.items
    )
    event.add("description", _("Ordre du jour :") + "\n" + agenda)
    if session.video_link:
        event.add("url", session.video_link)
    calendar.add_component(event)
    return calendar.to_ical()


def send_convocations(session: CouncilSession) -> int:
    """Email the convocation to every member and tell the applicants; the number delivered."""
    day = session.starts_at.strftime("%d/%m/%Y à %H:%M")
    agenda = [
        _(
            "%(n)s. %(s)s — rapporteur : %(r)s",
            n=item.position,
            s=item.application.structure.name,
            r=item.rapporteur.display_name if item.rapporteur else "—",
        )
        for item in session.items
    ]
    where = session.place or session.video_link or ""
    attachment = ics(session)
    link = external_url("sessions.member_session", session_id=session.id)
    sent = 0
    for member in services.council_members():
        message = build_message(
            member.email,
            _("Convocation — séance du CDESS du %(d)s", d=session.starts_at.strftime("%d/%m/%Y")),
            "application",
            user=member,
            paragraphs=[
                _("Vous êtes convoqué(e) à la séance du conseil du %(d)s, %(w)s.", d=day, w=where),
                _("Ordre du jour :"),
                *agenda,
                _(
                    "Les dossiers et les rapports sont à lire dans votre espace ; déclarez-y vos "
                    "conflits d'intérêts et, si vous ne pouvez pas venir, donnez votre pouvoir."
                ),
            ],
            comment="",
            link=link,
        )
        message.add_attachment(
            attachment.decode(), subtype="calendar", charset="utf-8", filename="seance-cdess.ics"
        )
        sent += send(message)
    for item in session.items:
        application = item.application
        sent += notices.tell(
            notices.applicants(application),
            _("Votre dossier sera examiné le %(d)s", d=session.starts_at.strftime("%d/%m/%Y")),
            [
                _(
                    "Le dossier de %(s)s est inscrit à l'ordre du jour de la séance du "
                    "conseil du %(d)s.",
                    s=application.structure.name,
                    d=day,
                ),
                _("La décision vous sera notifiée à l'issue de la séance."),
            ],
            external_url("applications.show", application_id=application.id),
        )
    return sent
