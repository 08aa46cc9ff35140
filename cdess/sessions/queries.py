"""What the sessions' pages read.

The live panel is asked for every two seconds by every member in the room: its version (the
ETag) is one statement, and the panel itself a bounded number whatever the agenda's length
(the items come with what they name: file, structure, proposal, minutes, rapporteur)."""

from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from cdess.accounts.models import User
from cdess.applications.models import Application
from cdess.extensions import db
from cdess.sessions import minutes, services
from cdess.sessions.models import (
    AgendaItem,
    BallotReceipt,
    Choice,
    Conflict,
    CouncilSession,
    Proxy,
    Vote,
    VoteStatus,
)


def all_sessions() -> list[tuple[CouncilSession, int]]:
    """Every session, the latest first, with the number of its agenda's items (the
    secretariat's planning page), in one statement."""
    items = (
        select(func.count(AgendaItem.id))
        .filter(AgendaItem.session_id == CouncilSession.id)
        .scalar_subquery()
    )
    return [
        (session, count)
        for session, count in db.session.execute(
            db.select(CouncilSession, items).order_by(
                CouncilSession.starts_at.desc(), CouncilSession.id.desc()
            )
        )
    ]


def agenda(session_id: int) -> CouncilSession | None:
    """The session with what its agenda shows (the secretariat's page, a member's), in a few
    statements whatever its length: each item with its file and structure (or proposal, or
    minutes), its rapporteur and its declared conflicts with their members; the session's
    proxies and attendance."""
    people = (lazyload(User.role_rows),)  # shown by name: their roles are not read
    items = selectinload(CouncilSession.items).options(
        joinedload(AgendaItem.application).joinedload(Application.structure),
        joinedload(AgendaItem.proposal),
        joinedload(AgendaItem.approves),
        joinedload(AgendaItem.rapporteur).options(*people),
        selectinload(AgendaItem.conflicts).joinedload(Conflict.user).options(*people),
    )
    return db.session.execute(
        db.select(CouncilSession)
        .filter_by(id=session_id)
        .options(
            items,
            selectinload(CouncilSession.proxies),
            selectinload(CouncilSession.attendance),
        )
    ).scalar_one_or_none()


def live_session(session_id: int, presides: bool = False) -> CouncilSession | None:
    """The session with what its live panel shows, loaded in a few statements: the items with
    their file and structure (or proposal, or minutes) and rapporteur, the secretary (who is
    present is read by id: `live.situation`); the proxies with their two members for whoever
    presides (only they see them)."""
    # The people it names are shown by name: their roles are not read (a statement each).
    items = selectinload(CouncilSession.items).options(
        joinedload(AgendaItem.application).joinedload(Application.structure),
        joinedload(AgendaItem.proposal),
        joinedload(AgendaItem.approves),
        joinedload(AgendaItem.rapporteur).lazyload(User.role_rows),
    )
    options = [items, joinedload(CouncilSession.secretary).lazyload(User.role_rows)]
    if presides:
        options.append(
            selectinload(CouncilSession.proxies).options(
                joinedload(Proxy.giver), joinedload(Proxy.holder)
            )
        )
    return db.session.execute(
        db.select(CouncilSession).filter_by(id=session_id).options(*options)
    ).scalar_one_or_none()


def _version_statement(presides: bool):
    """The statement of `live_version`, built once (building it costs more than running it:
    it runs on every poll of every member)."""
    if presides in _VERSION_STATEMENTS:
        return _VERSION_STATEMENTS[presides]
    session_id, user_id = bindparam("session_id"), bindparam("user_id")
    open_item = (
        select(AgendaItem.id)
        .filter(AgendaItem.session_id == session_id, AgendaItem.vote_status == VoteStatus.open)
        .scalar_subquery()
    )

    def theirs(model):
        if presides:
            return []
        held = select(Proxy.giver_id).filter(
            Proxy.session_id == session_id, Proxy.holder_id == user_id
        )
        return [or_(model.member_id == user_id, model.member_id.in_(held))]

    votes = [Vote.item_id == open_item, *theirs(Vote)]
    receipts = [BallotReceipt.item_id == open_item, *theirs(BallotReceipt)]
    statement = select(
        CouncilSession.revision,
        select(func.count()).select_from(Vote).filter(*votes).scalar_subquery(),
        # A change of mind in an open vote keeps the count, not the time.
        select(func.max(Vote.at)).filter(*votes).scalar_subquery(),
        select(func.count()).select_from(BallotReceipt).filter(*receipts).scalar_subquery(),
    ).filter(CouncilSession.id == session_id)
    _VERSION_STATEMENTS[presides] = statement
    return statement


_VERSION_STATEMENTS: dict = {}


def live_version(session_id: int, user_id: int | None, presides: bool) -> str | None:
    """The version of a person's live panel, in one statement (None: no such session). The
    session's revision moves with everything the room sees (attendance, votes opened and
    closed, proxies, conflicts); ballots do not move it, so a member's version counts only
    the ballots of the open vote that are theirs to see — their own and those of the members
    whose proxy they hold — while whoever presides (and the room's screen, `user_id` None),
    who see the count, follow them all."""
    row = db.session.execute(
        _version_statement(presides), {"session_id": session_id, "user_id": user_id}
    ).first()
    if row is None:
        return None
    revision, cast, latest, received = row
    moment = "".join(c for c in str(latest) if c.isdigit())[8:] if latest is not None else "0"
    who = ("p" if presides else "m") + (str(user_id) if user_id is not None else "")
    return f"s{session_id}-r{revision}-{who}-b{cast}.{received}.{moment}"


def votes_export(session_id: int) -> tuple[list[str], Iterator[list]]:
    """The session's closed votes as a spreadsheet, in the agenda's order, from what each vote
    recorded at its close (as the minutes print it, `minutes.item_data`): an open vote gives a
    row per ballot (the member, who cast it when a proxy did, the choice, whether whoever
    presided entered it); a secret ballot gives only its totals, a row per choice with no
    member — its choices are never read. « Voix » is the number of votes a row stands for, so
    that a pivot table adds them up the same way for both."""
    header = [
        _("N° du point"),
        _("Objet"),
        _("Scrutin"),
        _("Membre"),
        _("Voté par"),
        _("Choix"),
        _("Voix"),
        _("Bulletin"),
        _("Décision"),
    ]

    def rows() -> Iterator[list]:
        # Read when the rows are: a streamed response reads them after its request's session.
        session = db.session.get(CouncilSession, session_id)
        president = services.president()
        for item in session.items if session else ():
            if not item.kind.voted or item.vote_status is not VoteStatus.closed:
                continue
            data = minutes.item_data(item, president.id if president else None)
            decision = data["outcome"]
            if data["casting_vote"]:
                decision = _(
                    "%(d)s (voix prépondérante du président : %(c)s)",
                    d=decision,
                    c=data["casting_vote"],
                )
            start = [data["position"], data["structure"]]
            if item.secret:
                for choice in Choice:
                    count = data["counts"].get(choice.value, 0)
                    yield [*start, _("secret"), "", "", choice.label, count, "", decision]
                continue
            for vote in data["votes"]:
                by = vote["cast_by"] if vote["cast_by"] != vote["member"] else ""
                yield [
                    *start,
                    _("public"),
                    vote["member"],
                    by,
                    vote["choice"],
                    1,
                    vote["entered"],
                    decision,
                ]

    return header, rows()
