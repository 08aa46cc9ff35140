"""The live session: convening, opening, attendance, votes, closing. Each vote is one short
transaction that first locks its item row (`UPDATE … WHERE vote_status = 'open'`): a vote and
the closing of that vote cannot interleave, and the database refuses a second vote by the same
member on the same item."""

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from cdess.accounts.models import Role, User, utcnow
from cdess.applications import workflow
from cdess.extensions import db
from cdess.sessions import rules as council_rules
from cdess.sessions import services
from cdess.sessions.models import (
    AgendaItem,
    Attendance,
    BallotReceipt,
    Choice,
    Conflict,
    CouncilSession,
    Proxy,
    SessionStatus,
    Vote,
    VoteStatus,
)
from cdess.sessions.services import SessionError, bump

OUTCOME_ACTIONS = {"granted": "grant", "refused": "refuse", "deferred": "defer"}


# --- the session's life -----------------------------------------------------------------------


def convene(session: CouncilSession, actor: User) -> None:
    """planned → convened; the convocation goes to every member, applicants are told."""
    if session.status is not SessionStatus.planned:
        raise SessionError(_("Seule une séance planifiée peut être convoquée."))
    if not session.items:
        raise SessionError(_("Inscrivez au moins un dossier à l'ordre du jour."))
    if missing := [i for i in session.items if i.rapporteur_id is None]:
        raise SessionError(
            _(
                "Désignez un rapporteur pour : %(names)s.",
                names=", ".join(i.application.structure.name for i in missing),
            )
        )
    session.status = SessionStatus.convened
    session.convened_at = utcnow()
    db.session.flush()


def open_session(session: CouncilSession, actor: User, at=None) -> None:
    """convened → open; the session keeps a copy of the rules in force."""
    if session.status is not SessionStatus.convened:
        raise SessionError(_("Seule une séance convoquée peut être ouverte."))
    session.status = SessionStatus.open
    session.opened_at = at or utcnow()
    session.rules = services.current_rules().as_dict()
    bump(session.id)
    db.session.flush()


def close_session(session: CouncilSession, actor: User, at=None) -> None:
    """open → closed once every item is voted; the minutes are written and the session locked."""
    from cdess.sessions import minutes

    if session.status is not SessionStatus.open:
        raise SessionError(_("Seule une séance ouverte peut être close."))
    if pending := [i for i in session.items if i.vote_status is not VoteStatus.closed]:
        raise SessionError(
            _(
                "Des points n'ont pas été votés : %(names)s. Votez-les ou reportez-les.",
                names=", ".join(i.application.structure.name for i in pending),
            )
        )
    session.status = SessionStatus.closed
    session.closed_at = at or utcnow()
    bump(session.id)
    db.session.flush()
    minutes.write(session)


# --- attendance -------------------------------------------------------------------------------


def check_in(session: CouncilSession, member: User) -> None:
    if session.status is not SessionStatus.open:
        raise SessionError(_("L'émargement se fait pendant la séance."))
    if not member.has_role(Role.council_member, Role.president):
        raise SessionError(_("Seuls les membres du conseil émargent."))
    if db.session.get(Attendance, (session.id, member.id)) is None:
        session.attendance.append(Attendance(user_id=member.id))
        try:
            db.session.flush()
        except IntegrityError:  # checked in at the same moment from another screen
            db.session.rollback()
            return
    bump(session.id)


def check_out(session: CouncilSession, member: User) -> None:
    if session.status is not SessionStatus.open:
        raise SessionError(_("L'émargement se fait pendant la séance."))
    row = db.session.get(Attendance, (session.id, member.id))
    if row is not None:
        session.attendance.remove(row)
        db.session.delete(row)
        bump(session.id)
        db.session.flush()


# --- what the rules see -----------------------------------------------------------------------


def situation(item: AgendaItem) -> council_rules.Situation:
    """Who sits for the item, by id: a few narrow queries (it runs on every ballot)."""
    ids = lambda stmt: frozenset(db.session.execute(stmt).scalars())  # noqa: E731
    president = services.president_id()
    return council_rules.Situation(
        voters=ids(services.voting_member_ids()),
        president=president,
        present=ids(db.select(Attendance.user_id).filter_by(session_id=item.session_id)),
        proxies=dict(
            db.session.execute(
                db.select(Proxy.giver_id, Proxy.holder_id).filter_by(session_id=item.session_id)
            ).all()
        ),
        recused=ids(db.select(Conflict.user_id).filter_by(item_id=item.id)),
    )


def quorum(item: AgendaItem) -> council_rules.Quorum:
    return council_rules.quorum(services.session_rules(item.session), situation(item))


def ballots_of(item: AgendaItem, user: User) -> list[int]:
    """The members this person may vote for on the item: themself and a proxy's giver."""
    return [b.member for b in ballots_of_all(item) if b.holder == user.id]


def ballots_of_all(item: AgendaItem) -> list[council_rules.Ballot]:
    return council_rules.ballots(services.session_rules(item.session), situation(item))


def open_item(session: CouncilSession) -> AgendaItem | None:
    return next((i for i in session.items if i.vote_status is VoteStatus.open), None)


