"""Council sessions: the agenda, attendance, proxies, conflicts of interest and votes.

A secret ballot leaves no row that links a member to a choice: a receipt says that a member
(or the member's proxy) voted on the item, and counters per choice are incremented in the same
transaction."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cdess.accounts.models import User, utcnow
from cdess.applications.models import Application
from cdess.extensions import db
from cdess.sessions.rules import Choice  # a ballot holds one of the rules' choices


class SessionStatus(enum.Enum):
    planned = "planned"
    convened = "convened"
    open = "open"
    closed = "closed"
    cancelled = "cancelled"


class Opinion(enum.Enum):
    favourable = "favourable"
    unfavourable = "unfavourable"
    reserved = "reserved"


class VoteStatus(enum.Enum):
    pending = "pending"
    open = "open"
    closed = "closed"


def _enum(kind, name: str):
    return db.Enum(kind, name=name, native_enum=False, length=20)


class CouncilRules(db.Model):
    """The council's current rules (règlement intérieur): one row, edited by the secretariat.
    A session copies them when it opens and keeps that copy."""

    __tablename__ = "council_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CouncilSession(db.Model):
    __tablename__ = "council_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(300), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    deadline: Mapped[date]
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus, "session_status"), default=SessionStatus.planned, index=True
    )
    # The rules in force when the session opened: later changes never touch its results.
    rules: Mapped[dict | None] = mapped_column(JSON)
    # Bumped by every change the live screens must show (attendance, votes, items).
    revision: Mapped[int] = mapped_column(default=1)
    convened_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    minutes_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="session", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    proxies: Mapped[list["Proxy"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )


class AgendaItem(db.Model):
    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("session_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("council_session.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    rapporteur_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    report: Mapped[str] = mapped_column(Text, default="")
    opinion: Mapped[Opinion | None] = mapped_column(_enum(Opinion, "rapporteur_opinion"))
    secret: Mapped[bool] = mapped_column(default=False)
    vote_status: Mapped[VoteStatus] = mapped_column(
        _enum(VoteStatus, "vote_status"), default=VoteStatus.pending
    )
    vote_opened_at: Mapped[datetime | None]
    vote_closed_at: Mapped[datetime | None]
    # Counters of a secret ballot (an open vote counts its Vote rows).
    secret_pour: Mapped[int] = mapped_column(default=0)
    secret_contre: Mapped[int] = mapped_column(default=0)
    secret_abstention: Mapped[int] = mapped_column(default=0)
    casting_vote: Mapped[Choice | None] = mapped_column(_enum(Choice, "casting_vote"))
    # The closed vote: counts, quorum, outcome and the rule applied, as plain data.
    result: Mapped[dict | None] = mapped_column(JSON)

    session: Mapped[CouncilSession] = relationship(back_populates="items")
    application: Mapped[Application] = relationship()
    rapporteur: Mapped[User | None] = relationship()
    conflicts: Mapped[list["Conflict"]] = relationship(
        back_populates="item", cascade="all, delete-orphan"
    )
    votes: Mapped[list["Vote"]] = relationship(back_populates="item", cascade="all, delete-orphan")


class Attendance(db.Model):
    __tablename__ = "attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("council_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[CouncilSession] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship()


class Proxy(db.Model):
    """A member (giver) who will be absent lets another member (holder) vote for them."""

    __tablename__ = "proxy"
    __table_args__ = (
        UniqueConstraint("session_id", "giver_id"),
        CheckConstraint("giver_id != holder_id", name="not_to_oneself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("council_session.id", ondelete="CASCADE"), index=True
    )
    giver_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[CouncilSession] = relationship(back_populates="proxies")
    giver: Mapped[User] = relationship(foreign_keys=[giver_id])
    holder: Mapped[User] = relationship(foreign_keys=[holder_id])


class Conflict(db.Model):
    """A member recused on an item: declared, or because the member belongs to the structure."""

    __tablename__ = "conflict"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="conflicts")
    user: Mapped[User] = relationship()


class Vote(db.Model):
    """An open vote: who cast it, for whom (themself or the proxy's giver), which choice.
    At most one per member represented and item, enforced by the database."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("item_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))  # whose vote
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))  # who pressed
    choice: Mapped[Choice] = mapped_column(_enum(Choice, "vote_choice"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="votes")
    member: Mapped[User] = relationship(foreign_keys=[member_id])
    cast_by: Mapped[User] = relationship(foreign_keys=[cast_by_id])


class BallotReceipt(db.Model):
    """A secret ballot was cast for this member on this item: no choice, no time, so that no
    stored row links the member to a choice; the primary key forbids a second ballot."""

    __tablename__ = "ballot_receipt"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
