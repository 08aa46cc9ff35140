"""How the journal names its subjects and actions in French."""

from flask_babel import lazy_gettext as _l

SUBJECTS = {
    "application": _l("Candidature"),
    "session": _l("Séance"),
    "agenda_item": _l("Point de l'ordre du jour"),
    "certificate": _l("Certificat"),
    "proposal": _l("Proposition au conseil"),
    "charter_version": _l("Version de la charte"),
    "signature": _l("Signature de la charte"),
    "user": _l("Compte"),
    "structure": _l("Structure"),
    "document": _l("Pièce"),
    "rules": _l("Règlement intérieur"),
}

ACTIONS = {
    # an application's transitions (the workflow's names)
    "submit": _l("Dossier déposé"),
    "resubmit": _l("Compléments déposés"),
    "request_complements": _l("Compléments demandés"),
    "declare_admissible": _l("Déclaré recevable"),
    "declare_not_admissible": _l("Déclaré non recevable"),
    "schedule": _l("Inscrit à l'ordre du jour"),
    "unschedule": _l("Retiré de l'ordre du jour"),
    "grant": _l("Label attribué"),
    "refuse": _l("Label refusé"),
    "defer": _l("Examen ajourné"),
    "certify": _l("Certificat délivré (dossier)"),
    "withdraw": _l("Candidature retirée"),
    "transition": _l("Changement d'état"),
    "created": _l("Candidature créée"),
    "assessment_attached": _l("Auto-évaluation jointe"),
    # the file's review
    "answer_confirmed": _l("Réponse confirmée par les pièces"),
    "answer_corrected": _l("Réponse corrigée au vu des pièces"),
    "answers_confirmed": _l("Réponses restantes confirmées"),
    "checklist": _l("Vérifications de recevabilité"),
    "document_added": _l("Pièce déposée"),
    "document_replaced": _l("Pièce remplacée"),
    "document_removed": _l("Pièce retirée"),
    # sessions and votes
    "session_planned": _l("Séance planifiée"),
    "session_changed": _l("Séance modifiée"),
    "session_cancelled": _l("Séance annulée"),
    "session_convened": _l("Séance convoquée"),
    "session_opened": _l("Séance ouverte"),
    "session_closed": _l("Séance close"),
    "minutes_approved": _l("Procès-verbal approuvé"),
    "rules_changed": _l("Règlement intérieur modifié"),
    "item_added": _l("Point inscrit"),
    "item_removed": _l("Point retiré"),
    "item_moved": _l("Point déplacé"),
    "rapporteur_assigned": _l("Rapporteur désigné"),
    "report_written": _l("Rapport écrit"),
    "ballot_mode": _l("Mode de scrutin choisi"),
    "conflict_declared": _l("Conflit d'intérêts déclaré"),
    "conflict_withdrawn": _l("Conflit d'intérêts retiré"),
    "members_recused": _l("Membres récusés"),
    "proxy_given": _l("Pouvoir donné"),
    "proxy_withdrawn": _l("Pouvoir retiré"),
    "member_arrived": _l("Membre présent"),
    "member_left": _l("Membre parti"),
    "vote_opened": _l("Vote ouvert"),
    "ballot_cast": _l("Vote exprimé"),
    "vote_closed": _l("Vote clos"),
    "vote_annulled": _l("Vote annulé"),
    # certificates
    "certificate_issued": _l("Certificat délivré"),
    "certificate_reissued": _l("Certificat réédité"),
    "status_changed": _l("Statut du label changé"),
    "status_proposed": _l("Changement de statut proposé au conseil"),
    "proposal_answered": _l("Réponse de la structure"),
    "expired": _l("Label arrivé à échéance"),
    # charter and signatures
    "charter_published": _l("Charte publiée"),
    "charter_signed": _l("Charte signée"),
    "signature_status": _l("Statut de la signature changé"),
    # accounts and structures
    "account_created": _l("Compte créé"),
    "account_changed": _l("Droits du compte modifiés"),
    "password_reset": _l("Mot de passe réinitialisé"),
    "structure_created": _l("Structure créée"),
    "structure_changed": _l("Identité de la structure modifiée"),
    "member_added": _l("Personne ajoutée à la structure"),
    "member_removed": _l("Personne retirée de la structure"),
}


def name_subjects(**labels) -> None:
    """A domain names its subjects (`followup="Suivi annuel"`): the journal stands below the
    domains and imports none. A name already given is refused (two domains, one kind)."""
    _name(SUBJECTS, labels)


def name_actions(**labels) -> None:
    """A domain names its actions, as `name_subjects`."""
    _name(ACTIONS, labels)


def _name(names: dict, labels: dict) -> None:
    if taken := sorted(set(names) & set(labels)):
        raise ValueError(f"already named in the journal: {', '.join(taken)}")
    names.update(labels)


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def subject_label(kind: str) -> str:
    return str(SUBJECTS.get(kind, kind))


# A subject's states, named by the enums of its own domain: each domain registers them
# (`name_states`), since the journal stands below the domains and imports none.
STATES: dict[str, list] = {}


def name_states(kind: str, *names) -> None:
    """The journal names the states of `kind` with these labelled enums or dicts (value →
    name), the first that knows a value winning."""
    STATES.setdefault(kind, []).extend(names)


def state_label(kind: str, value: str) -> str:
    """A state recorded in the journal, by its French name where its domain gave one."""
    if not value:
        return "—"
    for names in STATES.get(kind, ()):
        if isinstance(names, dict):
            if value in names:
                return str(names[value])
        elif value in {member.value for member in names}:
            return names(value).label
    return value


ANCHOR_SOURCES = {
    "published": _l("Publiée sur cette page"),
    "minutes": _l("Procès-verbal de séance"),
    "certificate": _l("Certificat"),
}
