"""The live session: convening, opening, attendance, votes, closing. Each vote is one short
transaction that first locks its item row (`UPDATE … WHERE vote_status = 'open'`): a vote and
the closing of that vote cannot interleave, and the database refuses a second vote by the same
member on the same item.

A session opens on its day (`rules.may_open`), with its secretary of the meeting. The quorum
of each vote is recorded when it opens and checked again when it closes: a vote whose quorum
was lost cannot be closed, and the president may annul it (`annul_vote`). Arrivals are kept
apart from attendance, so that a proxy whose holder never came is known (`inactive_givers`)."""

import functools
import hashlib
import hmac
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, delete, literal_column, null, select, union_all, update
from sqlalchemy.exc import IntegrityError

from cdess import signals
from cdess.accounts.models import Role, User, UserRole
from cdess.applications import checks
from cdess.applications import services as applications
from cdess.audit import services as audit
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.jobs import services as jobs
from cdess.jobs.models import JobKind
from cdess.labels import N_
from cdess.sessions import rules as council_rules
from cdess.sessions import services
from cdess.sessions.models import (
    AgendaItem,
    Arrival,
    Attendance,
    BallotReceipt,
    Choice,
    Conflict,
    CouncilSession,
    ItemKind,
    Proxy,
    SessionStatus,
    Vote,
    VoteAnnulment,
    VoteStatus,
)
from cdess.sessions.permissions import can_preside
from cdess.sessions.services import SessionError, bump
from cdess.web.formats import wallclock
from cdess.web.messages import translate

OUTCOME_ACTIONS = {"granted": "grant", "refused": "refuse", "deferred": "defer"}


# --- the session's life -----------------------------------------------------------------------


def convene(session: CouncilSession, actor: User) -> None:
    """planned → convened; the convocation goes to every member, applicants are told."""
    if session.status is not SessionStatus.planned:
        raise SessionError(_("Seule une séance planifiée peut être convoquée."))
    if not session.items:
        raise SessionError(_("Inscrivez au moins un dossier à l'ordre du jour."))
    reported = (ItemKind.application, ItemKind.proposal)  # a file or a label's status
    if missing := [i for i in session.items if i.kind in reported and i.rapporteur_id is None]:
        raise SessionError(
            _(
                "Désignez un rapporteur pour : %(names)s.",
                names=", ".join(i.subject for i in missing),
            )
        )
    session.status = SessionStatus.convened
    session.convened_at = utcnow()
    db.session.flush()
    audit.record(session, "session_convened", actor, from_state="planned", to_state="convened")


