"""« Mon label »: what a structure's own people see of their label once it is granted — its
status and validity, the next annual follow-up and what it needs, the progress objectives
chosen at the grant, the certificate and its history — and, from the renewal window on, the
steps of the renewal, each with its link (also on the structure's page).

Where DESIGN is silent, decided here:
- the structure's label is its latest certificate not superseded, whatever its status (an
  expired or revoked one is shown as such: the page says what happened);
- the renewal window is `RENEWAL_WINDOW_MONTHS` before the label's last day
  (`applications.services.renewable`); a label kept valid past its end by a renewal filed in
  time (`certificates.services.renewing`) is still in it;
- the self-assessment counts as updated when one was finished after the label's file was
  submitted (the renewal needs a fresh picture, not the one the council voted on);
- the renewal's steps: sign the charter in force, update the self-assessment, file the
  renewal, the council's session; each done or not, the first one not done is the next;
- the next follow-up is `followups.services.next_for`'s: the one open, or the next by the
  label's calendar (« à venir », not open yet);
- the secretariat reads the page too (as the structure's other pages), without its actions.
"""

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cdess import signals
from cdess.applications import evidence
from cdess.applications import services as applications
from cdess.applications.models import Application, Kind, Objective, State
from cdess.assessments import queries as assessments
from cdess.certificates import services as certificates
from cdess.certificates.models import Certificate
from cdess.certificates.models import CertificateStatus as Status
from cdess.charter import services as charters
from cdess.clock import add_months, next_session
from cdess.extensions import db
from cdess.followups import services as followups
from cdess.structures.models import Structure
from cdess.structures.permissions import can_act_for, can_view_structure
from cdess.web.navigation import add_entry
from cdess.web.permissions import authenticated, permission_required, require
from cdess.web.typography import first_of_month

bp = Blueprint("label", __name__, url_prefix="/structures")


def can_follow_a_label(user) -> bool:
    """The menu's « Mon label »: for the people who act for a structure."""
    return user.is_authenticated and bool(user.memberships)


add_entry(bp, "label.mine", _l("Mon label"), can_follow_a_label, order=65)


# --- what the page reads ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of the renewal: done or not, and where it is taken."""

    key: str
    label: str
    done: bool
    url: str = ""
    post: bool = False  # the link is a button that posts (opening the renewal)
    detail: str = ""


@dataclass(frozen=True)
class ObjectiveProgress:
    """A progress objective of the label and how its criterion moved since the grant."""

    objective: Objective
    before: str  # the criterion's status in the label's file: met, partly, not_met…
    now: str  # in the latest finished self-assessment ("" when none)
    late: bool  # its target date passed and the criterion is still not met


@dataclass(frozen=True)
class FollowUpDue:
    """The next annual follow-up: its day, where it stands, and its own page when it has one."""

    day: date
    state: str
    url: str = ""
    documents: list[str] = field(default_factory=list)  # what it asks to upload


@dataclass
class Label:
    """What « Mon label » and the structure's page show of a structure's label."""

    structure: Structure
    certificate: Certificate | None
    today: date | None = None
    public: Status | None = None
    renewing: bool = False
    in_window: bool = False
    renewal: Application | None = None
    steps: list[Step] = field(default_factory=list)
    objectives: list[ObjectiveProgress] = field(default_factory=list)
    follow_up: FollowUpDue | None = None

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.steps if not s.done), None)


