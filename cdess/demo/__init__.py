"""The demo dataset: a Pas-de-Calais-shaped ESS, fictitious but plausible, and its accounts.

3,445 employer structures as in the département's figures (81 % associations, 15 %
coopératives, 4 % fondations), seated in real communes drawn by population, with valid
SIRET and RNA numbers; 70 council members in 9 collèges, a president, two agents, and
applicant accounts for the first structures; signatories, self-assessments, applications in
every state, sessions, votes and certificates. Deterministic: the same seed gives the same data.

- `data.py`: the names and counts the demo draws from;
- `structures.py`: the structures and people, as plain rows;
- `scenario.py`: the story, told through the services;
- here: `load`, which refuses data that would break a rule of the label
  (`check_demo_integrity`), and `database_state`, which tells a demo database from a real one.
"""

import random
from datetime import date, timedelta

from sqlalchemy import func

from cdess.accounts.models import College, User
from cdess.accounts.services import ensure_default_colleges
from cdess.applications.models import Application, State
from cdess.audit import services as audit
from cdess.certificates.models import Certificate, CertificateStatus
from cdess.charter.services import ensure_default_charter
from cdess.clock import add_months
from cdess.demo import followups, history, renewal, scenario
from cdess.demo.data import APPLICANT_COUNT, DEMO_DOMAIN, MEMBER_COUNT, SHARES, STRUCTURE_COUNT
from cdess.demo.scenario import DEMO_APPLICATION_STATES, NOT_ELIGIBLE_DRAFT, demo_pdf
from cdess.demo.structures import insert_structures, structure_rows
from cdess.extensions import db
from cdess.reports.demo import received_report
from cdess.sessions.live import local_date
from cdess.sessions.models import AgendaItem, ItemKind, SessionStatus, VoteStatus
from cdess.structures.models import Structure

__all__ = [
    "APPLICANT_COUNT",
    "DEMO_APPLICATION_STATES",
    "DEMO_DOMAIN",
    "MEMBER_COUNT",
    "NOT_ELIGIBLE_DRAFT",
    "SHARES",
    "STRUCTURE_COUNT",
    "DemoIntegrityError",
    "check_demo_integrity",
    "database_state",
    "demo_pdf",
    "load",
    "structure_rows",
]


def database_state() -> str:
    """'empty', 'demo' (only demo accounts) or 'real' (anything else)."""
    users = db.session.execute(db.select(func.count(User.id))).scalar_one()
    if users == 0:
        structures = db.session.execute(db.select(func.count(Structure.id))).scalar_one()
        return "empty" if structures == 0 else "real"
    others = db.session.execute(
        db.select(func.count(User.id)).where(~User.email.endswith("@" + DEMO_DOMAIN))
    ).scalar_one()
    return "real" if others else "demo"


class DemoIntegrityError(RuntimeError):
    """The demo data would break a rule of the label: it is not loaded."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def check_demo_integrity() -> list[str]:
    """What in the demo would break a rule of the label (empty when all holds): no file is
    granted or certified, and no certificate issued, on a result that fails the charter; every
    certificate comes from a council's vote that granted it with its quorum; the history's
    dates are in order; the journal verifies."""
    problems = []
    labelled = db.session.execute(
        db.select(Application).filter(Application.state.in_([State.granted, State.certified]))
    ).scalars()
    for application in labelled:
        verified = application.verified_result or {}
        if not verified.get("eligible") or not (application.snapshot or {}).get("result", {}).get(
            "eligible"
        ):
            problems.append(
                f"{application.structure.name} : label attribué sur un résultat non éligible."
            )
    for certificate in db.session.execute(db.select(Certificate)).scalars():
        if not (certificate.application.verified_result or {}).get("eligible"):
            problems.append(f"certificat {certificate.number} : résultat vérifié non éligible.")
        problems += _granted_by_the_council(certificate)
    problems += _in_order()
    if not (journal := audit.verify()).intact:
        problems += [f"journal : {problem}" for problem in journal.problems]
    return problems


def _quorum_held(item: AgendaItem) -> bool:
    result = item.result or {}
    return all(
        (count := result.get(moment)) and count["present_or_represented"] >= count["required"]
        for moment in ("quorum_at_open", "quorum_at_close")
    )


def _granted_by_the_council(certificate: Certificate) -> list[str]:
    """A certificate comes from a vote that granted its file, closed, with its quorum at
    opening and closing, at a closed session held before the label's first day."""
    items = [
        i
        for i in certificate.application.agenda_items
        if i.kind is ItemKind.application and (i.result or {}).get("outcome") == "granted"
    ]
    if not any(
        i.vote_status is VoteStatus.closed
        and i.session.status is SessionStatus.closed
        and _quorum_held(i)
        and i.session.starts_at.date() <= certificate.valid_from
        for i in items
    ):
        return [f"certificat {certificate.number} : sans vote du conseil qui l'accorde."]
    return []


