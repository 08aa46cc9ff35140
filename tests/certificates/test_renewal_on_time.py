"""Renewal on time (issue 17): a label whose renewal was filed by its last day stays valid
while the council examines it — the nightly `expire` keeps it, the public pages and the
registry say « renouvellement en cours » — and ends at the first run after the renewal is
refused, withdrawn or declared not admissible, or at its date when nothing was filed in time.
The filing day is the day the renewal is submitted (today): each case sets the label's end
around it."""

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from cdess.applications import services as applications
from cdess.applications.models import Application, Kind, State
from cdess.audit.models import AuditEntry
from cdess.certificates import services as certificates
from cdess.certificates.models import Certificate
from cdess.certificates.models import CertificateStatus as Status
from cdess.clock import add_months
from cdess.extensions import db
from cdess.sessions.live import local_date
from tests.factories import add_documents, confirm_all, html, new_application, tick_checklist

DAY = timedelta(days=1)


def labelled(ready, people, end: date) -> Certificate:
    """The certificate of the ready structure's label, two years long, ending on `end`."""
    application = new_application(*ready, state=State.granted)
    certificate = certificates.issue(application, people["secretariat"])
    start = end - timedelta(days=730)
    certificate.valid_from, certificate.valid_until = start, end
    application.label_valid_from, application.label_valid_until = start, end
    db.session.commit()
    return certificate


def file_renewal(ready, people, certificate: Certificate) -> Application:
    """The structure files (submits) the renewal of the certificate's label today."""
    structure, assessment = ready
    applicant = people["applicant"]
    renewal = applications.create(
        structure, applicant, Kind.renewal, previous=certificate.application
    )
    applications.attach_assessment(renewal, assessment, applicant)
    add_documents(renewal, applicant)
    applications.transition(renewal, "submit", applicant)
    db.session.commit()
    return renewal


# The secretariat's and the council's moves on a filed renewal, each with its reason.
MOVES = {
    "request_complements": "Merci de joindre les comptes.",
    "resubmit": "",
    "withdraw": "",
    "declare_not_admissible": "Siège hors du département.",
    "declare_admissible": "",
    "schedule": "",
    "refuse": "Objectifs non tenus.",
    "defer": "Comptes attendus.",
    "grant": "",
}


def examine(renewal: Application, people, moves: list[str]) -> None:
    for move in moves:
        if move == "declare_admissible":
            tick_checklist(renewal)
            confirm_all(renewal)
        by_structure = move in ("withdraw", "resubmit")
        actor = people["applicant"] if by_structure else people["secretariat"]
        applications.transition(renewal, move, actor, MOVES[move])
    db.session.commit()


@pytest.mark.parametrize(
    ("end_after_filing", "kept"),
    [
        (30, True),  # filed a month before the end
        (1, True),  # filed the day before the end
        (0, True),  # filed on the last day
        (-1, False),  # filed the day after: too late, the label ends at its date
        (-20, False),
    ],
)
def test_a_renewal_filed_by_the_last_day_keeps_the_label(
    app, ready, people, end_after_filing, kept
):
    filed = local_date()
    certificate = labelled(ready, people, filed + end_after_filing * DAY)
    file_renewal(ready, people, certificate)
    end = certificate.valid_until
    # The first run after its end, then one three months on.
    for run, expired in ((end + DAY, int(not kept)), (end + 90 * DAY, 0)):
        assert certificates.renewing(certificate) is kept
        assert certificates.public_status(certificate, run) is (
            Status.valid if kept else Status.expired
        )
        listed = db.session.execute(certificates.labelled(run)).scalars().all()
        assert (certificate in listed) is kept
        assert certificates.expire(run) == expired
        db.session.commit()
        assert certificate.status is (Status.valid if kept else Status.expired)


def test_nothing_filed_the_label_ends_at_its_date(app, ready, people):
    certificate = labelled(ready, people, local_date() + 10 * DAY)
    # A renewal opened but left a draft is not filed.
    applications.create(
        ready[0], people["applicant"], Kind.renewal, previous=certificate.application
    )
    db.session.commit()
    end = certificate.valid_until
    assert certificates.expire(end) == 0 and certificate.is_valid  # its last day
    assert certificates.public_status(certificate, end + DAY) is Status.expired
    assert certificates.expire(end + DAY) == 1
    assert certificate.status is Status.expired


@pytest.mark.parametrize(
    ("moves", "kept"),
    [
        ([], True),  # filed, waiting for the secretariat
        (["request_complements"], True),  # complements asked: still examined
        (["request_complements", "resubmit"], True),  # sent again after the end: filed in time
        (["declare_admissible"], True),
        (["declare_admissible", "schedule"], True),
        (["declare_admissible", "schedule", "defer"], True),  # to the next session
        (["declare_admissible", "schedule", "grant"], True),  # until its certificate is issued
        (["withdraw"], False),
        (["declare_not_admissible"], False),
        (["declare_admissible", "schedule", "refuse"], False),
    ],
)
def test_the_council_s_examination_decides_when_the_label_ends(app, ready, people, moves, kept):
    certificate = labelled(ready, people, local_date() + 5 * DAY)
    renewal = file_renewal(ready, people, certificate)
    examine(renewal, people, moves)
    run = certificate.valid_until + DAY
    assert certificates.expire(run) == int(not kept)
    assert certificate.status is (Status.valid if kept else Status.expired)


