"""The convocation: an email to every council member with the agenda and an iCalendar event,
and a word to each applicant whose file is on the agenda; then, if the convened session is
moved or cancelled, a notice to the same people with the updated event.

The event follows iTIP (RFC 5546) as mail clients expect it: one UID per session, a SEQUENCE
bumped by every move and by the cancellation (`CouncilSession.ics_sequence`), METHOD:REQUEST
for the convocation and its moves, METHOD:CANCEL with STATUS:CANCELLED for the cancellation,
the organizer and the member convened; its time is the département's local time, with the
VTIMEZONE block that RFC 5545 requires for a TZID.

Where RFC 5546 leaves a choice, decided here:
- the organizer is the application's sender address (MAIL_FROM), named after the council;
- no reply is asked (RSVP=FALSE): attendance and proxies are given in the members' space;
- the VTIMEZONE covers the year before the session's to the year after it (enough for a move)."""

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from icalendar import Calendar, Event, vCalAddress

from cdess.accounts.models import User
from cdess.applications.models import Application
from cdess.jobs import services as jobs
from cdess.jobs.models import JobKind
from cdess.labels import N_
from cdess.notifications.notices import tell
from cdess.notifications.services import build_message, lazy_date, offered, send
from cdess.sessions import live, services
from cdess.sessions.models import CouncilSession, SessionStatus
from cdess.sessions.permissions import can_plan_sessions
from cdess.structures import queries as structures
from cdess.web.urls import external_url

DURATION = timedelta(hours=3)
# An email to send, named by its recipient (what a job records as sent): calling it builds and
# sends it, and says whether it was delivered.
Letter = tuple[str, Callable[[], bool]]
FILENAME = "seance-cdess.ics"


def uid(session: CouncilSession) -> str:
    """The event's identifier, the same for the convocation, its moves and its cancellation."""
    base = current_app.config["BASE_URL"].split("//")[-1].split("/")[0]
    return f"seance-{session.id}@{base}"


def method(session: CouncilSession) -> str:
    """CANCEL once the session is cancelled, REQUEST (a new or updated event) before."""
    return "CANCEL" if session.status is SessionStatus.cancelled else "REQUEST"


def ics(session: CouncilSession, attendee: User | None = None) -> bytes:
    """The session as an iTIP message for one member (the attendee), in local time."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    cancelled = session.status is SessionStatus.cancelled
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    if cancelled:
        description = _("Séance annulée.")
        if session.cancellation_reason:
            description += "\n" + _("Motif : %(r)s", r=session.cancellation_reason)
    else:
        agenda = "\n".join(f"{item.position}. {item.subject}" for item in session.items)
        description = _("Ordre du jour :") + "\n" + agenda
    event = Event.new(
        uid=uid(session),
        sequence=session.ics_sequence,
        stamp=datetime.now(UTC),
        start=session.starts_at.replace(tzinfo=zone),
        end=(session.starts_at + DURATION).replace(tzinfo=zone),
        summary=_("Séance du %(council)s", council=current_app.config["COUNCIL_NAME"]),
        location=session.place or session.video_link or "",
        description=description,
        status="CANCELLED" if cancelled else "CONFIRMED",
        organizer=vCalAddress.new(address, cn=name or current_app.config["COUNCIL_NAME"]),
        url=session.video_link or None,
    )
    if attendee is not None:
        event.add(
            "attendee",
            vCalAddress.new(
                attendee.email,
                cn=attendee.display_name,
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION",
                rsvp=False,
            ),
        )
    calendar = Calendar.new(prodid="-//cdess//Séances du CDESS//FR", method=method(session))
    calendar.add_component(event)
    year = session.starts_at.year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()


def _day(moment: datetime) -> LazyString:
    return lazy_date(moment)


def _when(moment: datetime) -> LazyString:
    return lazy_date(moment, "short_datetime")


def _where(session: CouncilSession) -> str:
    if session.place and session.video_link:
        return _l("%(p)s ou en visioconférence (%(v)s)", p=session.place, v=session.video_link)
    return session.place or session.video_link or ""


def _member_letters(
    session: CouncilSession, subject: str, paragraphs: list[str], comment=""
) -> list[Letter]:
    """A letter to every council member, with the session's event for their calendar."""
    if session.status is SessionStatus.cancelled:  # its page is gone: the members' space
        link = external_url("sessions.members")
    else:
        link = external_url("sessions.member_session", session_id=session.id)

    def letter(member: User) -> EmailMessage:
        message = build_message(
            member.email,
            subject,
            "session",
            member.locale,
            user=member,
            paragraphs=paragraphs,
            comment=comment,
            link=link,
        )
        with force_locale(offered(member.locale)):
            event = ics(session, member)
        message.add_attachment(
            event.decode(),
            subtype="calendar",
            charset="utf-8",
            filename=FILENAME,
            params={"method": method(session)},
        )
        return message

    return [
        (f"member:{member.id}", functools.partial(_post, letter, member))
        for member in services.council_members()
    ]