def current_certificate(structure: Structure) -> Certificate | None:
    """The structure's latest certificate not superseded, whatever its status, or None."""
    return db.session.execute(
        db.select(Certificate)
        .filter(Certificate.structure_id == structure.id, Certificate.status != Status.superseded)
        .order_by(Certificate.valid_from.desc(), Certificate.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_renewal(certificate: Certificate) -> Application | None:
    """The latest renewal of the certificate's label, in any state, or None."""
    return db.session.execute(
        db.select(Application)
        .filter(
            Application.previous_id == certificate.application_id,
            Application.kind == Kind.renewal,
        )
        .order_by(Application.id.desc())
        .limit(1)
    ).scalar_one_or_none()


ENDED = (State.refused, State.withdrawn, State.not_admissible)


def in_window(valid_until: date, today: date, months: int, renewing: bool) -> bool:
    """Whether a valid label is in its renewal window: it ends within `months` months and has
    not ended, or it is kept past its end by a renewal filed in time."""
    return renewing or today <= valid_until <= add_months(today, months)


def renewal_steps(
    *,
    signed: bool,
    assessed: bool,
    renewal_state: State | None,
) -> list[tuple[str, bool]]:
    """The renewal's steps in order, each with whether it is done: a renewal refused,
    withdrawn or not admissible counts as none (another may be filed while the label runs)."""
    if renewal_state in ENDED:
        renewal_state = None
    filed = renewal_state is not None and renewal_state is not State.draft
    decided = renewal_state in (State.granted, State.certified)
    return [
        ("sign", signed),
        ("assess", assessed or filed),
        ("file", filed),
        ("session", decided),
    ]


def _assessed_since(structure: Structure, previous: Application) -> bool:
    last = assessments.last_finished(structure)
    if last is None or last.finished_at is None:
        return False
    if previous.submitted_at is not None:
        return last.finished_at > previous.submitted_at
    return last.id != previous.assessment_id


def _steps(label: Label, today: date, acting: bool) -> list[Step]:
    structure, certificate, renewal = label.structure, label.certificate, label.renewal
    previous = certificate.application
    state = renewal.state if renewal is not None else None
    done = dict(
        renewal_steps(
            signed=charters.signature_in_force(structure, today) is not None,
            assessed=_assessed_since(structure, previous),
            renewal_state=state,
        )
    )
    running = renewal if renewal is not None and state not in ENDED else None
    in_progress = assessments.in_progress(structure)
    show_renewal = (
        url_for("applications.show", application_id=running.id) if running is not None else ""
    )
    session_day = (
        running.session_date
        if running is not None and running.session_date
        else next_session(today)
    )
    steps = [
        Step(
            "sign",
            _("Signer la charte en vigueur"),
            done["sign"],
            url_for("charter.sign", structure_id=structure.id),
        ),
        Step(
            "assess",
            _("Mettre à jour l'auto-évaluation"),
            done["assess"],
            url_for("assessments.result", assessment_id=in_progress.id)
            if in_progress is not None
            else url_for("assessments.history", structure_id=structure.id),
        ),
        Step(
            "file",
            _("Déposer la demande de renouvellement"),
            done["file"],
            show_renewal
            or (
                url_for("applications.renew", application_id=previous.id)
                if acting and applications.renewable(previous, today)
                else ""
            ),
            post=running is None,
            detail=(
                _("déposée le %(d)s", d=_day(certificates.renewal_filed_on(running)))
                if done["file"] and running is not None
                else ""
            ),
        ),
        Step(
            "session",
            _("Examen par le conseil en séance"),
            done["session"],
            show_renewal,
            detail=_("séance du %(d)s", d=_day(session_day)) if not done["session"] else "",
        ),
    ]
    return steps


def _day(day: date | None) -> str:
    return first_of_month(format_date(day, "long")) if day else ""


def _objectives(certificate: Certificate, structure: Structure, today: date):
    previous = certificate.application
    before = {
        c["code"]: c["status"]
        for c in (previous.snapshot or {}).get("result", {}).get("criteria", [])
    }
    last = assessments.last_finished(structure)
    now = {c["code"]: c["status"] for c in (last.result or {}).get("criteria", [])} if last else {}
    return [
        ObjectiveProgress(
            objective=o,
            before=before.get(o.criterion_code, ""),
            now=now.get(o.criterion_code, ""),
            late=o.target_date < today and now.get(o.criterion_code) != "met",
        )
        for o in previous.objectives
    ]


def _follow_up(structure: Structure, certificate: Certificate, today: date) -> FollowUpDue | None:
    if not certificate.is_standing:
        return None
    found = followups.next_for(structure.id, today)
    if found is None:
        return None
    documents = [str(evidence.GENERAL[kind]) for kind in found.kinds]
    if found.id is None:  # not open yet: its day by the label's calendar
        return FollowUpDue(found.anniversary, str(_l("à venir")), documents=documents)
    url = url_for("followups.show", followup_id=found.id)
    return FollowUpDue(found.anniversary, found.state.label, url, documents)


def label_of(structure: Structure, today: date | None = None, *, acting: bool = False) -> Label:
    """Everything « Mon label » shows of the structure's label on `today`; `acting`: the reader
    acts for the structure (the renewal may be opened from the page)."""
    today = today or date.today()
    certificate = current_certificate(structure)
    if certificate is None:
        return Label(structure, None, today)
    renewing = certificates.renewing(certificate)
    label = Label(
        structure,
        certificate,
        today,
        public=certificates.public_status(certificate, today),
        renewing=renewing,
        renewal=latest_renewal(certificate),
        objectives=_objectives(certificate, structure, today),
        follow_up=_follow_up(structure, certificate, today),
    )
    months = current_app.config["RENEWAL_WINDOW_MONTHS"]
    label.in_window = label.public is Status.valid and in_window(
        certificate.valid_until, today, months, renewing
    )
    if label.in_window:
        label.steps = _steps(label, today, acting)
    return label


@signals.structure_page.connect
def _structure_label(structure: Structure, **_kwargs) -> dict:
    """A structure's page shows its label, and the renewal's steps once in the window."""
    return {"my_label": label_of(structure, acting=can_act_for(current_user, structure))}


# --- pages ------------------------------------------------------------------------------------


@bp.get("/mon-label")
@permission_required(can_follow_a_label)
def mine():
    """The menu's entry: straight to the label of one's structure, or the choice among them."""
    structures = current_user.structures
    if len(structures) == 1:
        return redirect(url_for("label.show", structure_id=structures[0].id))
    return render_template(
        "followups/label.html", my_label=None, choices=[label_of(s) for s in structures]
    )


@bp.get("/<int:structure_id>/label")
@permission_required(authenticated)
def show(structure_id: int):
    structure = db.get_or_404(Structure, structure_id)
    require(can_view_structure(current_user, structure))
    acting = can_act_for(current_user, structure)
    return render_template(
        "followups/label.html",
        my_label=label_of(structure, acting=acting),
        acting=acting,
        choices=None,
    )
