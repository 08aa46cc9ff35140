"""What must hold before an application moves: the preconditions the workflow's table names,
each a function of the application giving its problems in French (none: it holds). Pure
reads; the workflow enforces them, the pages show them."""

from datetime import date

from flask_babel import lazy_gettext as _l

from cdess.applications import evidence, review, verification
from cdess.applications.models import Application
from cdess.charter import services as charter


def finished_assessment(application: Application) -> list[str]:
    assessment = application.assessment
    if assessment is None or not assessment.finished:
        return [str(_l("Rattachez une auto-évaluation terminée."))]
    if assessment.structure_id != application.structure_id:
        return [str(_l("L'auto-évaluation n'est pas celle de cette structure."))]
    return []


def eligible_self_assessment(application: Application) -> list[str]:
    """Only an eligible self-assessment is submitted; the applicant reads what fails."""
    obstacles = verification.self_assessed_obstacles(application)
    if not obstacles:
        return []
    return [str(_l("L'auto-évaluation jointe ne respecte pas la charte :")), *obstacles]


def answers_verified(application: Application) -> list[str]:
    if codes := verification.unverified(application):
        return [
            str(
                _l(
                    "Réponses à vérifier au vu des pièces (%(n)s) : %(codes)s.",
                    n=len(codes),
                    codes=", ".join(codes),
                )
            )
        ]
    return []


def eligible_verified_result(application: Application) -> list[str]:
    """A file goes forward only on a verified result that meets the charter."""
    if application.verified_result is None:
        return [str(_l("Le résultat vérifié n'est pas encore établi."))]
    if obstacles := verification.verified_obstacles(application):
        return [str(_l("Le résultat vérifié ne respecte pas la charte :")), *obstacles]
    return []


def signed_current_charter(application: Application) -> list[str]:
    """The structure's signature counts today: of the published version, of an older one
    that only minor versions followed, or within a major version's grace period."""
    return [str(p) for p in charter.signature_problems(application.structure, date.today())]


def identity_complete(application: Application) -> list[str]:
    structure = application.structure
    if not (structure.siret or structure.siren or structure.rna) or not structure.commune_code:
        return [str(_l("Complétez l'identité de la structure (identifiant et commune)."))]
    return []


def required_documents(application: Application) -> list[str]:
    return evidence.missing_documents(application)


def objectives_reported(application: Application) -> list[str]:
    """A renewal reports on each objective of the label it renews."""
    previous = application.previous
    if previous is None:
        return []
    return [
        str(_l("Faites le bilan de l'objectif sur le critère %(code)s.", code=o.criterion_code))
        for o in previous.objectives
        if not o.outcome.strip()
    ]


def checklist_complete(application: Application) -> list[str]:
    return [
        str(_l("Vérification non cochée : %(item)s.", item=item))
        for item in review.unticked(application)
    ] + required_documents(application)


def automatic(application: Application) -> list[tuple[str, bool]]:
    """(label, holds) for what the application shows by itself."""
    result = (application.snapshot or {}).get("result") or {}
    remaining = verification.unverified(application) if application.snapshot else []
    return [
        (str(_l("Charte en vigueur signée")), not signed_current_charter(application)),
        (
            str(_l("Auto-évaluation terminée jointe")),
            not finished_assessment(application),
        ),
        (str(_l("Éligible selon l'auto-évaluation")), bool(result.get("eligible"))),
        (
            str(_l("Réponses vérifiées au vu des pièces (%(n)s à vérifier)", n=len(remaining))),
            bool(application.snapshot) and not remaining,
        ),
        (
            str(_l("Éligible selon le résultat vérifié")),
            verification.verified_eligible(application),
        ),
        (str(_l("Pièces obligatoires présentes")), not evidence.missing_documents(application)),
    ]