def _applicant_letters(
    application: Application, subject: str, paragraphs: list[str], link: str
) -> list[Letter]:
    """A letter about a file to each person of its structure (as `notices.tell` writes it)."""
    return [
        (
            f"application:{application.id}:{person.email}",
            functools.partial(
                _post,
                build_message,
                person.email,
                subject,
                "application",
                getattr(person, "locale", None),
                user=person,
                paragraphs=paragraphs,
                comment="",
                link=link,
            ),
        )
        for person in structures.people(application.structure_id)
    ]


def _post(build: Callable[..., EmailMessage], *args, **kwargs) -> bool:
    return send(build(*args, **kwargs))


def deliver(letters: list[Letter]) -> int:
    """Send the letters now (after the commit of what they tell); the number delivered."""
    return sum(post() for _key, post in letters)


def _tell_members(session: CouncilSession, subject: str, paragraphs: list[str], comment="") -> int:
    """One email to every council member, with the session's event for their calendar."""
    return deliver(_member_letters(session, subject, paragraphs, comment))


def _agenda(session: CouncilSession) -> list[str]:
    return [
        _l(
            "%(n)s. %(s)s — rapporteur : %(r)s",
            n=item.position,
            s=item.subject,
            r=item.rapporteur.display_name if item.rapporteur else "—",
        )
        for item in session.items
    ]


def convocation_letters(session: CouncilSession) -> list[Letter]:
    """The convocation to every member and a word to each applicant, as (key, build) letters:
    `send_convocations` sends them at once, the convocations' job one by one, once each."""
    when, where = _when(session.starts_at), _where(session)
    letters = _member_letters(
        session,
        _l("Convocation — séance du CDESS du %(d)s", d=_day(session.starts_at)),
        [
            _l("Vous êtes convoqué(e) à la séance du conseil du %(d)s, %(w)s.", d=when, w=where),
            _l("Ordre du jour :"),
            *_agenda(session),
            _l(
                "Les dossiers et les rapports sont à lire dans votre espace ; déclarez-y vos "
                "conflits d'intérêts et, si vous ne pouvez pas venir, donnez votre pouvoir."
            ),
        ],
    )
    for application in services.agenda_files(session):
        letters += _applicant_letters(
            application,
            _l("Votre dossier sera examiné le %(d)s", d=_day(session.starts_at)),
            [
                _l(
                    "Le dossier de %(s)s est inscrit à l'ordre du jour de la séance du "
                    "conseil du %(d)s.",
                    s=application.structure.name,
                    d=when,
                ),
                _l("La décision vous sera notifiée à l'issue de la séance."),
            ],
            external_url("applications.show", application_id=application.id),
        )
    return letters


def send_convocations(session: CouncilSession) -> int:
    """Email the convocation to every member and tell the applicants; the number delivered."""
    return deliver(convocation_letters(session))


