"""The issuer's signing keys and the Open Badges credential signed for each certificate."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.audit.labels import name_actions, name_subjects
from cdess.certificates.models import Certificate
from cdess.clock import utcnow
from cdess.extensions import db

# How the journal names a key and what is done to it (the journal stands below the domains).
name_subjects(issuer_key=_l("Clé de signature"))
name_actions(
    key_created=_l("Clé de signature créée"),
    key_made_current=_l("Clé de signature mise en service"),
    key_revoked=_l("Clé de signature révoquée"),
)


class IssuerKey(db.Model):
    """An Ed25519 key of the council. One is current (it signs); the others are retired (their
    credentials still verify) or revoked (their credentials say so). Never deleted: a
    credential names its key for ever."""

    __audit_kind__ = "issuer_key"  # its name in the journal
    __tablename__ = "issuer_key"
    __table_args__ = (
        # One current key at most.
        Index(
            "uq_issuer_key_current",
            "is_current",
            unique=True,
            sqlite_where=db.text("is_current"),
            postgresql_where=db.text("is_current"),
        ),
        CheckConstraint("NOT (is_current AND revoked_at IS NOT NULL)", name="current_not_revoked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    # AES-GCM under a key derived from SECRET_KEY (credentials.keys.seal).
    private_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    is_current: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    made_current_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.is_current:
            return "current"
        return "retired" if self.retired_at is not None else "new"


class IssuedCredential(db.Model):
    """The Open Badges 3.0 credential of a certificate, as signed (a VC-JWT): the same bytes
    are embedded in the PDF and downloaded."""

    __tablename__ = "issued_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), unique=True
    )
    key_id: Mapped[int] = mapped_column(ForeignKey("issuer_key.id"), index=True)
    token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # One-way: the certificate knows nothing of its credential.
    certificate: Mapped[Certificate] = relationship()
    key: Mapped[IssuerKey] = relationship()