# --- votes ------------------------------------------------------------------------------------


def open_vote(item: AgendaItem, actor: User) -> None:
    session = item.session
    if session.status is not SessionStatus.open:
        raise SessionError(_("La séance n'est pas ouverte."))
    if item.vote_status is not VoteStatus.pending:
        raise SessionError(_("Le vote sur ce point a déjà eu lieu."))
    if (current := open_item(session)) is not None:
        raise SessionError(
            _("Clôturez d'abord le vote sur « %(s)s ».", s=current.application.structure.name)
        )
    if problems := workflow.eligible_verified_result(item.application):
        # The council votes on the verified result; one that fails the charter never
        # reaches a vote that could grant the label: the file leaves the agenda instead.
        raise SessionError(
            " ".join(
                [
                    _("Le vote ne peut pas s'ouvrir : retirez ce dossier de l'ordre du jour."),
                    *problems,
                ]
            )
        )
    services.recuse_structure_members(item)
    count = quorum(item)
    if not count.reached:
        raise SessionError(
            _(
                "Quorum non atteint pour ce point : %(p)s présents ou représentés sur %(e)s "
                "membres votants non récusés, %(r)s requis.",
                p=count.present_or_represented,
                e=count.eligible,
                r=count.required,
            )
        )
    moved = db.session.execute(
        update(AgendaItem)
        .where(AgendaItem.id == item.id, AgendaItem.vote_status == VoteStatus.pending)
        .values(vote_status=VoteStatus.open, vote_opened_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise SessionError(_("Le vote sur ce point a déjà été ouvert."))
    db.session.expire(item, ["vote_status", "vote_opened_at"])
    bump(session.id)
    db.session.flush()


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


def cast(item: AgendaItem, voter: User, member_id: int, choice: Choice) -> None:
    """One ballot: for oneself, or for the member whose proxy one holds. An open vote can be
    changed until the vote closes; a secret one is final."""
    if member_id not in ballots_of(item, voter):
        if voter.id in services.recused_ids(item):
            raise SessionError(_("Vous êtes récusé sur ce point : vous ne votez pas."))
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
                _("Ce vote a déjà été enregistré : un vote secret est définitif.")
            ) from None
    else:
        _lock_open(item)
        existing = db.session.execute(
            db.select(Vote).filter_by(item_id=item.id, member_id=member_id)
        ).scalar_one_or_none()
        if existing is not None:
            existing.choice, existing.cast_by_id, existing.at = choice, voter.id, utcnow()
        else:
            db.session.add(
                Vote(item_id=item.id, member_id=member_id, cast_by_id=voter.id, choice=choice)
            )
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            raise SessionError(
                _("Ce vote vient d'être enregistré depuis un autre écran.")
            ) from None
    bump(item.session_id)
    db.session.flush()


def has_voted(item: AgendaItem, member_id: int) -> bool:
    model = BallotReceipt if item.secret else Vote
    return (
        db.session.execute(
            db.select(model.member_id).filter_by(item_id=item.id, member_id=member_id)
        ).first()
        is not None
    )


def my_choice(item: AgendaItem, member_id: int) -> Choice | None:
    """An open vote's recorded choice (never available for a secret ballot)."""
    if item.secret:
        return None
    return db.session.execute(
        db.select(Vote.choice).filter_by(item_id=item.id, member_id=member_id)
    ).scalar_one_or_none()


def counts(item: AgendaItem) -> dict[Choice, int]:
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


def _tally(item: AgendaItem, casting: Choice | None = None) -> council_rules.Tally:
    seen = situation(item)
    president = seen.president
    return council_rules.tally(
        services.session_rules(item.session),
        counts(item),
        secret=item.secret,
        president_choice=my_choice(item, president) if president and not item.secret else None,
        casting_vote=casting,
        president_may_vote=seen.president_may_vote,
    )


def preview(item: AgendaItem) -> council_rules.Tally:
    """What closing the vote now would give (for the president's screen)."""
    return _tally(item)


def close_vote(item: AgendaItem, actor: User, casting: Choice | None = None) -> council_rules.Tally:
    """Close the vote, count, and decide. On a tie in an open vote where the president voted
    neither way, the result waits for the president's deciding vote (`casting`)."""
    session = item.session
    if casting is not None and not actor.has_role(Role.president):
        raise SessionError(_("Seul le président donne la voix prépondérante."))
    _lock_open(item)  # from here no ballot can slip in
    tally = _tally(item, casting)
    if tally.outcome == council_rules.Outcome.pending_casting_vote:
        db.session.rollback()
        return tally
    count = quorum(item)
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
        "quorum": {
            "eligible": count.eligible,
            "present_or_represented": count.present_or_represented,
            "required": count.required,
        },
        "votes": open_votes,
        "recused": sorted(c.user.display_name for c in item.conflicts),
    }
    workflow.apply(
        item.application,
        OUTCOME_ACTIONS[tally.outcome.value],
        actor,
        tally.explanation,
    )
    bump(session.id)
    db.session.flush()
    return tally
