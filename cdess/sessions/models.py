"""Council sessions: the agenda, attendance, proxies, conflicts of interest and votes.

A secret ballot leaves no row that links a member to a choice: a receipt says that a member
(or the member's proxy) voted on the item, and counters per choice are incremented in the same
transaction."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
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

from cdess.accounts.models import User
from cdess.applications.models import Application
from cdess.audit.labels import name_states
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.labels import labelled
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


labelled(
    SessionStatus,
    {
        SessionStatus.planned: _l("planifiée"),
        SessionStatus.convened: _l("convoquée"),
        SessionStatus.open: _l("ouverte"),
        SessionStatus.closed: _l("close"),
        SessionStatus.cancelled: _l("annulée"),
    },
)
labelled(
    Opinion,
    {
        Opinion.favourable: _l("favorable"),
        Opinion.unfavourable: _l("défavorable"),
        Opinion.reserved: _l("réservé"),
    },
)
labelled(
    VoteStatus,
    {
        VoteStatus.pending: _l("à venir"),
        VoteStatus.open: _l("vote ouvert"),
        VoteStatus.closed: _l("vote clos"),
    },
)
# The rules are pure (no translations): their ballot choices are named here.
labelled(
    Choice,
    {Choice.pour: _l("pour"), Choice.contre: _l("contre"), Choice.abstention: _l("abstention")},
)

# What a closed vote decided, by whether it examined a file or another motion.
DECISIONS = {
    "granted": _l("label attribué"),
    "refused": _l("label refusé"),
    "deferred": _l("ajourné"),
}
MOTION_DECISIONS = {
    "granted": _l("adoptée"),
    "refused": _l("rejetée"),
    "deferred": _l("ajournée"),
}


name_states("session", SessionStatus)
name_states(
    "agenda_item",
    VoteStatus,
    Opinion,
    MOTION_DECISIONS,
    {"secret": _l("scrutin secret")},
)


def _enum(kind, name: str):
    return db.Enum(kind, name=name, native_enum=False, length=20)


class CouncilRules(db.Model):
    """The council's current rules (règlement intérieur): one row, edited by the secretariat.
    A session copies them when it opens and keeps that copy."""

    __audit_kind__ = "rules"  # its name in the journal

    __tablename__ = "council_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CouncilSession(db.Model):
    __audit_kind__ = "session"  # its name in the journal
    __tablename__ = "council_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)  # the lists: latest first
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
    # The secretary of the meeting, chosen when the session opens (a member or an agent).
    secretary_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    minutes_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    minutes_sha256: Mapped[str | None] = mapped_column(String(64))
    # When the next session approved these minutes (its first item's vote).
    minutes_approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The iCalendar SEQUENCE of the convocation's event (RFC 5545): bumped by every move and
    # by the cancellation, so that calendars replace the event they hold (same UID).
    ics_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="session",
        order_by="AgendaItem.position",
        cascade="all, delete-orphan",
        foreign_keys="AgendaItem.session_id",
    )
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    proxies: Mapped[list["Proxy"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    # One-way, as every link to a person from the sessions (secretary, rapporteur, the
    # present, proxies, recusals, ballots, annulments): a user's collections of them would be
    # read by nothing (and a member's ballots are not to be gathered from the user).
    secretary: Mapped[User | None] = relationship(foreign_keys=[secretary_id])

    @property
    def cancelled(self) -> bool:
        return self.status is SessionStatus.cancelled

    @property
    def is_planned(self) -> bool:
        """Planned, not convened yet: the council may be convened."""
        return self.status is SessionStatus.planned

    @property
    def is_convened(self) -> bool:
        """Convened, not opened yet."""
        return self.status is SessionStatus.convened

    @property
    def is_open(self) -> bool:
        """Open: the council sits and votes."""
        return self.status is SessionStatus.open

    @property
    def is_closed(self) -> bool:
        """Closed: its minutes are drawn up, nothing changes any more."""
        return self.status is SessionStatus.closed

    @property
    def in_preparation(self) -> bool:
        """Planned or convened: its agenda may still change."""
        return self.status in (SessionStatus.planned, SessionStatus.convened)

    @property
    def is_live(self) -> bool:
        """Convened or open: members join it on the live page."""
        return self.status in (SessionStatus.convened, SessionStatus.open)

    @property
    def takes_proxies(self) -> bool:
        """Not closed nor cancelled: a member may still give or withdraw a proxy."""
        return self.status in (SessionStatus.planned, SessionStatus.convened, SessionStatus.open)

    @property
    def has_opened(self) -> bool:
        """Open or closed: the council sat (its proxies took effect or not)."""
        return self.status in (SessionStatus.open, SessionStatus.closed)


class ItemKind(enum.Enum):
    application = "application"  # a label application: grant, refuse or defer
    proposal = "proposal"  # suspend, revoke or reinstate a label, or confirm a suspension
    minutes = "minutes"  # the approval of the previous session's minutes
    information = "information"  # no vote

    @property
    def voted(self) -> bool:
        return self is not ItemKind.information


class AgendaItem(db.Model):
    __audit_kind__ = "agenda_item"  # its name in the journal
    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("session_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("council_session.id", ondelete="CASCADE"), index=True
    )
    # What the council examines: a label application, a proposal to change a label's status
    # (its certificate's application), the previous minutes, or information (no vote).
    kind: Mapped[ItemKind] = mapped_column(
        _enum(ItemKind, "agenda_item_kind"), default=ItemKind.application
    )
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_proposal.id", ondelete="SET NULL"), index=True
    )
    # An information item's title; the session whose minutes a « minutes » item approves.
    title: Mapped[str] = mapped_column(String(300), default="")
    approves_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_session.id", ondelete="SET NULL")
    )
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
    # The quorum when the open vote opened, with who was counted (to say who left at closing).
    quorum_at_open: Mapped[dict | None] = mapped_column(JSON)
    # The closed vote: counts, quorum, outcome and the rule applied, as plain data.
    result: Mapped[dict | None] = mapped_column(JSON)

    session: Mapped[CouncilSession] = relationship(
        back_populates="items", foreign_keys=[session_id]
    )
    # One-way: the agenda points at what it examines; a file's session is
    # `Application.session`, a proposal's vote is found from the session's items.
    application: Mapped[Application | None] = relationship()
    proposal: Mapped["CertificateProposal | None"] = relationship()  # noqa: F821
    approves: Mapped[CouncilSession | None] = relationship(foreign_keys=[approves_session_id])
    rapporteur: Mapped[User | None] = relationship()  # one-way (see CouncilSession.secretary)
    conflicts: Mapped[list["Conflict"]] = relationship(
        back_populates="item", cascade="all, delete-orphan"
    )
    votes: Mapped[list["Vote"]] = relationship(back_populates="item", cascade="all, delete-orphan")
    annulments: Mapped[list["VoteAnnulment"]] = relationship(
        back_populates="item", order_by="VoteAnnulment.at", cascade="all, delete-orphan"
    )

    @property
    def decision_label(self) -> str:
        """What its closed vote decided (« label attribué », « adoptée »…), or « — »."""
        names = DECISIONS if self.kind is ItemKind.application else MOTION_DECISIONS
        return str(names.get((self.result or {}).get("outcome"), "—"))

    @property
    def outcome_label(self) -> str:
        """Where the vote left it: a file's state now, a motion's fate."""
        if self.kind is ItemKind.application and self.application is not None:
            return self.application.state.label
        return str(MOTION_DECISIONS.get((self.result or {}).get("outcome"), "—"))

    @property
    def examines_file(self) -> bool:
        """A label application the council grants, refuses or defers."""
        return self.kind is ItemKind.application

    @property
    def decides_on_label(self) -> bool:
        """An application or a proposal on a label: a rapporteur reports on it."""
        return self.kind in (ItemKind.application, ItemKind.proposal)

    @property
    def approves_minutes(self) -> bool:
        """The approval of the previous session's minutes."""
        return self.kind is ItemKind.minutes

    @property
    def is_information(self) -> bool:
        """Information only: no vote."""
        return self.kind is ItemKind.information

    @property
    def vote_pending(self) -> bool:
        """Its vote has not opened yet (or was annulled and waits to be held again)."""
        return self.vote_status is VoteStatus.pending

    @property
    def subject(self) -> str:
        """What the item is about, as the agenda names it."""
        from flask_babel import gettext as _

        if self.kind is ItemKind.minutes:
            day = self.approves.starts_at.strftime("%d/%m/%Y") if self.approves else "—"
            return _("Approbation du procès-verbal de la séance du %(d)s", d=day)
        if self.kind is ItemKind.information:
            return self.title
        name = self.application.structure.name if self.application else ""
        if self.kind is ItemKind.proposal and self.proposal is not None:
            return f"{self.proposal.action_label} — {name}"
        return name


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
    user: Mapped[User] = relationship()  # one-way (see CouncilSession.secretary)


