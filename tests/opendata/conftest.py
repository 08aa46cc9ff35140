"""Labelled structures and charter signatories, placed where a test wants them."""

from datetime import date, timedelta

import pytest

from cdess.certificates import services as certificates
from cdess.charter import services as charters
from cdess.extensions import db


@pytest.fixture
def labelled(grant, people):
    """A function making a structure with a valid certificate issued `days_ago` days ago (a
    two-year label); returns the certificate. Committed."""

    def make(days_ago: int = 10, **structure_fields):
        application = grant(**structure_fields)
        issued_on = date.today() - timedelta(days=days_ago)
        certificate = certificates.issue(application, people["secretariat"], today=issued_on)
        db.session.commit()
        return certificate

    return make


@pytest.fixture
def signed(charter, people):
    """A function signing the published charter for a structure; returns the signature."""

    def make(structure):
        signature = charters.sign(structure, "Camille Martin", "Présidente", people["applicant"])
        db.session.commit()
        return signature

    return make
