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
    from cdess.applications import evidence, verification, workflow

    result = (application.snapshot or {}).get("result") or {}
    remaining = verification.unverified(application) if application.snapshot else []
    return [
        (str(_l("Charte en vigueur signée")), not workflow.signed_current_charter(application)),
        (
            str(_l("Auto-évaluation terminée jointe")),
            not workflow.finished_assessment(application),
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


def unticked(application: Application) -> list[str]:
    ticked = application.checklist or {}
    return [str(label) for key, label in MANUAL.items() if key not in ticked]
