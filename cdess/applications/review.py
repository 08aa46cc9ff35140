"""The secretariat's admissibility checklist: what the application shows by itself, and what
an agent checks by reading the file and ticks. Every manual item must be ticked before the
file is declared admissible."""

from flask_babel import lazy_gettext as _l

from cdess.applications.models import Application

MANUAL = {
    "identity": _l("Identité vérifiée : SIRET ou RNA, siège, représentant légal"),
    "statutes": _l("Statuts compatibles avec l'ESS (loi 2014-856, article 1)"),
    "documents": _l("Procès-verbal et comptes lisibles, datés, du dernier exercice"),
    "evidence": _l("Justificatifs cohérents avec les réponses de l'auto-évaluation"),
}


def automatic(application: Application) -> list[tuple[str, bool]]:
    """(label, holds) for what the application shows by itself."""
    from cdess.applications import evidence, workflow

    result = (
        (application.snapshot or {}).get("result")
        or (application.assessment.result if application.assessment else None)
        or {}
    )
    failed = result.get("failed_eliminatory", [])
    below = result.get("principles_below_floor", [])
    eligibility = str(_l("Éligible selon l'auto-évaluation"))
    if failed:
        eligibility += str(_l(" — critères éliminatoires manqués : %(c)s", c=", ".join(failed)))
    if below:
        eligibility += str(_l(" — principes sous le seuil : %(p)s", p=", ".join(below)))
    return [
        (str(_l("Charte en vigueur signée")), not workflow.signed_current_charter(application)),
        (
            str(_l("Auto-évaluation terminée jointe")),
            not workflow.finished_assessment(application),
        ),
        (eligibility, bool(result.get("eligible"))),
        (str(_l("Pièces obligatoires présentes")), not evidence.missing_documents(application)),
    ]


def unticked(application: Application) -> list[str]:
    ticked = application.checklist or {}
    return [str(label) for key, label in MANUAL.items() if key not in ticked]
