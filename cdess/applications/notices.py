"""Emails on an application's transitions, to the structure's people and to the secretariat.
Queued by `services.transition` and sent once it is committed, never for a transition that
did not happen."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from cdess.accounts import queries as accounts
from cdess.accounts.models import Role
from cdess.applications.models import Application
from cdess.clock import next_session
from cdess.notifications.notices import appeal_rights, tell
from cdess.notifications.services import lazy_date
from cdess.structures import queries as structures
from cdess.web.urls import external_url

APPLICANT, SECRETARIAT = "applicant", "secretariat"


def _when(application: Application) -> LazyString:
    """When the file will be examined: its session once on an agenda, else the next one the
    council's calendar plans (announced as planned, never as the file's session)."""
    if application.session_date:
        return _l(
            "il est inscrit à l'ordre du jour de la séance du %(d)s.",
            d=lazy_date(application.session_date),
        )
    return _l(
        "il sera inscrit à l'ordre du jour d'une prochaine séance du conseil (la prochaine "
        "est prévue le %(d)s).",
        d=lazy_date(next_session(date.today())),
    )


def _capitalised(text) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _messages(application: Application, name: str) -> list[tuple[str, str, list[str]]]:
    """(audience, subject, paragraphs) for each email a transition sends, as lazy strings: each
    recipient reads them in their own locale (`tell`)."""
    structure = application.structure.name
    when = _when(application)
    if name in ("submit", "resubmit"):
        received = (
            _l("Les compléments du dossier de %(s)s ont bien été déposés.", s=structure)
            if name == "resubmit"
            else _l("Le dossier de candidature au label de %(s)s a bien été déposé.", s=structure)
        )
        return [
            (
                APPLICANT,
                _l("Dossier déposé — %(s)s", s=structure),
                [
                    received,
                    _l("Le secrétariat vérifie maintenant qu'il est complet ; %(when)s", when=when),
                ],
            ),
            (
                SECRETARIAT,
                _l("Nouveau dossier à vérifier — %(s)s", s=structure),
                [received, _l("Il attend la vérification de recevabilité.")],
            ),
        ]
    if name == "request_complements":
        return [
            (
                APPLICANT,
                _l("Des compléments sont demandés — %(s)s", s=structure),
                [
                    _l("Le secrétariat demande des compléments au dossier de %(s)s :", s=structure),
                    _l("Complétez le dossier puis déposez-le à nouveau depuis votre espace."),
                ],
            )
        ]
    if name == "declare_admissible":
        return [
            (
                APPLICANT,
                _l("Dossier recevable — %(s)s", s=structure),
                [
                    _l("Le dossier de %(s)s est complet et recevable.", s=structure),
                    LazyString(_capitalised, when),
                ],
            )
        ]
    if name == "declare_not_admissible":
        return [
            (
                APPLICANT,
                _l("Dossier non recevable — %(s)s", s=structure),
                [
                    _l(
                        "Le secrétariat a déclaré non recevable le dossier de %(s)s : le résultat "
                        "vérifié au vu des pièces ou le dossier ne respectent pas la charte. "
                        "Motif :",
                        s=structure,
                    ),
                    LazyString(appeal_rights),
                ],
            )
        ]
    if name in ("grant", "refuse", "defer"):
        decision = {
            "grant": _l("Le conseil a attribué le label à %(s)s.", s=structure),
            "refuse": _l("Le conseil n'a pas attribué le label à %(s)s.", s=structure),
            "defer": _l("Le conseil a ajourné l'examen du dossier de %(s)s.", s=structure),
        }[name]
        follow = {
            "grant": _l("Le secrétariat vous enverra le certificat du label."),
            "refuse": _l("Vous pourrez déposer une nouvelle candidature."),
            "defer": _l("Le dossier sera examiné à une séance suivante."),
        }[name]
        return [(APPLICANT, _l("Décision du conseil — %(s)s", s=structure), [decision, follow])]
    if name == "withdraw":
        text = _l("La candidature de %(s)s a été retirée.", s=structure)
        return [
            (APPLICANT, _l("Candidature retirée — %(s)s", s=structure), [text]),
            (SECRETARIAT, _l("Candidature retirée — %(s)s", s=structure), [text]),
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