def local_date(moment: datetime | None = None) -> date:
    """The département's date at a moment stored as naive UTC (now by default)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return (moment or utcnow()).replace(tzinfo=UTC).astimezone(zone).date()


def secretary_candidates() -> list[User]:
    """Who may be the secretary of the meeting: a council member or an agent of the
    secretariat, active; never the president, who signs the minutes beside the secretary."""
    president = services.president_id()
    return list(
        db.session.execute(
            db.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .filter(
                UserRole.role.in_([Role.council_member, Role.secretariat]),
                User.active.is_(True),
                User.id != (president or 0),
            )
            .distinct()
            .order_by(User.display_name, User.id)
        ).scalars()
    )


def _check_day(session: CouncilSession, opened_at: datetime) -> None:
    tolerance = current_app.config["SESSION_OPEN_TOLERANCE_DAYS"]
    today = local_date(opened_at)
    if council_rules.may_open(session.starts_at.date(), today, tolerance):
        return
    values = {"d": wallclock(session.starts_at, "short"), "t": wallclock(today, "short")}
    if tolerance:
        message = _(
            "Cette séance s'ouvre le %(d)s, ou au plus %(n)s jour(s) avant ou après : "
            "nous sommes le %(t)s.",
            n=tolerance,
            **values,
        )
    else:
        message = _(
            "Cette séance ne s'ouvre que le jour prévu, le %(d)s : nous sommes le %(t)s.", **values
        )
    raise SessionError(message)


def open_session(
    session: CouncilSession, actor: User, at: datetime | None = None, secretary: User | None = None
) -> None:
    """convened → open, on the session's day (give or take SESSION_OPEN_TOLERANCE_DAYS; `at`,
    naive UTC, is the moment it opens, now by default), with its secretary of the meeting (the
    actor when none is named and the actor may be one); the session keeps a copy of the rules
    in force."""
    if session.status is not SessionStatus.convened:
        raise SessionError(_("Seule une séance convoquée peut être ouverte."))
    opened_at = at or utcnow()
    _check_day(session, opened_at)
    candidates = {u.id for u in secretary_candidates()}
    if secretary is None and actor.id in candidates:
        secretary = actor
    if secretary is None:
        raise SessionError(_("Choisissez le secrétaire de séance."))
    if secretary.id not in candidates:
        raise SessionError(
            _(
                "Le secrétaire de séance est un membre du conseil ou un agent du secrétariat, "
                "autre que le président : %(name)s ne peut pas l'être.",
                name=secretary.display_name,
            )
        )
    session.status = SessionStatus.open
    session.opened_at = opened_at
    session.secretary_id = secretary.id
    session.rules = services.current_rules().as_dict()
    bump(session.id)
    db.session.flush()
    audit.record(
        session,
        "session_opened",
        actor,
        from_state="convened",
        to_state="open",
        detail={"secretary": secretary.display_name, "rules": session.rules},
    )


def close_session(session: CouncilSession, actor: User, at=None):
    """open → closed once every item is voted, the session locked; the minutes are a job that
    runs after the caller's commit (returned: its page shows their writing)."""
    if session.status is not SessionStatus.open:
        raise SessionError(_("Seule une séance ouverte peut être close."))
    if pending := [
        i for i in session.items if i.kind.voted and i.vote_status is not VoteStatus.closed
    ]:
        raise SessionError(
            _(
                "Des points n'ont pas été votés : %(names)s. Votez-les ou reportez-les.",
                names=", ".join(i.subject for i in pending),
            )
        )
    session.status = SessionStatus.closed
    session.closed_at = at or utcnow()
    bump(session.id)
    db.session.flush()
    audit.record(session, "session_closed", actor, from_state="open", to_state="closed")
    # The minutes print the journal's head after the close: the anchor of everything decided.
    return jobs.enqueue(JobKind.minutes, {"session_id": session.id}, actor, f"minutes:{session.id}")


def job_session(job) -> CouncilSession:
    """The session a job works on (gone: the job fails with that reason)."""
    session = db.session.get(CouncilSession, job.args["session_id"])
    if session is None:
        raise LookupError(f"session {job.args['session_id']} is gone")
    return session


def job_title(job) -> str:
    """A session's job as its page names it: its kind and the session's day."""
    starts_at = db.session.execute(  # its day alone: not the minutes' PDF
        db.select(CouncilSession.starts_at).filter_by(id=job.args.get("session_id", 0))
    ).scalar_one_or_none()
    if starts_at is None:
        return job.kind.label
    return _("%(kind)s — séance du %(d)s", kind=job.kind.label, d=wallclock(starts_at, "d MMMM y"))


@jobs.work(JobKind.minutes, job_title, _l("Ouvrir le procès-verbal (PDF)"), can_preside)
def write_minutes(job) -> None:
    """The job after the close: the minutes PDF, unless written already (a retry)."""
    from cdess.sessions import minutes

    session = job_session(job)
    if session.status is not SessionStatus.closed:
        raise ValueError(f"session {session.id} is not closed")
    jobs.step(job, total=1, message=N_("Rédaction du procès-verbal en cours."))
    if session.minutes_pdf is None:
        minutes.write(session)
        bump(session.id)  # the live panels show the link
    jobs.finish(job, "sessions.minutes", session_id=session.id)
    jobs.step(job, done=1, message=N_("Le procès-verbal est prêt."))


# --- attendance -------------------------------------------------------------------------------


def check_in(session: CouncilSession, member: User, actor: User | None = None) -> None:
    """The member is present (marked by the secretariat, the president, or themself)."""
    if session.status is not SessionStatus.open:
        raise SessionError(_("L'émargement se fait pendant la séance."))
    if not member.sits_on_council:
        raise SessionError(_("Seuls les membres du conseil émargent."))
    if db.session.get(Attendance, (session.id, member.id)) is None:
        session.attendance.append(Attendance(user_id=member.id))
        arrival = db.session.get(Arrival, (session.id, member.id))
        if arrival is None:
            db.session.add(Arrival(session_id=session.id, user_id=member.id))
        else:
            arrival.left_at = None  # back in the room
        try:
            db.session.flush()
        except IntegrityError:  # checked in at the same moment from another screen
            db.session.rollback()
            return
        audit.record(
            session, "member_arrived", actor or member, detail={"member": member.display_name}
        )
    bump(session.id)


