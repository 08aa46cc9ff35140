"""Users, their roles, and the collèges of the council."""

import enum
import functools
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled
from cdess.web.typography import collation_key


class Role(enum.Enum):
    applicant = "applicant"
    secretariat = "secretariat"
    council_member = "council_member"
    president = "president"
    admin = "admin"


labelled(
    Role,
    {
        Role.applicant: _l("Porteur de projet"),
        Role.secretariat: _l("Secrétariat"),
        Role.council_member: _l("Membre du conseil"),
        Role.president: _l("Président"),
        Role.admin: _l("Administrateur"),
    },
)


class College(db.Model):
    """A collège of the council (institutions, associations, coopératives & mutuelles…)."""

    __tablename__ = "college"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    members: Mapped[list["User"]] = relationship(back_populates="college")


class User(UserMixin, db.Model):
    __audit_kind__ = "user"  # its name in the journal
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # NULL until an invited person sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    # The language the person chose (the switch, their profile); None until they choose: their
    # browser's then applies, and emails go in French.
    locale: Mapped[str | None] = mapped_column(String(5))
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    college_id: Mapped[int | None] = mapped_column(ForeignKey("college.id", ondelete="SET NULL"))
    voting_right: Mapped[bool] = mapped_column(default=False)
    # Part of the login identity (get_id): bumping it revokes every session and remember-me
    # cookie issued so far, copies included.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # Retention (`privacy.retention`): the last login, and the warning sent before an inactive
    # account is erased (once; a login clears it). `erased_at`: the account was erased (its
    # personal fields replaced by a pseudonym, `privacy.services.erase`).
    last_login_at: Mapped[datetime | None]
    inactivity_warned_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]

    college: Mapped[College | None] = relationship(back_populates="members")
    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    memberships: Mapped[list["Membership"]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )

    @staticmethod
    def normalize_email(email: str) -> str:
        return email.strip().lower()

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_staff(self) -> bool:
        """An agent of the Département's ESS service (the secretariat) or an administrator."""
        return self.has_role(Role.secretariat, Role.admin)

    @property
    def sits_on_council(self) -> bool:
        """A council member (voting or consultative) or the president."""
        return self.has_role(Role.council_member, Role.president)

    @property
    def is_president(self) -> bool:
        return self.has_role(Role.president)

    def set_roles(self, roles) -> None:
        wanted = set(roles)
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for role in wanted - self.roles:
            self.role_rows.append(UserRole(role=role))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        """Whether `password` is this account's; an account without one (invited, not yet
        activated) costs the same hashing, against a decoy."""
        if not self.password_hash:
            check_decoy_password(password)
            return False
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """The login identity kept in the session and remember-me cookies: the id and the
        session version, so that a bumped version refuses every cookie issued before."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to log in inactive users
        return self.active

    @property
    def structures(self) -> list["Structure"]:  # noqa: F821
        return sorted((m.structure for m in self.memberships), key=lambda s: collation_key(s.name))


@functools.cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def check_decoy_password(password: str) -> None:
    """Hash `password` as a real check would, against a random hash of the configured method:
    a login for an unknown address costs what one for a known address does (no timing tells
    which addresses have an account)."""
    check_password_hash(_decoy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(
        db.Enum(Role, name="role", native_enum=False, length=20), primary_key=True
    )

    user: Mapped[User] = relationship(back_populates="role_rows")
