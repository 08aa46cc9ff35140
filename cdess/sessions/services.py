"""Planning sessions and their agenda, members' conflicts and proxies. The decisions of a vote
(quorum, who may vote, the tally) are in `rules`; the live session is in `live`."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from cdess import signals
from cdess.accounts.models import Role, User, UserRole
from cdess.applications import checks, workflow
from cdess.applications import services as applications
from cdess.applications.models import Application, State
from cdess.audit import services as audit
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.sessions import rules as council_rules
from cdess.sessions.models import (
    AgendaItem,
    Conflict,
    CouncilRules,
    CouncilSession,
    ItemKind,
    Opinion,
    Proxy,
    SessionStatus,
    VoteStatus,
)
from cdess.structures.models import Membership
from cdess.web.messages import translate

DEFAULT_PLACE = "Hôtel du Département, rue Ferdinand Buisson, Arras"
DEFAULT_START = time(14, 0)


def bump(session_id: int) -> None:
    """Tell the live screens something changed."""
    db.session.execute(
        update(CouncilSession)
        .where(CouncilSession.id == session_id)
        .values(revision=CouncilSession.revision + 1)
        .execution_options(synchronize_session=False)
    )


class SessionError(ValueError):
    """A refused operation; the message is for the user."""


# --- the council and its rules ----------------------------------------------------------------


def _voting(stmt):
    return (
        stmt.join(UserRole, UserRole.user_id == User.id)
        .filter(
            UserRole.role.in_([Role.council_member, Role.president]),
            User.voting_right.is_(True),
            User.active.is_(True),
        )
        .distinct()
    )


def voting_members() -> list[User]:
    """Active council members (and the president) with a deliberative voice."""
    stmt = _voting(db.select(User)).order_by(User.display_name, User.id)
    return list(db.session.execute(stmt).scalars())


def voting_member_ids():
    """The same, as a statement selecting ids only."""
    return _voting(db.select(User.id))


def _convened(stmt):
    return (
        stmt.join(UserRole, UserRole.user_id == User.id)
        .filter(UserRole.role.in_([Role.council_member, Role.president]), User.active.is_(True))
        .distinct()
        .order_by(User.display_name, User.id)
    )


def council_members() -> list[User]:
    """Everyone convened: voting and consultative members."""
    return list(db.session.execute(_convened(db.select(User))).scalars())


def council_roll() -> list:
    """The same as rows (id, name, voice): the presiding live panel lists them, and every ballot
    changes that panel."""
    return list(
        db.session.execute(_convened(db.select(User.id, User.display_name, User.voting_right)))
    )


def president_id_statement():
    """The active president's id (the first by id, should there be several), as a statement."""
    return (
        db.select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .filter(UserRole.role == Role.president, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def president_id() -> int | None:
    """The id of the active president (the first by id, should there be several), or None."""
    return db.session.execute(president_id_statement()).scalar_one_or_none()


def president() -> User | None:
    """The active president (the first by id, should there be several), or None."""
    return db.session.execute(
        db.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .filter(UserRole.role == Role.president, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    ).scalar_one_or_none()


def current_rules() -> council_rules.Rules:
    """The council's rules as saved, or the default rules when none were saved."""
    row = db.session.execute(db.select(CouncilRules).limit(1)).scalar_one_or_none()
    return council_rules.Rules.from_dict(row.data) if row else council_rules.Rules()


def save_rules(new: council_rules.Rules, actor: User | None = None) -> None:
    """Save the council's rules (one row, created the first time) and journal the settings that
    changed; a session already open keeps its copy. Flushes; the caller commits."""
    row = db.session.execute(db.select(CouncilRules).limit(1)).scalar_one_or_none()
    if row is None:
        row = CouncilRules(data={})
        db.session.add(row)
    before = dict(row.data or {})
    row.data = new.as_dict()
    row.updated_at = utcnow()
    db.session.flush()
    changed = {k: v for k, v in row.data.items() if before.get(k) != v}
    audit.record(row, "rules_changed", actor, detail=changed)


def session_rules(session: CouncilSession) -> council_rules.Rules:
    """The copy the session took when it opened; the current rules before."""
    return council_rules.Rules.from_dict(session.rules) if session.rules else current_rules()


# --- planning ---------------------------------------------------------------------------------


def upcoming() -> list[CouncilSession]:
    """The sessions planned, convened or open, soonest first."""
    return list(
        db.session.execute(
            db.select(CouncilSession)
            .filter(
                CouncilSession.status.in_(
                    [SessionStatus.planned, SessionStatus.convened, SessionStatus.open]
                )
            )
            .order_by(CouncilSession.starts_at)
        ).scalars()
    )


def _check_dates(starts_at: datetime, deadline: date) -> None:
    if deadline >= starts_at.date():
        raise SessionError(_("La date limite de dépôt doit précéder la séance."))


def create_session(
    starts_at: datetime,
    deadline: date,
    place: str = "",
    video_link: str = "",
    actor: User | None = None,
):
    """Plan a session; refused unless the submission deadline comes before its day. Journalled.
    Flushes; the caller commits."""
    _check_dates(starts_at, deadline)
    session = CouncilSession(
        starts_at=starts_at, deadline=deadline, place=place.strip(), video_link=video_link.strip()
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        session,
        "session_planned",
        actor,
        to_state=session.status,
        detail={"starts_at": starts_at.isoformat(), "deadline": deadline.isoformat()},
    )
    return session


def default_calendar(year: int, actor: User | None = None) -> list[CouncilSession]:
    """The year's two sessions from the COUNCIL_CALENDAR setting, where none exists that day."""
    created = []
    for deadline_md, session_md in current_app.config["COUNCIL_CALENDAR"]:
        day = date.fromisoformat(f"{year}-{session_md}")
        deadline = date.fromisoformat(f"{year}-{deadline_md}")
        if deadline > day:
            deadline = deadline.replace(year=year - 1)
        exists = db.session.execute(
            db.select(CouncilSession.id).filter(
                CouncilSession.starts_at >= datetime.combine(day, time.min),
                CouncilSession.starts_at <= datetime.combine(day, time.max),
                CouncilSession.status != SessionStatus.cancelled,
            )
        ).first()
        if not exists:
            created.append(
                create_session(
                    datetime.combine(day, DEFAULT_START), deadline, DEFAULT_PLACE, actor=actor
                )
            )
    return created


def _require_status(session: CouncilSession, *allowed: SessionStatus) -> None:
    if session.status not in allowed:
        raise SessionError(
            _("Ce n'est plus possible : la séance est « %(s)s ».", s=_status(session))
        )


def _status(session: CouncilSession) -> str:
    return session.status.label


# A session can be moved or cancelled until it opens; once convened, the members are told.
CHANGEABLE = (SessionStatus.planned, SessionStatus.convened)


class SessionFieldError(SessionError):
    """A refusal about one control of the session's form, named by `field`."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def local_now() -> datetime:
    """The département's wall-clock time, as a session's start is stored (without a zone)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.now(zone).replace(tzinfo=None)


def require_changeable(session: CouncilSession, cancelling: bool = False) -> None:
    """Refuse to move or cancel a session that is open, closed or cancelled."""
    if session.status not in CHANGEABLE:
        if cancelling:
            message = _(
                "La séance est « %(s)s » : elle ne peut plus être annulée.", s=_status(session)
            )
        else:
            message = _(
                "La séance est « %(s)s » : elle ne peut plus être déplacée ni modifiée.",
                s=_status(session),
            )
        raise SessionError(message)


def _write_while_changeable(session: CouncilSession, bump_sequence: bool, **values) -> None:
    """Write the values if the session is still planned or convened: compare-and-set on the
    status, so that a session opened meanwhile is refused; the event's SEQUENCE is bumped in
    the same statement when the members' calendars must replace their event."""
    if bump_sequence:
        values["ics_sequence"] = CouncilSession.ics_sequence + 1
    written = db.session.execute(
        update(CouncilSession)
        .where(CouncilSession.id == session.id, CouncilSession.status.in_(CHANGEABLE))
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:
        db.session.refresh(session, ["status"])
        require_changeable(session, cancelling=values.get("status") is SessionStatus.cancelled)
        raise SessionError(_("La séance vient d'être modifiée : rechargez la page."))
    db.session.expire(session, [*values, "ics_sequence"])
    bump(session.id)


def update_session(
    session: CouncilSession,
    starts_at: datetime,
    deadline: date,
    place: str,
    video_link: str,
    actor: User | None = None,
) -> datetime | None:
    """Change a planned or convened session: its day and time (never to the past), its
    submission deadline, its place and video link. A change of what the members' calendars
    show (start, place, link) bumps the event's SEQUENCE. Returns the former start when the
    session is convened and its event changed — its members must then be told, after the
    commit (`convocation.send_move_notices`); None otherwise. Flushes."""
    require_changeable(session)
    place, video_link = place.strip(), video_link.strip()
    if starts_at != session.starts_at:
        now = local_now()
        if starts_at.date() < now.date():
            raise SessionFieldError(
                _("La séance ne peut pas être déplacée à une date passée."), "day"
            )
        if starts_at <= now:
            raise SessionFieldError(
                _("Cette heure est déjà passée : choisissez-en une à venir."), "start"
            )
    try:
        _check_dates(starts_at, deadline)
    except SessionError as error:
        raise SessionFieldError(str(error), "deadline") from error
    before = session.starts_at
    moved = (starts_at, place, video_link) != (session.starts_at, session.place, session.video_link)
    _write_while_changeable(
        session,
        bump_sequence=moved,
        starts_at=starts_at,
        deadline=deadline,
        place=place,
        video_link=video_link,
    )
    db.session.flush()
    audit.record(
        session,
        "session_changed",
        actor,
        detail={
            "starts_at": starts_at.isoformat(),
            "before": before.isoformat(),
            "deadline": deadline.isoformat(),
            "place": place,
        },
    )
    return before if moved and session.status is SessionStatus.convened else None


def agenda_files(session: CouncilSession) -> list[Application]:
    """The label applications on the agenda: their applicants are told of its date."""
    return [item.application for item in session.items if item.kind is ItemKind.application]


def cancel_session(session: CouncilSession, actor: User, reason: str = "") -> list[Application]:
    """Cancel a planned or convened session: its files go back to admissible, to be proposed
    again, and the event's SEQUENCE is bumped. A convened session needs a reason, which its
    members are told. Returns the files that were on the agenda, whose applicants are told
    after the commit (`convocation.send_cancellation`). Flushes."""
    require_changeable(session, cancelling=True)
    reason = reason.replace("\x00", "").strip()[:1000]
    if session.status is SessionStatus.convened and not reason:
        raise SessionFieldError(
            _("Indiquez le motif de l'annulation : il est communiqué aux membres convoqués."),
            "reason",
        )
    applications = agenda_files(session)
    status = session.status
    comment = _("Séance annulée : %(r)s", r=reason) if reason else _("Séance annulée.")
    for item in list(session.items):
        remove_item(item, actor, comment)
    _write_while_changeable(
        session,
        bump_sequence=True,
        status=SessionStatus.cancelled,
        cancelled_at=utcnow(),
        cancellation_reason=reason,
    )
    db.session.flush()
    audit.record(
        session, "session_cancelled", actor, reason=reason, from_state=status, to_state="cancelled"
    )
    return applications


def next_open_session(today: date) -> CouncilSession | None:
    """The first planned session whose submission deadline has not passed."""
    return db.session.execute(
        db.select(CouncilSession)
        .filter(CouncilSession.status == SessionStatus.planned, CouncilSession.deadline >= today)
        .order_by(CouncilSession.starts_at)
        .limit(1)
    ).scalar_one_or_none()


# --- the agenda -------------------------------------------------------------------------------


def proposals(session: CouncilSession) -> list[Application]:
    """Admissible (or deferred) files not on an agenda yet, oldest submission first."""
    return list(
        db.session.execute(
            db.select(Application)
            .filter(Application.state.in_([State.admissible, State.deferred]))
            .order_by(Application.submitted_at, Application.id)
        ).scalars()
    )


def _member_ids_of(application: Application) -> set[int]:
    return set(
        db.session.execute(
            db.select(Membership.user_id).filter_by(structure_id=application.structure_id)
        ).scalars()
    )


def add_item(session: CouncilSession, application: Application, actor: User) -> AgendaItem:
    """Put a file on the agenda (it becomes "scheduled"); members of the structure are recused."""
    _require_status(session, SessionStatus.planned, SessionStatus.convened)
    applications.transition(application, "schedule", actor, _("Séance du %(d)s", d=_day(session)))
    last = max((i.position for i in session.items), default=0)
    item = AgendaItem(application_id=application.id, position=last + 1)
    item.secret = current_rules().secret_by_default
    session.items.append(item)
    application.session_id = session.id
    db.session.flush()
    recuse_structure_members(item)
    _agenda_entry(item, "item_added", actor)
    return item


def _agenda_entry(item: AgendaItem, action: str, actor: User | None, reason: str = "") -> None:
    audit.record(
        item,
        action,
        actor,
        reason=reason,
        detail={"session": item.session_id, "kind": item.kind.value, "subject": item.subject},
    )


def append_item(session: CouncilSession, item: AgendaItem, actor: User) -> AgendaItem:
    """Put an item built by a domain above (a proposal on a label's status) last on the agenda
    of a session still in preparation, secret or open by the rules, with the structure's own
    members recused on it and its journal entry. Flushes; the caller commits."""
    _require_status(session, SessionStatus.planned, SessionStatus.convened)
    item.position = max((i.position for i in session.items), default=0) + 1
    item.secret = current_rules().secret_by_default
    session.items.append(item)
    db.session.flush()
    recuse_structure_members(item)
    bump(session.id)
    _agenda_entry(item, "item_added", actor)
    return item


def minutes_to_approve(session: CouncilSession) -> CouncilSession | None:
    """The last closed session before this one whose minutes no session has approved yet."""
    candidate = db.session.execute(
        db.select(CouncilSession)
        .filter(
            CouncilSession.status == SessionStatus.closed,
            CouncilSession.starts_at < session.starts_at,
            CouncilSession.minutes_pdf.isnot(None),
        )
        .order_by(CouncilSession.starts_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    if candidate is None or candidate.minutes_approved_at is not None:
        return None
    if any(i.approves_session_id == candidate.id for i in session.items):
        return None
    return candidate


def add_minutes_item(session: CouncilSession, actor: User) -> AgendaItem:
    """The approval of the previous session's minutes: the first item, put to the vote."""
    _require_status(session, SessionStatus.planned, SessionStatus.convened)
    previous = minutes_to_approve(session)
    if previous is None:
        raise SessionError(_("Aucun procès-verbal n'attend d'approbation."))
    for existing in session.items:
        existing.position += 1
    item = AgendaItem(
        kind=ItemKind.minutes, approves_session_id=previous.id, position=1, secret=False
    )
    session.items.append(item)
    db.session.flush()
    renumber(session)
    bump(session.id)
    _agenda_entry(item, "item_added", actor)
    return item


def add_information_item(session: CouncilSession, title: str, actor: User) -> AgendaItem:
    """An information item: presented to the council, never put to the vote."""
    _require_status(session, SessionStatus.planned, SessionStatus.convened)
    title = " ".join((title or "").replace("\x00", "").split())
    if not title:
        raise SessionError(_("Donnez un intitulé au point d'information."))
    if len(title) > 300:
        raise SessionError(_("Intitulé trop long : 300 caractères au plus."))
    item = AgendaItem(
        kind=ItemKind.information,
        title=title,
        position=max((i.position for i in session.items), default=0) + 1,
    )
    session.items.append(item)
    db.session.flush()
    bump(session.id)
    _agenda_entry(item, "item_added", actor)
    return item


def recuse_structure_members(item: AgendaItem) -> None:
    """Council members who belong to the structure are recused: when the file is put on the
    agenda, and again when its vote opens (someone may have joined the structure since)."""
    if item.application is None:  # minutes, information: no structure concerned
        return
    members = {m.id for m in council_members()}
    recused = (_member_ids_of(item.application) & members) - recused_ids(item)
    for user_id in recused:
        item.conflicts.append(
            Conflict(user_id=user_id, reason=_("Membre de la structure candidate."))
        )
    db.session.flush()
    if recused:
        names = sorted(db.session.get(User, user_id).display_name for user_id in recused)
        audit.record(
            item,
            "members_recused",
            None,
            reason=_("Membre de la structure candidate."),
            detail={"members": names},
        )


def _day(session: CouncilSession) -> str:
    return session.starts_at.strftime("%d/%m/%Y")


def remove_item(item: AgendaItem, actor: User, reason: str) -> None:
    """Defer a file to a later session before its vote: back to admissible, proposed again."""
    session = item.session
    if item.vote_status is not VoteStatus.pending:
        raise SessionError(_("Le vote sur ce point a commencé : il ne peut plus être retiré."))
    if item.annulments:  # the minutes must tell of the annulled vote: the item stays
        raise SessionError(_("Un vote sur ce point a été annulé : il reste à l'ordre du jour."))
    _require_status(session, SessionStatus.planned, SessionStatus.convened, SessionStatus.open)
    if not reason.strip():
        raise SessionError(_("Indiquez un motif."))
    if item.kind is ItemKind.application:
        applications.transition(item.application, "unschedule", actor, reason)
        item.application.session_id = None
    _agenda_entry(item, "item_removed", actor, reason)
    session.items.remove(item)
    db.session.flush()
    renumber(session)
    bump(session.id)


@signals.application_withdrawn.connect
def _withdrawn(application: Application, **_kwargs) -> None:
    try:
        drop_withdrawn(application)
    except SessionError as error:
        raise workflow.TransitionError(str(error)) from error


def drop_withdrawn(application: Application) -> None:
    """A scheduled file withdrawn by its structure leaves the agenda: possible until the
    session opens (DESIGN: "withdrawn by the applicant before the session")."""
    item = (
        db.session.execute(
            db.select(AgendaItem)
            .join(AgendaItem.session)
            .filter(
                AgendaItem.application_id == application.id,
                CouncilSession.status.in_(
                    (SessionStatus.planned, SessionStatus.convened, SessionStatus.open)
                ),
            )
        )
        .scalars()
        .first()
    )
    if item is None:
        return
    session = item.session
    if session.status is SessionStatus.open:
        raise SessionError(_("La séance a commencé : le dossier ne peut plus être retiré."))
    application.session_id = None
    _agenda_entry(item, "item_removed", None, _("Candidature retirée par la structure."))
    session.items.remove(item)
    db.session.flush()
    renumber(session)
    bump(session.id)


def renumber(session: CouncilSession) -> None:
    """Number the session's items 1, 2, … in their order, closing gaps; flushes and expires the
    session's items (reloaded in order). No journal entry."""
    for position, item in enumerate(sorted(session.items, key=lambda i: i.position), start=1):
        item.position = position
    db.session.flush()
    db.session.expire(session, ["items"])


def move_item(item: AgendaItem, offset: int, actor: User | None = None) -> None:
    """Move an item `offset` places in a session planned, convened or open (a move past either
    end does nothing). Journalled, the live screens told. Flushes; the caller commits."""
    session = item.session
    _require_status(session, SessionStatus.planned, SessionStatus.convened, SessionStatus.open)
    items = sorted(session.items, key=lambda i: i.position)
    index = items.index(item)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, each in enumerate(items, start=1):
            each.position = position
        bump(session.id)
        db.session.flush()
        audit.record(item, "item_moved", actor, detail={"position": target + 1})
        db.session.expire(session, ["items"])  # reloaded in the new order


def recused_ids(item: AgendaItem) -> set[int]:
    """The ids of the members recused on the item (declared, or as members of the structure)."""
    return {c.user_id for c in item.conflicts}


def assign_rapporteur(item: AgendaItem, user: User | None, actor: User | None = None) -> None:
    """Name the item's rapporteur (None: nobody) before the session opens: a council member not
    recused on it. Journalled. Flushes; the caller commits."""
    _require_status(item.session, SessionStatus.planned, SessionStatus.convened)
    if user is not None:
        if user.id not in {m.id for m in council_members()}:
            raise SessionError(_("Le rapporteur doit être membre du conseil."))
        if user.id in recused_ids(item):
            raise SessionError(
                _("%(name)s a un conflit d'intérêts sur ce dossier.", name=user.display_name)
            )
    item.rapporteur_id = user.id if user else None
    db.session.flush()
    audit.record(
        item, "rapporteur_assigned", actor, detail={"rapporteur": user.display_name if user else ""}
    )


def write_report(item: AgendaItem, user: User, report: str, opinion: Opinion) -> None:
    """The rapporteur's report and opinion: only by the item's rapporteur, until its vote opens
    and while the session is neither closed nor cancelled; a favourable opinion is refused on a
    file whose verified result cannot get the label. Journalled. Flushes; the caller commits."""
    if item.rapporteur_id != user.id:
        raise SessionError(_("Seul le rapporteur de ce dossier écrit son rapport."))
    if item.vote_status is not VoteStatus.pending or item.session.status in (
        SessionStatus.closed,
        SessionStatus.cancelled,
    ):
        raise SessionError(_("Le rapport ne peut plus être modifié."))
    if (
        opinion is Opinion.favourable
        and item.kind is ItemKind.application
        and (problems := checks.eligible_verified_result(item.application))
    ):
        raise SessionError(
            " ".join(
                [_("Un avis favorable est impossible : le label ne peut être attribué."), *problems]
            )
        )
    item.report, item.opinion = report.strip(), opinion
    db.session.flush()
    audit.record(item, "report_written", user, to_state=opinion)


def set_ballot(item: AgendaItem, secret: bool, actor: User | None = None) -> None:
    """Choose a secret or an open ballot for the item, until its vote opens. Journalled. Flushes;
    the caller commits."""
    if item.vote_status is not VoteStatus.pending:
        raise SessionError(_("Le mode de scrutin ne change plus une fois le vote ouvert."))
    item.secret = secret
    db.session.flush()
    audit.record(item, "ballot_mode", actor, to_state="secret" if secret else "open")


# --- members: conflicts and proxies -----------------------------------------------------------


def declare_conflict(item: AgendaItem, user: User, reason: str) -> None:
    """Recuse the member on the item until its vote opens (nothing when already recused); a
    recused rapporteur loses the item. Journalled, the live screens told. Flushes; the caller
    commits."""
    if item.vote_status is not VoteStatus.pending:
        raise SessionError(_("Le vote sur ce point a commencé."))
    if user.id in recused_ids(item):
        return
    if item.rapporteur_id == user.id:
        item.rapporteur_id = None  # a recused member cannot report on the file
    conflict = Conflict(user_id=user.id, reason=reason.replace("\x00", "").strip()[:500])
    item.conflicts.append(conflict)
    bump(item.session_id)
    db.session.flush()
    audit.record(item, "conflict_declared", user, reason=conflict.reason)


def withdraw_conflict(item: AgendaItem, user: User) -> None:
    """Lift the member's declared conflict until the item's vote opens; refused to a member of
    the structure, recused by right. Journalled, the live screens told. Flushes; the caller
    commits."""
    if item.vote_status is not VoteStatus.pending:
        raise SessionError(_("Le vote sur ce point a commencé."))
    if user.id in _member_ids_of(item.application):
        raise SessionError(_("Vous êtes membre de la structure : le conflit est automatique."))
    for conflict in list(item.conflicts):
        if conflict.user_id == user.id:
            item.conflicts.remove(conflict)
    bump(item.session_id)
    db.session.flush()
    audit.record(item, "conflict_withdrawn", user)


def _no_vote_open(session: CouncilSession) -> None:
    """Proxies change between votes, never during one: a ballot cast for a member stands."""
    if any(item.vote_status is VoteStatus.open for item in session.items):
        raise SessionError(_("Un vote est en cours : les pouvoirs changent entre deux votes."))


def give_proxy(session: CouncilSession, giver: User, holder: User) -> Proxy:
    """Recorded before the session or at check-in; refused where the rules say so."""
    _require_status(session, SessionStatus.planned, SessionStatus.convened, SessionStatus.open)
    _no_vote_open(session)
    voters = {m.id for m in voting_members()}
    present = {a.user_id for a in session.attendance}
    proxies = {p.giver_id: p.holder_id for p in session.proxies}
    proxies[giver.id] = holder.id
    problems = council_rules.check_proxies(
        session_rules(session), voters, present, proxies, only=giver.id
    )
    if problems:
        raise SessionError(" ".join(translate(problem) for problem in problems))
    for existing in list(session.proxies):
        if existing.giver_id == giver.id:
            session.proxies.remove(existing)
    db.session.flush()
    proxy = Proxy(giver_id=giver.id, holder_id=holder.id)
    session.proxies.append(proxy)
    bump(session.id)
    db.session.flush()
    audit.record(session, "proxy_given", giver, detail={"holder": holder.display_name})
    return proxy


def withdraw_proxy(session: CouncilSession, giver: User) -> None:
    """Withdraw the member's proxy while the session is planned, convened or open, never while a
    vote is open. Journalled, the live screens told. Flushes; the caller commits."""
    _require_status(session, SessionStatus.planned, SessionStatus.convened, SessionStatus.open)
    _no_vote_open(session)
    for existing in list(session.proxies):
        if existing.giver_id == giver.id:
            session.proxies.remove(existing)
    bump(session.id)
    db.session.flush()
    audit.record(session, "proxy_withdrawn", giver)