def check_out(session: CouncilSession, member: User, actor: User | None = None) -> None:
    """The member leaves the open session: the attendance row goes, the time they left is kept on
    their arrival; journalled, the live screens told (nothing when not checked in). Refused
    unless the session is open. Flushes; the caller commits."""
    if session.status is not SessionStatus.open:
        raise SessionError(_("L'émargement se fait pendant la séance."))
    row = db.session.get(Attendance, (session.id, member.id))
    if row is not None:
        session.attendance.remove(row)
        db.session.delete(row)
        if (arrival := db.session.get(Arrival, (session.id, member.id))) is not None:
            arrival.left_at = utcnow()
        bump(session.id)
        db.session.flush()
        audit.record(
            session, "member_left", actor or member, detail={"member": member.display_name}
        )


def present_ids(session: CouncilSession) -> frozenset[int]:
    """The members present now, by id (without loading their attendance rows)."""
    return frozenset(
        db.session.execute(db.select(Attendance.user_id).filter_by(session_id=session.id)).scalars()
    )


def arrived_ids(session: CouncilSession) -> frozenset[int]:
    """The members who came to the session, at some moment of it (present now or gone)."""
    return frozenset(
        db.session.execute(db.select(Arrival.user_id).filter_by(session_id=session.id)).scalars()
    )


def inactive_givers(session: CouncilSession) -> frozenset[int]:
    """The members whose proxy is inactive: its holder has not come to the session. Nothing is
    inactive before the session opens."""
    if session.status not in (SessionStatus.open, SessionStatus.closed):
        return frozenset()
    return council_rules.inactive_proxies(
        {p.giver_id: p.holder_id for p in session.proxies}, arrived_ids(session)
    )


def give_proxy(session: CouncilSession, giver: User, holder: User):
    """A proxy given from the members' space: before the session to a member the rules allow;
    once the session is open, only to a member present (one absent would give no ballot)."""
    if session.status is SessionStatus.open:
        present = frozenset(a.user_id for a in session.attendance)
        proxies = {p.giver_id: p.holder_id for p in session.proxies} | {giver.id: holder.id}
        voters = frozenset(db.session.execute(services.voting_member_ids()).scalars())
        rules = services.session_rules(session)
        if problems := council_rules.check_proxies(
            rules, voters, present, proxies, only=giver.id, session_open=True
        ):
            raise SessionError(" ".join(translate(problem) for problem in problems))
    return services.give_proxy(session, giver, holder)


# --- what the rules see -----------------------------------------------------------------------


def situation(item: AgendaItem) -> council_rules.Situation:
    """Who sits for the item, by id, in one statement (it runs on every ballot and every panel):
    tagged rows — a voter, the president, a member present, a proxy (giver, holder), a member
    recused."""
    voters, present, proxies, recused, president = set(), set(), {}, set(), None
    rows = db.session.execute(_situation_statement(), {"session": item.session_id, "item": item.id})
    for tag, member, holder in rows:
        if tag == "v":
            voters.add(member)
        elif tag == "a":
            present.add(member)
        elif tag == "x":
            proxies[member] = holder
        elif tag == "r":
            recused.add(member)
        else:
            president = member
    return council_rules.Situation(
        voters=voters, president=president, present=present, proxies=proxies, recused=recused
    )


@functools.cache
def _situation_statement():
    """The statement of `situation`, built once (building it costs more than running it)."""
    session, item = bindparam("session"), bindparam("item")
    nothing = null().cast(Integer)
    _tag = lambda tag: literal_column(f"'{tag}'")  # noqa: E731  (written in the SQL, not bound)
    return union_all(
        services.voting_member_ids().with_only_columns(_tag("v"), User.id, nothing),
        select(_tag("p"), services.president_id_statement().scalar_subquery(), nothing),
        select(_tag("a"), Attendance.user_id, nothing).filter(Attendance.session_id == session),
        select(_tag("x"), Proxy.giver_id, Proxy.holder_id).filter(Proxy.session_id == session),
        select(_tag("r"), Conflict.user_id, nothing).filter(Conflict.item_id == item),
    )


def quorum(item: AgendaItem, seen: council_rules.Situation | None = None) -> council_rules.Quorum:
    """The item's quorum now, under the session's rules, from who sits for it (`seen`: the
    item's situation when the caller already has it — a page reads it once)."""
    return council_rules.quorum(services.session_rules(item.session), seen or situation(item))


