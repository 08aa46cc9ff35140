"""Emails on an application's transitions, to the structure's people and to the secretariat.
Queued by `services.transition` and sent once it is committed, never for a transition that
did not happen."""

from flask import current_app
from flask_babel import gettext as _

from cdess.accounts.models import Role, User, UserRole
from cdess.applications.models import Application
from cdess.extensions import db
from cdess.notifications.services import notify
from cdess.structures.models import Membership
from cdess.web.urls import external_url

APPLICANT, SECRETARIAT = "applicant", "secretariat"


def applicants(application: Application) -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .join(Membership, Membership.user_id == User.id)
            .filter(Membership.structure_id == application.structure_id, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def secretariat() -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .filter(UserRole.role == Role.secretariat, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def appeal_rights() -> str:
    """The « voies et délais de recours » every French administrative decision states."""
    return _(
        "Voies et délais de recours : cette décision peut faire l'objet d'un recours gracieux "
        "auprès du président du conseil départemental, ou d'un recours contentieux devant le "
        "%(court)s, dans un délai de deux mois à compter de sa notification. Le tribunal peut "
        "être saisi par l'application Télérecours citoyens (www.telerecours.fr).",
        court=current_app.config["APPEAL_COURT"],
    )


def _when(application: Application) -> str:
    """When the file will be examined: its session once on an agenda, else the next one the
    council's calendar plans (announced as planned, never as the file's session)."""
    from datetime import date

    from cdess.applications.services import next_session

    if application.session_date:
        return _(
            "il est inscrit à l'ordre du jour de la séance du %(d)s.",
            d=application.session_date.strftime("%d/%m/%Y"),
        )
    return _(
        "il sera inscrit à l'ordre du jour d'une prochaine séance du conseil (la prochaine "
        "est prévue le %(d)s).",
        d=next_session(date.today()).strftime("%d/%m/%Y"),
    )


def _messages(application: Application, name: str) -> list[tuple[str, str, list[str]]]:
    """(audience, subject, paragraphs) for each email a transition sends."""
    structure = application.structure.name
    when = _when(application)
    if name in ("submit", "resubmit"):
        received = (
            _("Les compléments du dossier de %(s)s ont bien été déposés.", s=structure)
            if name == "resubmit"
            else _("Le dossier de candidature au label de %(s)s a bien été déposé.", s=structure)
        )
        return [
            (
                APPLICANT,
                _("Dossier déposé — %(s)s", s=structure),
                [
                    received,
                    _("Le secrétariat vérifie maintenant qu'il est complet ; %(when)s", when=when),
                ],
            ),
            (
                SECRETARIAT,
                _("Nouveau dossier à vérifier — %(s)s", s=structure),
                [received, _("Il attend la vérification de recevabilité.")],
            ),
        ]
    if name == "request_complements":
        return [
            (
                APPLICANT,
                _("Des compléments sont demandés — %(s)s", s=structure),
                [
                    _("Le secrétariat demande des compléments au dossier de %(s)s :", s=structure),
                    _("Complétez le dossier puis déposez-le à nouveau depuis votre espace."),
                ],
            )
        ]
    if name == "declare_admissible":
        return [
            (
                APPLICANT,
                _("Dossier recevable — %(s)s", s=structure),
                [
                    _("Le dossier de %(s)s est complet et recevable.", s=structure),
                    when[0].upper() + when[1:],
                ],
            )
        ]
    if name == "declare_not_admissible":
        return [
            (
                APPLICANT,
                _("Dossier non recevable — %(s)s", s=structure),
                [
                    _(
                        "Le secrétariat a déclaré non recevable le dossier de %(s)s : le résultat "
                        "vérifié au vu des pièces ou le dossier ne respectent pas la charte. "
                        "Motif :",
                        s=structure,
                    ),
                    appeal_rights(),
                ],
            )
        ]
    if name in ("grant", "refuse", "defer"):
        decision = {
            "grant": _("Le conseil a attribué le label à %(s)s.", s=structure),
            "refuse": _("Le conseil n'a pas attribué le label à %(s)s.", s=structure),
            "defer": _("Le conseil a ajourné l'examen du dossier de %(s)s.", s=structure),
        }[name]
        follow = {
            "grant": _("Le secrétariat vous enverra le certificat du label."),
            "refuse": _("Vous pourrez déposer une nouvelle candidature."),
            "defer": _("Le dossier sera examiné à une séance suivante."),
        }[name]
        return [(APPLICANT, _("Décision du conseil — %(s)s", s=structure), [decision, follow])]
    if name == "withdraw":
        text = _("La candidature de %(s)s a été retirée.", s=structure)
        return [
            (APPLICANT, _("Candidature retirée — %(s)s", s=structure), [text]),
            (SECRETARIAT, _("Candidature retirée — %(s)s", s=structure), [text]),
        ]
    return []


def tell(people: list[User], subject: str, paragraphs: list[str], link: str, comment="") -> int:
    """One email about a file to each of these people; the number delivered."""
    return sum(
        notify(
            user.email,
            subject,
            "application",
            user=user,
            paragraphs=paragraphs,
            comment=comment,
            link=link,
        )
        for user in people
    )


def after_transition(application: Application, name: str, comment: str = "") -> int:
    """The emails of a transition, sent once it is committed; the number queued."""
    link = external_url("applications.show", application_id=application.id)
    sent = 0
    for audience, subject, paragraphs in _messages(application, name):
        people = applicants(application) if audience == APPLICANT else secretariat()
        sent += tell(people, subject, paragraphs, link, comment)
    return sent
