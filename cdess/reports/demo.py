"""The demo's report from the public, filed through the service as a visitor would."""

from cdess.certificates import services as certificates
from cdess.certificates.models import Certificate
from cdess.extensions import db
from cdess.reports import services
from cdess.reports.models import Report

TEXT = (
    "Je suis adhérente de l'association depuis 2019. Aucune assemblée générale n'a été "
    "convoquée depuis deux ans et les comptes ne sont plus présentés aux adhérents, alors que "
    "la charte demande une assemblée au moins une fois par an."
)


def received_report() -> Report | None:
    """One received report, without an address (no email leaves), on the most recently
    certified standing label; None when the demo has no label."""
    certificate = db.session.execute(
        certificates.labelled().order_by(Certificate.issued_at.desc()).limit(1)
    ).scalar_one_or_none()
    if certificate is None:
        return None
    return services.file_report(certificate, text=TEXT, name="Martine Leroy", sender="192.0.2.62")