def move_letters(session: CouncilSession, previous: datetime) -> list[Letter]:
    """After a convened session is moved: the updated event to every member, a word to the
    applicants whose files are on its agenda, as (key, build) letters."""
    when, where = _when(session.starts_at), _where(session)
    if session.starts_at == previous:
        change = _l("La séance du conseil du %(d)s se tiendra désormais %(w)s.", d=when, w=where)
    else:
        change = _l(
            "La séance du conseil prévue le %(old)s est déplacée au %(d)s, %(w)s.",
            old=_when(previous),
            d=when,
            w=where,
        )
    letters = _member_letters(
        session,
        _l("Séance du CDESS déplacée — désormais le %(d)s", d=_day(session.starts_at)),
        [
            change,
            _l("Ordre du jour :"),
            *_agenda(session),
            _l(
                "L'invitation jointe remplace la précédente dans votre agenda. Votre pouvoir "
                "et vos déclarations de conflit d'intérêts restent valables."
            ),
        ],
    )
    for application in services.agenda_files(session):
        letters += _applicant_letters(
            application,
            _l("Votre dossier sera examiné le %(d)s", d=_day(session.starts_at)),
            [
                change,
                _l(
                    "Le dossier de %(s)s reste inscrit à son ordre du jour ; la décision vous "
                    "sera notifiée à l'issue de la séance.",
                    s=application.structure.name,
                ),
            ],
            external_url("applications.show", application_id=application.id),
        )
    return letters


def send_move_notices(session: CouncilSession, previous: datetime) -> int:
    """After a convened session is moved (and committed): the notices, sent at once; the
    number delivered."""
    return deliver(move_letters(session, previous))


def _mailed(job, letters: list[Letter]) -> None:
    """A mailing job: the letters not sent yet, then its count (and those the mail server
    refused, kept for a person to send) and the session's page."""
    jobs.deliver(job, letters)
    sent, kept = jobs.delivered_and_kept(job)
    jobs.finish(job, "sessions.show", session_id=job.args["session_id"])
    total = job.progress_total
    if kept:
        message = N_(
            "%(n)s courriel(s) envoyé(s) sur %(total)s ; %(kept)s refusé(s) par le serveur de "
            "courriel, gardé(s) pour être envoyé(s) à la main (dossier outbox/non-envoyes).",
            n=sent,
            total=total,
            kept=kept,
        )
    else:
        message = N_("%(n)s courriel(s) envoyé(s) sur %(total)s.", n=sent, total=total)
    jobs.step(job, message=message)


@jobs.work(JobKind.convocations, live.job_title, _l("Retour à la séance"), can_plan_sessions)
def convocations_job(job) -> None:
    """The convocation to every member and the word to each applicant, once each."""
    _mailed(job, convocation_letters(live.job_session(job)))


@jobs.work(JobKind.move_notices, live.job_title, _l("Retour à la séance"), can_plan_sessions)
def move_notices_job(job) -> None:
    """The notice of a convened session's move to every member and applicant, once each."""
    previous = datetime.fromisoformat(job.args["previous"])
    _mailed(job, move_letters(live.job_session(job), previous))


def send_cancellation(session: CouncilSession, applications: list[Application]) -> int:
    """After a session is cancelled (and committed): if it had been convened, the cancelled
    event to every member and a word to the applicants whose files were on its agenda (as
    `services.cancel_session` returned them, from `files`); the number delivered."""
    if session.convened_at is None:
        return 0  # nobody had been convened, nor told of the date
    day = _when(session.starts_at)
    reason = session.cancellation_reason
    sent = _tell_members(
        session,
        _l("Séance du CDESS du %(d)s annulée", d=_day(session.starts_at)),
        [
            _l("La séance du conseil du %(d)s est annulée.", d=day),
            _l(
                "Les dossiers inscrits à son ordre du jour seront proposés à une prochaine "
                "séance, à laquelle vous serez convoqué(e)."
            ),
        ],
        comment=reason,
    )
    for application in applications:
        sent += tell(
            structures.people(application.structure_id),
            _l("Séance du %(d)s annulée — votre dossier", d=_day(session.starts_at)),
            [
                _l(
                    "La séance du conseil du %(d)s, à laquelle le dossier de %(s)s devait être "
                    "examiné, est annulée.",
                    d=day,
                    s=application.structure.name,
                ),
                _l(
                    "Votre dossier reste recevable : il sera inscrit à une prochaine séance, "
                    "dont la date vous sera communiquée."
                ),
            ],
            external_url("applications.show", application_id=application.id),
            comment=reason,
        )
    return sent
