"""Labels with their annual follow-ups: a certificate issued on a chosen day, under the
default charter, with a progress objective."""

import shutil
from datetime import date

import pytest

from cdess.applications.models import Objective
from cdess.certificates import services as certificates
from cdess.extensions import db
from cdess.followups import services
from cdess.followups.services import Filing
from tests.factories import upload

START = date(2026, 1, 15)  # the label's first day: its follow-up falls on 15 January 2027
ANNIVERSARY = date(2027, 1, 15)


@pytest.fixture
def label(app, charter, grant, people):
    """A function making a valid label that starts on `start` (a two-year label: one
    follow-up), with one progress objective. Committed; the outbox emptied of its
    certificate's email, so that tests count only the follow-up's."""

    def make(start: date = START, **structure_fields):
        application = grant(**structure_fields)
        application.objectives.append(
            Objective(criterion_code="GOV-03", target_date=date(2027, 6, 30), text="AG ouverte")
        )
        certificate = certificates.issue(application, people["secretariat"], today=start)
        db.session.commit()
        shutil.rmtree(app.config["OUTBOX_DIR"], ignore_errors=True)
        return certificate

    return make


@pytest.fixture
def opened(label):
    """The follow-up of a label issued on START, opened by the run 60 days before its day."""
    certificate = label()
    services.run(date(2026, 11, 16))
    return services.next_for(certificate.structure_id, date(2026, 11, 16))


@pytest.fixture
def filing(app):
    """A function giving a complete filing: every document uploaded (valid PDFs), every
    eliminatory criterion answered `holds` with `explanation`, a report on each objective."""
    return _filing


def _filing(followup, holds: bool = True, explanation: str = "") -> Filing:
    return Filing(
        uploads={kind: upload(name=f"{kind.value}.pdf") for kind in followup.kinds},
        answers={c.code: (holds, explanation) for c in services.eliminatory_criteria(followup)},
        progress={o.id: "L'AG est ouverte aux salariés." for o in services.objectives(followup)},
    )