def test_a_renewal_examined_too_long_keeps_the_label_six_months_at_most(app, ready, people):
    """Complements asked and never sent: the label stays valid six months past its end
    (RENEWAL_GRACE_MONTHS), not for ever."""
    certificate = labelled(ready, people, local_date() + 5 * DAY)
    renewal = file_renewal(ready, people, certificate)
    examine(renewal, people, ["request_complements"])
    end = certificate.valid_until
    last = add_months(end, 6)
    assert certificates.renewing(certificate, last)
    assert certificates.public_status(certificate, last) is Status.valid
    assert certificates.expire(last) == 0
    assert not certificates.renewing(certificate, last + DAY)
    assert certificates.public_status(certificate, last + DAY) is Status.expired
    assert certificate not in db.session.execute(certificates.labelled(last + DAY)).scalars().all()
    assert certificates.expire(last + DAY) == 1
    assert certificate.status is Status.expired


def test_a_refusal_ends_the_kept_label_at_the_next_run(app, ready, people):
    certificate = labelled(ready, people, local_date() + 5 * DAY)
    renewal = file_renewal(ready, people, certificate)
    end = certificate.valid_until
    examine(renewal, people, ["declare_admissible", "schedule"])
    assert certificates.expire(end + 10 * DAY) == 0  # kept past its end
    examine(renewal, people, ["refuse"])
    assert certificates.public_status(certificate, end + 11 * DAY) is Status.expired
    assert certificates.expire(end + 11 * DAY) == 1
    assert certificate.status is Status.expired
    entry = db.session.execute(
        db.select(AuditEntry).filter_by(
            subject_kind="certificate", subject_id=certificate.id, action="expired"
        )
    ).scalar_one()
    assert (entry.from_state, entry.to_state) == ("valid", "expired")
    ended = certificate.history[-1]  # the status history shows it too
    assert (ended.from_status, ended.to_status) == ("valid", "expired")
    assert ended.decided_on == end + 11 * DAY and ended.reason == "Fin de validité du label."


def test_a_renewal_granted_takes_over(app, ready, people):
    certificate = labelled(ready, people, local_date() + 5 * DAY)
    renewal = file_renewal(ready, people, certificate)
    end = certificate.valid_until
    examine(renewal, people, ["declare_admissible", "schedule", "grant"])
    new = certificates.issue(renewal, people["secretariat"], today=end + 3 * DAY)
    db.session.commit()
    assert not certificates.renewing(certificate)  # the renewal is certified: examined no more
    assert certificates.expire(end + 4 * DAY) == 1
    assert certificate.status is Status.expired and new.is_valid
    assert db.session.execute(certificates.labelled(end + 4 * DAY)).scalars().all() == [new]


def test_the_first_submission_is_the_filing_day(app, ready, people):
    certificate = labelled(ready, people, local_date() + 5 * DAY)
    renewal = file_renewal(ready, people, certificate)
    examine(renewal, people, ["request_complements", "resubmit"])
    assert certificates.renewal_filed_on(renewal) == local_date()
    draft = Application(structure_id=renewal.structure_id, kind=Kind.renewal)
    db.session.add(draft)
    db.session.flush()
    assert certificates.renewal_filed_on(draft) is None


@pytest.mark.parametrize(("filed", "reminded"), [(False, 1), (True, 0)])
def test_no_reminder_to_renew_once_the_renewal_is_filed(app, ready, people, filed, reminded):
    certificate = labelled(ready, people, local_date() + 30 * DAY)
    if filed:
        file_renewal(ready, people, certificate)
    assert certificates.send_reminders(local_date()) == (reminded, 0)


def test_the_public_pages_say_renewal_in_progress(app, ready, people, client):
    # Ended yesterday, its renewal filed the day before: the filing moved back two days in
    # the journal, as the day it was made.
    certificate = labelled(ready, people, date.today() - DAY)
    renewal = file_renewal(ready, people, certificate)
    submitted = db.session.execute(
        db.select(AuditEntry).filter_by(
            subject_kind="application", subject_id=renewal.id, action="submit"
        )
    ).scalar_one()
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.id == submitted.id)
        .values(at=submitted.at - timedelta(days=2))
    )
    db.session.commit()
    assert certificates.renewal_filed_on(renewal) <= certificate.valid_until
    page = html(client.get(f"/verification/{certificate.number}"))
    assert "<strong>Valide</strong> — Ce certificat est valide." in page
    assert "Renouvellement en cours" in page
    registry = html(client.get("/registre"))
    assert ready[0].name in registry and "renouvellement en cours" in registry
    # Refused: the label has ended, the public pages say so at once.
    examine(renewal, people, ["declare_admissible", "schedule", "refuse"])
    page = html(client.get(f"/verification/{certificate.number}"))
    assert (
        "<strong>Expiré</strong> — Ce certificat est expiré" in page
        and "Renouvellement en cours" not in page
    )
    app.config["REGISTRY_CACHE_SECONDS"] = 0  # the registry's visitors' cache aside
    assert ready[0].name not in html(client.get("/registre"))


def test_a_label_without_renewal_says_nothing_of_one(app, ready, people, client):
    certificate = labelled(ready, people, date.today() + 200 * DAY)
    page = html(client.get(f"/verification/{certificate.number}"))
    assert "<strong>Valide</strong> — Ce certificat est valide." in page
    assert "Renouvellement en cours" not in page
    assert "renouvellement en cours" not in html(client.get("/registre"))
