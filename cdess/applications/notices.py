"""Emails on an application's transitions, to the structure's people and to the secretariat.
Queued by `services.transition` and sent once it is committed, never for a transition that
did not happen."""

from datetime import date

from flask_babel import gettext as _

from cdess.accounts import queries as accounts
from cdess.accounts.models import Role
from cdess.applications.models import Application
from cdess.clock import next_session
from cdess.notifications.notices import appeal_rights, tell
from cdess.structures import queries as structures
from cdess.web.urls import external_url

APPLICANT, SECRETARIAT = "applicant", "secretariat"


def _when(application: Application) -> str:
    """When the file will be examined: its session once on an agenda, else the next one the
    council's calendar plans (announced as planned, never as the file's session)."""
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


def after_transition(application: Application, name: str, comment: str = "") -> int:
    """The emails of a transition, sent once it is committed; the number queued."""
    link = external_url("applications.show", application_id=application.id)
    sent = 0
    for audience, subject, paragraphs in _messages(application, name):
        people = (
            structures.people(application.structure_id)
            if audience == APPLICANT
            else accounts.with_role(Role.secretariat)
        )
        sent += tell(people, subject, paragraphs, link, comment)
    return sent
