"""Build emails from templates and send them: SMTP when configured, else .eml files.

An email that tells of a change leaves only once that change is committed: while the
database session has written something not yet committed, `notify` keeps the message on the
session, sends it after the commit and forgets it on a rollback."""

import smtplib
import uuid
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import event
from sqlalchemy.orm import Session

from cdess.extensions import db
from cdess.web.formats import wallclock
from cdess.web.text import one_line


def build_message(
    to: str, subject: str, template: str, locale: str | None = None, **context
) -> EmailMessage:
    """A plain-text email with its HTML alternative, from templates/notifications/, in the
    recipient's `locale` (French, the default locale, for an address without an account),
    whatever the locale of the person whose action sends it: the subject and any lazy string
    of the context (`lazy_gettext`, `lazy_date`) are resolved inside that locale, and the
    message says its language (Content-Language, and `<html lang>` in the HTML part). The
    subject is put on one line (`one_line`): a name typed with a line break, whatever its way
    in, never fails the email nor adds a header."""
    config = current_app.config
    locale = offered(locale)
    with force_locale(locale):
        subject = one_line(str(subject))
        # Plain strings before rendering: a lazy string is marked safe for HTML (its
        # __html__), so a name interpolated in it would otherwise escape autoescaping.
        context = {name: _resolved(value) for name, value in context.items()}
        context.setdefault("departement_name", config["DEPARTEMENT_NAME"])
        context.setdefault("council_name", config["COUNCIL_NAME"])
        context.setdefault("locale", locale)
        message = EmailMessage()
        message["From"] = config["MAIL_FROM"]
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="cdess.local")
        message.set_content(render_template(f"notifications/{template}.txt", **context))
        message.add_alternative(
            render_template(f"notifications/{template}.html", subject=subject, **context),
            subtype="html",
        )
    # Last: setting the content clears (then moves into the parts) every Content-* header.
    message["Content-Language"] = locale
    return message


def offered(locale: str | None) -> str:
    """The recipient's locale when the interface speaks it, else the default (French)."""
    config = current_app.config
    return locale if locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _resolved(value):
    """A lazy string made plain text in the current locale; lists and tuples of them too."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, list | tuple):
        return type(value)(_resolved(item) for item in value)
    return value


def lazy_date(moment: date | datetime, shape: str = "short") -> LazyString:
    """A date (or a wall-clock time, `shape` « short_datetime ») formatted when the email is
    built, in its recipient's locale (`cdess.web.formats.wallclock`)."""
    return LazyString(wallclock, moment, shape)


def send(message: EmailMessage) -> bool:
    """Deliver by SMTP when MAIL_SERVER is set, otherwise write it to the outbox folder.
    Emails go out after the change they tell of is committed: when the SMTP server fails, the
    message is kept in outbox/non-envoyes/ for a person to send, the error is logged, and the
    change stands (False is returned)."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        try:
            _keep(message, Path(config["OUTBOX_DIR"]))
        except OSError:
            current_app.logger.exception("Courriel non écrit pour %s", message["To"])
            return False
        return True
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Courriel non envoyé à %s", message["To"])
        try:
            _keep(message, Path(config["OUTBOX_DIR"]) / "non-envoyes")
        except OSError:
            current_app.logger.exception("Courriel non gardé pour %s", message["To"])
        return False


def _keep(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(bytes(message))


def notify(to: str, subject: str, template: str, locale: str | None = None, **context) -> bool:
    """Build one email now, in the recipient's `locale` (`build_message`); send it after the
    commit of what the session has written (at once when it has written nothing). True when
    sent or queued."""
    return queue(build_message(to, subject, template, locale, **context))


def queue(message: EmailMessage) -> bool:
    """Send the message at once when the session has written nothing; else keep it on the
    session, to leave after the commit (forgotten on a rollback). True when kept, else whether it
    was sent."""
    session = db.session()
    if not (session.info.get(_WROTE) or session.new or session.dirty or session.deleted):
        return send(message)
    session.info.setdefault(_QUEUE, []).append(message)
    return True


_WROTE, _QUEUE = "cdess_wrote", "cdess_outbox"


@event.listens_for(Session, "after_flush")
def _wrote(session, flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _send_queued(session) -> None:
    session.info.pop(_WROTE, None)
    for message in session.info.pop(_QUEUE, []):
        send(message)  # never raises: the change is committed, whatever befalls its email


@event.listens_for(Session, "after_rollback")
def _forget_queued(session) -> None:
    session.info.pop(_WROTE, None)
    session.info.pop(_QUEUE, None)
