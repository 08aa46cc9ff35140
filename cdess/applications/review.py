"""The secretariat's admissibility checklist: what an agent checks by reading the file and
ticks. Every manual item must be ticked before the file is declared admissible (what the
application shows by itself is `checks.automatic`)."""

from flask_babel import lazy_gettext as _l

from cdess.applications.models import Application

MANUAL = {
    "identity": _l("Identité vérifiée : SIRET ou RNA, siège, représentant légal"),
    "statutes": _l("Statuts compatibles avec l'ESS (loi 2014-856, article 1)"),
    "documents": _l("Procès-verbal et comptes lisibles, datés, du dernier exercice"),
    "evidence": _l("Justificatifs cohérents avec les réponses de l'auto-évaluation"),
}


def unticked(application: Application) -> list[str]:
    """The manual items not ticked yet, by their labels."""
    ticked = application.checklist or {}
    return [str(label) for key, label in MANUAL.items() if key not in ticked]