class Arrival(db.Model):
    """A member came to the session (first check-in) and, if so, last left it: kept when the
    attendance row goes, so that a proxy's holder who never came and the minutes' attendance
    are known."""

    __tablename__ = "session_arrival"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("council_session.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    arrived_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]

    # One-way, and no session side: arrivals are read by query (see CouncilSession.secretary).
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
    # One-way (see CouncilSession.secretary).
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
    user: Mapped[User] = relationship()  # one-way (see CouncilSession.secretary)


class Vote(db.Model):
    """An open vote: who cast it, for whom (themself or the proxy's giver), which choice, and
    who entered it when it was given on paper or by show of hands. At most one per member
    represented and item, enforced by the database."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("item_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))  # whose vote
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))  # who pressed
    choice: Mapped[Choice] = mapped_column(_enum(Choice, "vote_choice"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # A paper or show-of-hands ballot: who presided and entered it for the member present.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    item: Mapped[AgendaItem] = relationship(back_populates="votes")
    # One-way (see CouncilSession.secretary).
    member: Mapped[User] = relationship(foreign_keys=[member_id])
    cast_by: Mapped[User] = relationship(foreign_keys=[cast_by_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])


class BallotReceipt(db.Model):
    """A secret ballot was cast for this member on this item: no choice, no time, so that no
    stored row links the member to a choice; the primary key forbids a second ballot."""

    __tablename__ = "ballot_receipt"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)


class VoteAnnulment(db.Model):
    """A vote annulled by the president after its quorum was lost: its ballots were deleted
    and the item went back to the agenda, to be voted again. Names are copied, as in the
    minutes, and the number of ballots received, never their choices."""

    __tablename__ = "vote_annulment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    by_name: Mapped[str] = mapped_column(String(120))
    vote_opened_at: Mapped[datetime | None]
    quorum_at_open: Mapped[dict | None] = mapped_column(JSON)
    quorum_at_close: Mapped[dict] = mapped_column(JSON)
    left: Mapped[list] = mapped_column(JSON, default=list)  # display names
    unrepresented: Mapped[list] = mapped_column(JSON, default=list)
    ballots: Mapped[int] = mapped_column(default=0)

    item: Mapped[AgendaItem] = relationship(back_populates="annulments")
    by: Mapped[User | None] = relationship()  # one-way (see CouncilSession.secretary)
