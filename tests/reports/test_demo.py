"""The demo's report from the public."""

from cdess.extensions import db
from cdess.reports.demo import received_report
from cdess.reports.models import Report
from cdess.reports.rules import ReportState


def test_the_demo_files_one_received_report_on_a_standing_label(certificate, outbox):
    sent = len(outbox())
    report = received_report()
    db.session.commit()
    assert db.session.execute(db.select(Report)).scalar_one() is report
    assert report.certificate_id == certificate.id and report.state is ReportState.received
    assert report.reporter_email == "" and len(outbox()) == sent  # no email leaves


def test_without_a_label_the_demo_files_nothing(app):
    assert received_report() is None
    assert db.session.execute(db.select(db.func.count(Report.id))).scalar_one() == 0
