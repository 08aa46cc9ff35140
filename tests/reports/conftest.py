"""A labelled structure's certificate and reports filed on it, through the services."""

import pytest

from cdess.certificates import services as certificates
from cdess.extensions import db
from cdess.reports import services as reports


@pytest.fixture
def certificate(app, grant, people):
    """A valid certificate, issued by the secretariat to the Recyclerie du Ternois (whose
    people are `people["applicant"]`)."""
    issued = certificates.issue(grant(name="Recyclerie du Ternois"), people["secretariat"])
    db.session.commit()
    return issued


@pytest.fixture
def file_report(certificate):
    """File a report on the certificate (committed): `file_report(text=…, sender=…, …)`."""

    def make(text: str = "Aucune assemblée générale depuis trois ans.", **fields):
        fields.setdefault("sender", "203.0.113.7")
        report = reports.file_report(certificate, text=text, **fields)
        db.session.commit()
        return report

    return make