def ballots_of(
    item: AgendaItem, user: User, seen: council_rules.Situation | None = None
) -> list[int]:
    """The members this person may vote for on the item: themself and a proxy's giver."""
    holder = user.id  # read once: `user` is often the request's proxy (`current_user`)
    return [b.member for b in ballots_of_all(item, seen) if b.holder == holder]


def ballots_of_all(
    item: AgendaItem, seen: council_rules.Situation | None = None
) -> list[council_rules.Ballot]:
    """Every ballot the item allows now, under the session's rules: each voting member's, and who
    casts it (themself or a proxy's holder)."""
    return council_rules.ballots(services.session_rules(item.session), seen or situation(item))


def open_item(session: CouncilSession) -> AgendaItem | None:
    """The session's item whose vote is open (one at most), or None."""
    return next((i for i in session.items if i.vote_status is VoteStatus.open), None)


def _opening_record(item: AgendaItem, count: council_rules.Quorum) -> dict:
    """The quorum as the vote opens, with who is counted, present or by proxy."""
    rules, seen = services.session_rules(item.session), situation(item)
    return {
        **count.as_dict(),
        "members": sorted(seen.voting),
        "represented_members": sorted(council_rules.represented(rules, seen)),
    }


def quorum_check(
    item: AgendaItem, seen: council_rules.Situation | None = None
) -> council_rules.QuorumCheck:
    """The open vote's quorum now, beside the one recorded at its opening."""
    record = item.quorum_at_open or {}
    return council_rules.quorum_at_close(
        services.session_rules(item.session),
        seen or situation(item),
        opening=council_rules.Quorum.from_dict(record) if record else None,
        present_at_opening=frozenset(record.get("members", ())),
        represented_at_opening=frozenset(record.get("represented_members", ())),
    )


def _names(ids) -> list[str]:
    if not ids:
        return []
    return list(
        db.session.execute(
            db.select(User.display_name).filter(User.id.in_(ids)).order_by(User.display_name)
        ).scalars()
    )


def quorum_lost_message(check: council_rules.QuorumCheck) -> str:
    """Why the vote cannot be closed: the numbers now and at the opening, and who has gone."""
    now = check.closing
    numbers = {"p": now.present_or_represented, "e": now.eligible, "r": now.required}
    if check.opening:
        first = _(
            "Quorum perdu : le vote ne peut pas être clos. %(p)s présents ou représentés sur "
            "%(e)s membres votants non récusés, %(r)s requis (%(o)s à l'ouverture du vote).",
            o=check.opening.present_or_represented,
            **numbers,
        )
    else:
        first = _(
            "Quorum perdu : le vote ne peut pas être clos. %(p)s présents ou représentés sur "
            "%(e)s membres votants non récusés, %(r)s requis.",
            **numbers,
        )
    parts = [first]
    if left := _names(check.left):
        parts.append(
            _("Ont quitté la séance depuis l'ouverture du vote : %(n)s.", n=", ".join(left))
        )
    if gone := _names(check.unrepresented):
        parts.append(_("Ne sont plus représentés : %(n)s.", n=", ".join(gone)))
    parts.append(_("Attendez leur retour ou annulez le vote."))
    return " ".join(parts)


# --- votes ------------------------------------------------------------------------------------


