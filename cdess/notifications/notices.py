"""Notices about a decision: one email to each person concerned, and the appeal rights every
French administrative decision states. Shared by applications, sessions and certificates."""

from flask import current_app
from flask_babel import gettext as _

from cdess.notifications.services import notify


def tell(people: list, subject: str, paragraphs: list[str], link: str, comment="") -> int:
    """One email about a file to each of these people, in each one's locale (French for a
    reporter without an account), queued until the commit; the number. Pass the subject and
    paragraphs as lazy strings (`lazy_gettext`, `lazy_date`): built in the sender's locale,
    they could not follow the recipient's."""
    return sum(
        notify(
            user.email,
            subject,
            "application",
            getattr(user, "locale", None),
            user=user,
            paragraphs=paragraphs,
            comment=comment,
            link=link,
        )
        for user in people
    )


def appeal_rights() -> str:
    """The « voies et délais de recours » every French administrative decision states."""
    return _(
        "Voies et délais de recours : cette décision peut faire l'objet d'un recours gracieux "
        "auprès du président du conseil départemental, ou d'un recours contentieux devant le "
        "%(court)s, dans un délai de deux mois à compter de sa notification. Le tribunal peut "
        "être saisi par l'application Télérecours citoyens (www.telerecours.fr).",
        court=current_app.config["APPEAL_COURT"],
    )
