"""The demo's annual follow-ups, told through the services: the daily run on the days it
would have run, the structure filing, the secretariat accepting.

- the labels old enough (the one ending within six months, granted 21 months ago, and the one
  being renewed, 20 months ago: `demo.renewal`) had their follow-up: filed on its day and
  accepted;
- two more labels, granted 14 and 11 months ago the way the scenario grants the older ones
  (`scenario._granted_before_the_sessions_kept`): the first one's follow-up fell two months
  ago, was never filed, and is flagged for the secretariat; the second one's falls within the
  month, open and reminded;
- `check` says what would break a rule of the follow-ups; `create_followups` refuses to load
  such data (DemoIntegrityError)."""

import io
import random
from datetime import date, timedelta

from werkzeug.datastructures import FileStorage

from cdess.accounts.models import User
from cdess.applications import review
from cdess.applications import services as applications
from cdess.certificates import services as certificates
from cdess.certificates.models import Certificate
from cdess.certificates.models import CertificateStatus as Status
from cdess.clock import add_months
from cdess.demo import scenario
from cdess.demo.data import DEMO_DOMAIN
from cdess.extensions import db
from cdess.followups import services as followups
from cdess.followups.models import FollowUp, FollowUpState

# How many months ago the two labels of the demo's follow-ups were granted, and the day of
# the one due (days from today).
_LATE_MONTHS, _DUE_IN_DAYS = -14, 20


def _label(user: User, agent: User, president: User, start: date) -> Certificate:
    """A label granted and certified on `start` for the user's structure, through the
    workflow as the scenario's older labels."""
    structure = user.memberships[0].structure
    rng = random.Random(structure.id)  # nosec B311  # repeatable demo data, no secret
    assessment = scenario._assessment(structure, user, rng, True)
    application = applications.create(structure, user)
    applications.attach_assessment(application, assessment, user)
    scenario._documents(application, user)
    scenario._objectives(application, start)
    applications.transition(application, "submit", user)
    scenario._verify(application, agent, "certified", 0)
    applications.set_checklist(application, set(review.MANUAL), agent)
    applications.transition(application, "declare_admissible", agent)
    scenario._granted_before_the_sessions_kept(application, agent, president, start)
    return certificates.issue(application, agent, today=start)


def _filing(followup: FollowUp) -> followups.Filing:
    names = {"statutes": "statuts", "minutes": "pv-assemblee-generale", "accounts": "comptes"}
    return followups.Filing(
        uploads={
            kind: FileStorage(
                io.BytesIO(scenario.demo_pdf(names[kind.value], followup.structure.name)),
                filename=f"{names[kind.value]}-{followup.anniversary.year}.pdf",
            )
            for kind in followup.kinds
        },
        answers={c.code: (True, "") for c in followups.eliminatory_criteria(followup)},
        progress={
            o.id: "Le point a été inscrit à l'ordre du jour de l'assemblée générale ; un "
            "référent est désigné."
            for o in followups.objectives(followup)
        },
    )


def create_followups(applicants: list[User], agent: User) -> int:
    """The demo's follow-ups (one accepted, one overdue and flagged, one due), made by
    running the calendar on the days it would have run; refused (DemoIntegrityError) when they
    break a rule. Returns how many follow-ups exist."""
    from cdess.demo import DemoIntegrityError  # the package imports this module

    today = date.today()
    president = db.session.execute(
        db.select(User).filter_by(email=f"president@{DEMO_DOMAIN}")
    ).scalar_one()
    free = applicants[2 + len(scenario.DEMO_APPLICATION_STATES) :][:2]
    if len(free) < 2:
        return 0
    due_day = today + timedelta(days=_DUE_IN_DAYS)
    late = _label(free[0], agent, president, add_months(today, _LATE_MONTHS))
    due = _label(free[1], agent, president, add_months(due_day, -12))
    db.session.flush()
    # The other labels old enough to have had a follow-up (the one ending within six months,
    # the one being renewed) filed theirs on its day, and the secretariat accepted it.
    kept = list(
        db.session.execute(
            db.select(Certificate).filter(
                Certificate.status == Status.valid, Certificate.id.not_in([late.id, due.id])
            )
        ).scalars()
    )
    # The days the daily command ran on: each step of each follow-up, in order.
    days = set()
    for certificate in (*kept, late, due):
        for anniversary in followups.calendar.anniversaries(
            certificate.valid_from, certificate.valid_until
        ):
            days |= {anniversary + timedelta(days=n) for n in (-60, -30, 0, 1, 30)}
    for day in sorted(d for d in days if d <= today):
        followups.run(day)
        for certificate in kept:
            found = followups.next_for(certificate.structure_id, day)
            if found is not None and found.id is not None and found.anniversary == day:
                holder = certificate.structure.memberships[0].user
                followups.file(found, holder, _filing(found), today=day)
                followups.accept(found, agent)
                db.session.commit()
    followups.run(today)
    if problems := check(today):
        raise DemoIntegrityError(problems)
    return db.session.execute(db.select(db.func.count(FollowUp.id))).scalar_one()


def check(today: date) -> list[str]:
    """What in the demo's follow-ups would break a rule (empty when all holds): one accepted
    with its documents and every criterion confirmed, one overdue and flagged 30 days after
    its day, one due within 60 days, not flagged; none of a label not valid."""
    problems = []
    rows = list(db.session.execute(db.select(FollowUp)).scalars())
    held = {(f.certificate_id, f.anniversary) for f in rows}
    for certificate in db.session.execute(
        db.select(Certificate).filter(Certificate.status == Status.valid)
    ).scalars():
        for day in followups.calendar.anniversaries(
            certificate.valid_from, certificate.valid_until
        ):
            if day - timedelta(days=60) <= today and (certificate.id, day) not in held:
                problems.append(
                    f"{certificate.structure.name} : pas de suivi annuel pour le {day:%d/%m/%Y}."
                )
    states = [f.state for f in rows]
    for state in (FollowUpState.accepted, FollowUpState.overdue, FollowUpState.due):
        if state not in states:
            problems.append(f"aucun suivi annuel « {state.label} » dans la démonstration.")
    for f in rows:
        name = f.structure.name
        if f.certificate.status is not Status.valid:
            problems.append(f"{name} : suivi d'un label qui n'est pas valide.")
        if f.state is FollowUpState.accepted and (
            any(f.document(kind) is None for kind in f.kinds)
            or not f.confirmations
            or f.decided_at is None
        ):
            problems.append(f"{name} : suivi accepté sans ses pièces ou ses confirmations.")
        if f.state is FollowUpState.overdue and (
            today <= f.anniversary
            or (f.flagged_at is None) == (today >= f.anniversary + timedelta(days=30))
        ):
            problems.append(f"{name} : suivi en retard mal signalé.")
        if f.state is FollowUpState.due and (
            f.flagged_at is not None or not f.anniversary - timedelta(days=60) <= today
        ):
            problems.append(f"{name} : suivi à déposer hors de son calendrier.")
    return problems
