"""French labels of the sessions' states and choices."""

from flask_babel import lazy_gettext as _l

from cdess.sessions.models import Choice, Opinion, SessionStatus, VoteStatus

SESSION_STATUS = {
    SessionStatus.planned: _l("planifiée"),
    SessionStatus.convened: _l("convoquée"),
    SessionStatus.open: _l("ouverte"),
    SessionStatus.closed: _l("close"),
    SessionStatus.cancelled: _l("annulée"),
}
OPINION = {
    Opinion.favourable: _l("favorable"),
    Opinion.unfavourable: _l("défavorable"),
    Opinion.reserved: _l("réservé"),
}
VOTE_STATUS = {
    VoteStatus.pending: _l("à venir"),
    VoteStatus.open: _l("vote ouvert"),
    VoteStatus.closed: _l("vote clos"),
}
CHOICE = {Choice.pour: _l("pour"), Choice.contre: _l("contre"), Choice.abstention: _l("abstention")}

# The outcome of a vote on an item that is not a label application.
ITEM_OUTCOME = {
    "granted": _l("adoptée"),
    "refused": _l("rejetée"),
    "deferred": _l("ajournée"),
}
