"""The one place that moves an application from state to state (DESIGN: "The application
and its life"). Each transition names who may make it and what must hold first; every
transition writes its entry in the journal. Anything else is refused. `services.transition`
is the one way in: it adds each transition's side effects and emails."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from cdess.accounts.models import User
from cdess.accounts.permissions import is_staff
from cdess.applications import checks
from cdess.applications.models import Application, State
from cdess.audit import services as audit
from cdess.audit.models import AuditEntry
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.structures.permissions import can_act_for

# Who acts: the structure's own people, the secretariat (and admins), the president.
APPLICANT, SECRETARIAT, PRESIDENT = "applicant", "secretariat", "president"


class TransitionError(Exception):
    """Refused: not allowed from this state, not for this person, or a precondition fails."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(str(p) for p in self.problems))


class ConcurrentTransition(TransitionError):
    """Someone else changed the application first."""


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[State]
    target: State
    actors: frozenset[str]
    label: str
    comment_required: bool = False
    preconditions: tuple[Callable[[Application], list[str]], ...] = field(default=())
    # Made elsewhere than on the application's page: the council's decisions by closing the
    # session's vote ("vote"), putting on and taking off an agenda by the session's planning
    # ("agenda"). The page neither offers nor accepts them.
    made_by: str = ""


BEFORE_SESSION = frozenset(
    {State.draft, State.submitted, State.incomplete, State.admissible, State.scheduled}
)
SUBMIT_CHECKS = (
    checks.signed_current_charter,
    checks.finished_assessment,
    checks.eligible_self_assessment,
    checks.identity_complete,
    checks.required_documents,
    checks.objectives_reported,
)

TRANSITIONS = {
    t.name: t
    for t in (
        Transition(
            "submit",
            frozenset({State.draft}),
            State.submitted,
            frozenset({APPLICANT}),
            _l("Déposer le dossier"),
            preconditions=SUBMIT_CHECKS,
        ),
        Transition(
            "resubmit",
            frozenset({State.incomplete}),
            State.submitted,
            frozenset({APPLICANT}),
            _l("Déposer les compléments"),
            preconditions=SUBMIT_CHECKS,
        ),
        Transition(
            "request_complements",
            frozenset({State.submitted}),
            State.incomplete,
            frozenset({SECRETARIAT}),
            _l("Demander des compléments"),
            comment_required=True,
        ),
        Transition(
            "declare_admissible",
            frozenset({State.submitted}),
            State.admissible,
            frozenset({SECRETARIAT}),
            _l("Déclarer recevable"),
            preconditions=(
                checks.checklist_complete,
                checks.answers_verified,
                checks.eligible_verified_result,
            ),
        ),
        Transition(
            "declare_not_admissible",
            frozenset({State.submitted, State.admissible}),
            State.not_admissible,
            frozenset({SECRETARIAT}),
            _l("Déclarer non recevable"),
            comment_required=True,
        ),
        Transition(
            "schedule",
            frozenset({State.admissible, State.deferred}),
            State.scheduled,
            frozenset({SECRETARIAT}),
            _l("Inscrire à l'ordre du jour"),
            preconditions=(checks.eligible_verified_result,),
            made_by="agenda",
        ),
        Transition(
            "unschedule",
            frozenset({State.scheduled}),
            State.admissible,
            frozenset({SECRETARIAT}),
            _l("Retirer de l'ordre du jour"),
            comment_required=True,
            made_by="agenda",
        ),
        Transition(
            "grant",
            frozenset({State.scheduled}),
            State.granted,
            frozenset({SECRETARIAT, PRESIDENT}),
            _l("Attribuer le label"),
            preconditions=(checks.eligible_verified_result,),
            made_by="vote",
        ),
        Transition(
            "refuse",
            frozenset({State.scheduled}),
            State.refused,
            frozenset({SECRETARIAT, PRESIDENT}),
            _l("Refuser le label"),
            comment_required=True,
            made_by="vote",
        ),
        Transition(
            "defer",
            frozenset({State.scheduled}),
            State.deferred,
            frozenset({SECRETARIAT, PRESIDENT}),
            _l("Ajourner"),
            comment_required=True,
            made_by="vote",
        ),
        Transition(
            "certify",
            frozenset({State.granted}),
            State.certified,
            frozenset({SECRETARIAT}),
            _l("Délivrer le certificat"),
            preconditions=(checks.eligible_verified_result,),
        ),
        Transition(
            "withdraw",
            BEFORE_SESSION,
            State.withdrawn,
            frozenset({APPLICANT}),
            _l("Retirer la candidature"),
        ),
    )
}


def actor_kinds(user: User | None, application: Application) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    kinds = set()
    if can_act_for(user, application.structure):
        kinds.add(APPLICANT)
    if is_staff(user):
        kinds.add(SECRETARIAT)
    if user.is_president:
        kinds.add(PRESIDENT)
    return kinds


def allowed(user: User | None, application: Application) -> list[Transition]:
    """The transitions this person may offer from the application's current state."""
    kinds = actor_kinds(user, application)
    return [
        t
        for t in TRANSITIONS.values()
        if application.state in t.sources and t.actors & kinds and not t.made_by
    ]


def move(application: Application, name: str, actor: User, reason: str = "") -> AuditEntry:
    """Check and make a transition with its journal entry, or raise TransitionError. Only
    `services.transition` calls it (with the transition's side effects). Flushes."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(str(_l("Action inconnue.")))
    if application.state not in transition.sources:
        raise TransitionError(str(_l("Cette action n'est pas possible dans l'état actuel.")))
    if not transition.actors & actor_kinds(actor, application):
        raise TransitionError(str(_l("Vous n'avez pas le droit de faire cette action.")))
    reason = (reason or "").replace("\x00", "").strip()
    if transition.comment_required and not reason:
        raise TransitionError(str(_l("Indiquez un motif.")))
    problems = [p for check in transition.preconditions for p in check(application)]
    if problems:
        raise TransitionError(problems)

    source, now = application.state, utcnow()
    # Compare-and-set on the revision: of two concurrent transitions, one finds no row.
    moved = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.revision == application.revision)
        .values(revision=Application.revision + 1, state=transition.target, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise ConcurrentTransition(
            str(_l("Le dossier vient d'être modifié par quelqu'un d'autre : rechargez la page."))
        )
    db.session.expire(application, ["state", "revision", "updated_at"])
    if transition.target is State.submitted:
        application.submitted_at = now
    return audit.record(
        application, name, actor, reason=reason, from_state=source, to_state=transition.target
    )