def _in_order() -> list[str]:
    """Dates in order: a file filed before its session, a vote opened on its session's day
    and closed after, a label's period and its changes of
    status within it (an end the day after)."""
    problems = []
    today = date.today()
    for item in db.session.execute(
        db.select(AgendaItem).filter(AgendaItem.vote_status == VoteStatus.closed)
    ).scalars():
        day = item.session.starts_at.date()
        if not item.vote_opened_at <= item.vote_closed_at or local_date(item.vote_opened_at) != day:
            problems.append(f"point {item.id} : vote hors de sa séance.")
        if not _quorum_held(item):
            problems.append(f"point {item.id} : vote clos sans quorum.")
        filed = item.application.submitted_at if item.kind is ItemKind.application else None
        if filed is not None and filed.date() > day:
            problems.append(f"point {item.id} : dossier déposé après sa séance.")
    for certificate in db.session.execute(db.select(Certificate)).scalars():
        if not certificate.valid_from <= certificate.valid_until:
            problems.append(f"certificat {certificate.number} : période à l'envers.")
        for change in certificate.history[1:]:
            if (
                not certificate.valid_from
                <= change.decided_on
                <= certificate.valid_until + (timedelta(days=1))
            ):
                problems.append(f"certificat {certificate.number} : changement hors période.")
        if certificate.status is CertificateStatus.expired and certificate.valid_until >= today:
            problems.append(f"certificat {certificate.number} : expiré avant sa fin.")
    return problems


def load(seed: int = 62) -> list[str]:
    """Insert the whole demo dataset in the current transaction; returns a summary. Raises
    DemoIntegrityError, the caller rolling back, when the data would break a rule of the
    label."""
    rng = random.Random(seed)  # nosec B311  # repeatable demo data, no secret
    ensure_default_colleges()
    ensure_default_charter()
    insert_structures(seed)
    agent, applicants = scenario.create_accounts(rng)
    signed, assessed = scenario.charter_activity(rng, applicants)
    today = date.today()
    president = db.session.execute(
        db.select(User).filter_by(email=f"president@{DEMO_DOMAIN}")
    ).scalar_one()
    past = history.create_history(agent, president, add_months(today, -6), today)
    filed = scenario.create_applications(applicants, agent)
    filed += renewal.renewal_under_examination(applicants, agent)
    followups.create_followups(applicants, agent)  # the labels' yearly follow-ups (after all)
    received_report()  # a report from the public, waiting in the secretariat's queue
    if problems := check_demo_integrity():
        raise DemoIntegrityError(problems)
    audit.publish()  # the head as /journal would publish it: the demo's last anchor
    colleges = db.session.execute(db.select(func.count(College.id))).scalar_one()
    return [
        f"{signed} structures signataires de la charte, {assessed} auto-évaluations, "
        f"{filed} candidatures ; {len(past)} séances passées en historique.",
        f"{STRUCTURE_COUNT} structures, {MEMBER_COUNT} membres du conseil en "
        f"{colleges} collèges, 1 président, 2 agents du secrétariat, "
        f"{APPLICANT_COUNT} comptes de structures.",
        f"Comptes : secretariat@{DEMO_DOMAIN}, president@{DEMO_DOMAIN}, "
        f"membre01@{DEMO_DOMAIN} … membre{MEMBER_COUNT}@{DEMO_DOMAIN}, "
        f"structure0001@{DEMO_DOMAIN} … structure{APPLICANT_COUNT:04d}@{DEMO_DOMAIN}.",
    ]
