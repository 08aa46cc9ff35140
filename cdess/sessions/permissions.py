"""Who plans sessions, who sits in them, who votes, who presides.

Every predicate is `can_<verb>(user, obj=None)`: views call it to refuse (403) and pass its
answer to templates to hide what the person may not do. The object is optional where the
answer does not depend on it today (a session's status is checked by the services)."""

from cdess.accounts.permissions import is_staff


def _signed_in(user) -> bool:
    return bool(user) and user.is_authenticated


def is_council_member(user) -> bool:
    """A member of the council (voting or consultative) or its president."""
    return _signed_in(user) and user.sits_on_council


def can_plan_sessions(user) -> bool:
    """The secretariat plans sessions, builds agendas and runs the administration."""
    return is_staff(user)


def can_sit(user, session=None) -> bool:
    """Council members (voting or not) and the secretariat read the files of a session."""
    return is_council_member(user) or is_staff(user)


def can_vote(user, session=None) -> bool:
    """An active member with a voting right (conflicts and presence are the services' rules)."""
    return is_council_member(user) and user.voting_right and user.active


def can_preside(user, session=None) -> bool:
    """The president or the secretariat runs the live session."""
    return is_staff(user) or (_signed_in(user) and user.is_president)


def can_export_votes(user, session=None) -> bool:
    """Whoever presides (the president, the secretariat) exports a session's votes: who voted
    what on its open votes, the totals of its secret ballots."""
    return can_preside(user, session)


def can_cast_deciding_vote(user, session=None) -> bool:
    """On a tie in an open vote, only the president decides."""
    return _signed_in(user) and user.is_president


def can_check_in(user, member, session=None) -> bool:
    """A member checks themself in or out; whoever presides does it for anyone."""
    return _signed_in(user) and (member.id == user.id or can_preside(user, session))


def can_write_report(user, item) -> bool:
    """Only the item's rapporteur writes its report and opinion."""
    return _signed_in(user) and item.rapporteur_id == user.id


def can_check_in_with_code(user, session=None) -> bool:
    """A member of the council checks themself in from the room's code (not the secretariat,
    who does not sit as a member)."""
    return is_council_member(user)


def can_enter_ballots(user, item=None, check_state: bool = False) -> bool:
    """Whoever presides enters the paper or show-of-hands ballots of members present; with
    `check_state`, only on an open (not secret) vote that is open."""
    if not can_preside(user):
        return False
    if check_state and item is not None:
        return not item.secret and item.vote_status.value == "open"
    return True
