"""The demo's renewal on time, told through the services: a label granted 20 months ago (it
ends within the renewal window) whose structure opened the renewal, updated its
self-assessment, reported on its objectives and filed it; the secretariat checked the answers
and declared it admissible. The label stays valid, « renouvellement en cours » on its public
pages, and its « Mon label » page shows the one step left: the council's session.

Decided here: structure0036's account, which no other part of the demo nor any journey uses;
its label granted as the scenario's older labels (`scenario._granted_before_the_sessions_kept`).
"""

import random
from datetime import date

from cdess.accounts.models import User
from cdess.applications import review
from cdess.applications import services as applications
from cdess.assessments import services as assessments
from cdess.certificates import services as certificates
from cdess.charter import services as charter_services
from cdess.clock import add_months
from cdess.demo import scenario
from cdess.demo.data import DEMO_DOMAIN
from cdess.extensions import db

RENEWING = 35  # the index of structure0036's account among the applicants
GRANTED_MONTHS = -20  # a two-year label granted so long ago ends in four months
OUTCOME = (
    "Le point a été inscrit à l'ordre du jour de l'assemblée générale, qui l'a adopté ; un "
    "référent le suit."
)


def renewal_under_examination(applicants: list[User], agent: User) -> int:
    """The label and its renewal, filed and declared admissible; returns the applications
    made (0 without the account or a published charter)."""
    if len(applicants) <= RENEWING or charter_services.published_version() is None:
        return 0
    today = date.today()
    president = db.session.execute(
        db.select(User).filter_by(email=f"president@{DEMO_DOMAIN}")
    ).scalar_one()
    user = applicants[RENEWING]
    structure = user.memberships[0].structure
    rng = random.Random(structure.id)  # nosec B311  # repeatable demo data, no secret
    start = add_months(today, GRANTED_MONTHS)

    previous = applications.create(structure, user)
    applications.attach_assessment(previous, scenario._assessment(structure, user, rng, True), user)
    scenario._documents(previous, user)
    scenario._objectives(previous, start)
    _admissible(previous, user, agent)
    scenario._granted_before_the_sessions_kept(previous, agent, president, start)
    certificates.issue(previous, agent, today=start)

    # The renewal, opened from the label: the self-assessment resumed from the last answers.
    renewal = applications.renew(previous, user, today=today)
    updated = assessments.start(structure, user, copy_last=True)
    assessments.finish(updated)
    applications.attach_assessment(renewal, updated, user)
    scenario._documents(renewal, user)  # this year's minutes and accounts
    for objective in previous.objectives:
        applications.report_objective(renewal, objective, OUTCOME)
    _admissible(renewal, user, agent)
    db.session.flush()
    return 2


def _admissible(application, user: User, agent: User) -> None:
    """Filed by the structure; its answers checked and the file declared admissible."""
    applications.transition(application, "submit", user)
    scenario._verify(application, agent, "admissible", 0)
    applications.set_checklist(application, set(review.MANUAL), agent)
    applications.transition(application, "declare_admissible", agent)