def open_vote(item: AgendaItem, actor: User) -> None:
    """Open the vote on an item: refused unless the session is open, the item pending and voted
    on, no other vote open, the quorum reached and, for a file, its verified result eligible; the
    structure's members are recused first, and a compare-and-set refuses a second opening.
    Journalled with the quorum, the live screens told. Flushes; the caller commits."""
    session = item.session
    if session.status is not SessionStatus.open:
        raise SessionError(_("La séance n'est pas ouverte."))
    if item.vote_status is not VoteStatus.pending:
        raise SessionError(_("Le vote sur ce point a déjà eu lieu."))
    if (current := open_item(session)) is not None:
        raise SessionError(_("Clôturez d'abord le vote sur « %(s)s ».", s=current.subject))
    if not item.kind.voted:
        raise SessionError(_("Un point d'information n'est pas mis au vote."))
    if item.kind is ItemKind.application and (
        problems := checks.eligible_verified_result(item.application)
    ):
        # The council votes on the verified result; one that fails the charter never
        # reaches a vote that could grant the label: the file leaves the agenda instead.
        raise SessionError(
            " ".join(
                [
                    _("Le vote ne peut pas s'ouvrir : retirez ce dossier de l'ordre du jour."),
                    *problems,
                ]
            )
        )
    services.recuse_structure_members(item)
    count = quorum(item)
    if not count.reached:
        raise SessionError(
            _(
                "Quorum non atteint pour ce point : %(p)s présents ou représentés sur %(e)s "
                "membres votants non récusés, %(r)s requis.",
                p=count.present_or_represented,
                e=count.eligible,
                r=count.required,
            )
        )
    moved = db.session.execute(
        update(AgendaItem)
        .where(AgendaItem.id == item.id, AgendaItem.vote_status == VoteStatus.pending)
        .values(
            vote_status=VoteStatus.open,
            vote_opened_at=utcnow(),
            quorum_at_open=_opening_record(item, count),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise SessionError(_("Le vote sur ce point a déjà été ouvert."))
    db.session.expire(item, ["vote_status", "vote_opened_at", "quorum_at_open"])
    bump(session.id)
    db.session.flush()
    audit.record(
        item,
        "vote_opened",
        actor,
        from_state="pending",
        to_state="open",
        detail={"secret": item.secret, "quorum": item.quorum_at_open},
    )


def _lock_open(item: AgendaItem, **values) -> None:
    """Lock the item's row while its vote is open (or refuse): see the module's docstring."""
    values = values or {"vote_status": VoteStatus.open}
    locked = db.session.execute(
        update(AgendaItem)
        .where(AgendaItem.id == item.id, AgendaItem.vote_status == VoteStatus.open)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if locked != 1:
        raise SessionError(_("Le vote sur ce point n'est pas ouvert."))


def cast(
    item: AgendaItem,
    voter: User,
    member_id: int,
    choice: Choice,
    entered_by: User | None = None,
) -> list[int]:
    """One ballot: for oneself, or for the member whose proxy one holds. An open vote can be
    changed until the vote closes; a secret one is final. `entered_by`: who presides and enters
    the ballot a member present (`voter`) gave on paper or by show of hands — open votes only,
    under the same rules, marked on the ballot and in the journal. Returns the members whose
    ballots the voter casts on the item (themself, and a proxy's giver)."""
    if entered_by is not None and item.secret:
        raise SessionError(
            _("Un vote à bulletin secret ne se saisit pas pour un membre : chacun vote lui-même.")
        )
    mine = ballots_of(item, voter)
    if member_id not in mine:
        if voter.id in services.recused_ids(item):
            raise SessionError(_("Vous êtes récusé sur ce point : vous ne votez pas."))
        raise SessionError(_("Vous ne pouvez pas voter pour ce membre sur ce point."))
    if item.secret:
        counter = {
            Choice.pour: AgendaItem.secret_pour,
            Choice.contre: AgendaItem.secret_contre,
            Choice.abstention: AgendaItem.secret_abstention,
        }[choice]
        _lock_open(item, **{counter.key: counter + 1})
        db.session.add(BallotReceipt(item_id=item.id, member_id=member_id))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise SessionError(
                _("Ce vote a déjà été enregistré : un vote secret est définitif.")
            ) from None
    else:
        _lock_open(item)
        existing = db.session.execute(
            db.select(Vote).filter_by(item_id=item.id, member_id=member_id)
        ).scalar_one_or_none()
        entered_by_id = entered_by.id if entered_by is not None else None
        if existing is not None and entered_by is not None and existing.entered_by_id is None:
            # Checked again under the item's lock: the member voted from their device meanwhile.
            raise SessionError(
                _(
                    "%(name)s a déjà voté depuis son appareil : ce vote ne se saisit pas à sa "
                    "place.",
                    name=existing.member.display_name,
                )
            )
        if existing is not None:
            existing.choice, existing.cast_by_id, existing.at = choice, voter.id, utcnow()
            existing.entered_by_id = entered_by_id
        else:
            db.session.add(
                Vote(
                    item_id=item.id,
                    member_id=member_id,
                    cast_by_id=voter.id,
                    choice=choice,
                    entered_by_id=entered_by_id,
                )
            )
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise SessionError(
                _("Ce vote vient d'être enregistré depuis un autre écran.")
            ) from None
    # A secret ballot's entry says that the member voted, never the choice.
    detail = {"member": db.session.get(User, member_id).display_name}
    if not item.secret:
        detail["choice"] = choice.value
    if entered_by is not None:  # the journal's actor is who entered it, for the member present
        detail["cast_by"] = voter.display_name
        detail["entered_by"] = entered_by.display_name
    audit.record(item, "ballot_cast", entered_by or voter, detail=detail)
    # No bump of the session's revision: a ballot changes only the panels of whom it concerns
    # and of whoever presides, whose versions count the ballots (`queries.live_version`).
    db.session.flush()
    return mine


def has_voted(item: AgendaItem, member_id: int) -> bool:
    """Whether a ballot was recorded for this member on the item (its receipt, for a secret
    ballot)."""
    model = BallotReceipt if item.secret else Vote
    return (
        db.session.execute(
            db.select(model.member_id).filter_by(item_id=item.id, member_id=member_id)
        ).first()
        is not None
    )


def ballots_cast(item: AgendaItem, member_ids) -> dict[int, Choice | None]:
    """The ballots recorded for these members on the item, in one statement: member → choice
    (None for a secret ballot, whose receipt says only that the member voted)."""
    if not member_ids:
        return {}
    if item.secret:
        stmt = db.select(BallotReceipt.member_id, null())
        stmt = stmt.filter(BallotReceipt.item_id == item.id)
        stmt = stmt.filter(BallotReceipt.member_id.in_(member_ids))
    else:
        stmt = db.select(Vote.member_id, Vote.choice).filter(
            Vote.item_id == item.id, Vote.member_id.in_(member_ids)
        )
    return {member: choice for member, choice in db.session.execute(stmt)}


def my_choice(item: AgendaItem, member_id: int) -> Choice | None:
    """An open vote's recorded choice (never available for a secret ballot)."""
    if item.secret:
        return None
    return db.session.execute(
        db.select(Vote.choice).filter_by(item_id=item.id, member_id=member_id)
    ).scalar_one_or_none()


def counts(item: AgendaItem) -> dict[Choice, int]:
    """The item's ballots by choice: a secret ballot's counters (read again from the database),
    or an open vote's rows counted."""
    if item.secret:
        db.session.refresh(item, ["secret_pour", "secret_contre", "secret_abstention"])
        return {
            Choice.pour: item.secret_pour,
            Choice.contre: item.secret_contre,
            Choice.abstention: item.secret_abstention,
        }
    rows = db.session.execute(
        db.select(Vote.choice, db.func.count()).filter_by(item_id=item.id).group_by(Vote.choice)
    ).all()
    found = dict(rows)
    return {choice: found.get(choice, 0) for choice in Choice}


def _tally(
    item: AgendaItem,
    casting: Choice | None = None,
    seen: council_rules.Situation | None = None,
) -> council_rules.Tally:
    seen = seen or situation(item)
    president = seen.president
    return council_rules.tally(
        services.session_rules(item.session),
        counts(item),
        secret=item.secret,
        president_choice=my_choice(item, president) if president and not item.secret else None,
        casting_vote=casting,
        president_may_vote=seen.president_may_vote,
        motion=item.kind is not ItemKind.application,
    )


def preview(item: AgendaItem, seen: council_rules.Situation | None = None) -> council_rules.Tally:
    """What closing the vote now would give (for the president's screen)."""
    return _tally(item, seen=seen)


def close_vote(item: AgendaItem, actor: User, casting: Choice | None = None) -> council_rules.Tally:
    """Close the vote, count, and decide. On a tie in an open vote where the president voted
    neither way, the result waits for the president's deciding vote (`casting`)."""
    session = item.session
    if casting is not None and not actor.is_president:
        raise SessionError(_("Seul le président donne la voix prépondérante."))
    _lock_open(item)  # from here no ballot can slip in
    check = quorum_check(item)
    if check.lost:
        raise SessionError(quorum_lost_message(check))
    tally = _tally(item, casting)
    if tally.outcome == council_rules.Outcome.pending_casting_vote:
        db.session.rollback()
        return tally
    count = check.closing
    open_votes = (
        []
        if item.secret
        else [
            {
                "member": v.member.display_name,
                "cast_by": v.cast_by.display_name,
                "choice": v.choice.value,
            }
            for v in sorted(item.votes, key=lambda v: v.member.display_name)
        ]
    )
    # The vote that broke a tie, if one did: a deciding vote sent without a tie is not recorded.
    _lock_open(
        item,
        vote_status=VoteStatus.closed,
        vote_closed_at=utcnow(),
        casting_vote=tally.deciding_vote,
    )
    db.session.expire(item, ["vote_status", "vote_closed_at", "casting_vote"])
    item.result = {
        "counts": {choice.value: n for choice, n in counts(item).items()},
        "outcome": tally.outcome.value,
        "explanation": tally.explanation,
        "quorum": count.as_dict(),
        "quorum_at_open": check.opening.as_dict() if check.opening else None,
        "quorum_at_close": count.as_dict(),
        "votes": open_votes,
        "recused": sorted(c.user.display_name for c in item.conflicts),
    }
    audit.record(
        item,
        "vote_closed",
        actor,
        reason=tally.explanation,
        from_state="open",
        to_state=tally.outcome.value,
        detail={k: item.result[k] for k in ("counts", "quorum_at_open", "quorum_at_close")},
    )
    decide(item, tally, actor)
    bump(session.id)
    db.session.flush()
    return tally


def forget_write_order() -> None:
    """After a secret vote: SQLite's write-ahead log keeps the order in which receipts and
    counters were written; checkpoint it into the database and truncate it (`secure_delete`
    overwrites freed pages), so that the order cannot be replayed to link a member to a
    choice. PostgreSQL's WAL is the deployment's to protect (docs/journal.md). Called once
    the vote's close is committed (a checkpoint cannot run inside a write transaction)."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def decide(item: AgendaItem, tally: council_rules.Tally, actor: User) -> None:
    """What the closed vote decides, by the kind of item: the file's state; the label's
    status (the proposal's fate); the previous minutes approved."""
    outcome = tally.outcome.value
    if item.kind is ItemKind.application:
        applications.transition(
            item.application, OUTCOME_ACTIONS[outcome], actor, tally.explanation
        )
    elif item.kind is ItemKind.proposal:
        if not signals.proposal_voted.send(item, outcome=outcome, actor=actor):
            raise RuntimeError("No receiver applies a vote on a proposal (certificates).")
    elif item.kind is ItemKind.minutes and outcome == "granted" and item.approves is not None:
        item.approves.minutes_approved_at = item.vote_closed_at or utcnow()
        audit.record(
            item.approves, "minutes_approved", actor, detail={"by_session": item.session_id}
        )


def annul_vote(item: AgendaItem, actor: User) -> VoteAnnulment:
    """Annul an open vote whose quorum was lost (only then): its ballots are deleted, the item
    goes back to pending and stays on the agenda, to be voted again; the annulment is recorded
    with when, by whom and the quorum at the opening and now."""
    if item.session.status is not SessionStatus.open:
        raise SessionError(_("La séance n'est pas ouverte."))
    _lock_open(item)  # no ballot slips in while the vote is undone
    check = quorum_check(item)
    if not check.may_annul:
        raise SessionError(
            _(
                "Le quorum est atteint : clôturez le vote. Seul un vote dont le quorum a été "
                "perdu peut être annulé."
            )
        )
    model = BallotReceipt if item.secret else Vote
    received = db.session.execute(
        db.select(db.func.count()).select_from(model).filter_by(item_id=item.id)
    ).scalar_one()
    annulment = VoteAnnulment(
        item_id=item.id,
        at=utcnow(),
        by_id=actor.id,
        by_name=actor.display_name,
        vote_opened_at=item.vote_opened_at,
        quorum_at_open=check.opening.as_dict() if check.opening else None,
        quorum_at_close=check.closing.as_dict(),
        left=_names(check.left),
        unrepresented=_names(check.unrepresented),
        ballots=received,
    )
    db.session.add(annulment)
    for table in (Vote, BallotReceipt):
        db.session.execute(delete(table).where(table.item_id == item.id))
    _lock_open(
        item,
        vote_status=VoteStatus.pending,
        vote_opened_at=None,
        quorum_at_open=null(),
        secret_pour=0,
        secret_contre=0,
        secret_abstention=0,
    )
    db.session.expire(
        item,
        [
            "vote_status",
            "vote_opened_at",
            "quorum_at_open",
            "secret_pour",
            "secret_contre",
            "secret_abstention",
            "votes",
            "annulments",
        ],
    )
    bump(item.session_id)
    db.session.flush()
    audit.record(
        item,
        "vote_annulled",
        actor,
        reason=_("Quorum perdu pendant le vote."),
        from_state="open",
        to_state="pending",
        detail={"left": annulment.left, "ballots": received},
    )
    return annulment


# --- the room: attendance sheet, self check-in, the room's screen, paper ballots -----------------

# No 0/O, 1/I/L: a code read from the back of the room is typed without a doubt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


class WrongCode(SessionError):
    """A self check-in with a code that is not the room's (counted by the rate limiter)."""


def checkin_code(session: CouncilSession) -> str | None:
    """The short code the room's screen shows while the session is open (None otherwise):
    derived from the secret key, the session and the moment it opened, so that nothing is
    stored, a session opened again gets another code, and a closed one has none."""
    if session.status is not SessionStatus.open or session.opened_at is None:
        return None
    message = f"checkin:{session.id}:{session.opened_at.isoformat()}".encode()
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:CODE_LENGTH])


def normalise_code(code: str) -> str:
    """A code as typed on a phone: any case, spaces and dashes ignored."""
    return "".join(c for c in (code or "").upper() if c.isascii() and c.isalnum())[:20]


def check_in_with_code(session: CouncilSession, member: User, code: str) -> None:
    """A member checks themself in from the code of the room's screen: refused unless the
    session is open and the code is its current one; then `check_in`, the one path."""
    if session.status is SessionStatus.closed:
        raise SessionError(_("La séance est close : l'émargement n'est plus possible."))
    expected = checkin_code(session)
    if expected is None:
        raise SessionError(_("La séance n'est pas ouverte : revenez quand elle aura commencé."))
    if not hmac.compare_digest(normalise_code(code), expected):
        raise WrongCode(
            _("Ce code n'est pas celui de la séance : vérifiez-le sur l'écran de la salle.")
        )
    if not member.sits_on_council:
        raise SessionError(_("Seuls les membres du conseil émargent."))
    check_in(session, member, member)


def check_in_all(session: CouncilSession, members: list[User], actor: User) -> int:
    """Mark present every one of `members` not present yet (« tous présents » for a collège),
    each through `check_in`; how many were marked."""
    present = {a.user_id for a in session.attendance}
    marked = 0
    for member in members:
        if member.id not in present:
            check_in(session, member, actor)
            marked += 1
    return marked


def voted_ids(item: AgendaItem) -> frozenset[int]:
    """The members whose ballot was received on the item (receipts, for a secret ballot)."""
    model = BallotReceipt if item.secret else Vote
    return frozenset(
        db.session.execute(db.select(model.member_id).filter_by(item_id=item.id)).scalars()
    )


def missing_ballots(item: AgendaItem) -> int:
    """How many ballots the item allows now (members present, or represented by a holder
    present) have not been cast: closing earlier asks for a confirmation."""
    voted = voted_ids(item)
    return sum(1 for ballot in ballots_of_all(item) if ballot.member not in voted)


def ballots_received(item: AgendaItem) -> int:
    """How many ballots were received on the item (never whose, never which choice)."""
    model = BallotReceipt if item.secret else Vote
    return db.session.execute(
        db.select(db.func.count()).select_from(model).filter_by(item_id=item.id)
    ).scalar_one()


def enter_ballot(item: AgendaItem, member_id: int, choice: Choice, actor: User) -> User:
    """The president (or the secretariat) enters the ballot a member present gave on paper or
    by show of hands, for themself or for the proxy they hold: `cast` with `entered_by`, so the
    same rules apply; never over a vote cast from the member's own device. Returns who cast
    it."""
    holder_id = next((b.holder for b in ballots_of_all(item) if b.member == member_id), None)
    holder = db.session.get(User, holder_id) if holder_id is not None else None
    own = db.session.execute(
        db.select(Vote).filter_by(item_id=item.id, member_id=member_id)
    ).scalar_one_or_none()
    if own is not None and own.entered_by_id is None:  # the member's own, theirs to change
        raise SessionError(
            _(
                "%(name)s a déjà voté depuis son appareil : ce vote ne se saisit pas à sa place.",
                name=own.member.display_name,
            )
        )
    if holder is None and not item.secret:  # a secret ballot: `cast` says why it is refused
        raise SessionError(
            _(
                "Ce membre ne vote pas sur ce point : absent et non représenté, récusé, ou sans "
                "voix délibérative."
            )
        )
    cast(item, holder or actor, member_id, choice, entered_by=actor)
    return holder
