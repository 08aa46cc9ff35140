"""A report's own rules, without the database: its states and the one-way moves between them,
what a report holds at most, the sender's key for the daily limit.

- a report is `received`; the secretariat dismisses it (a reason required), asks the
  structure for an answer, or proposes to the council that the label be suspended;
- an `asked` report becomes `answered` when the structure writes its answer;
- `dismissed` and `proposed` are final: the reporter (if they left an address) is told;
- the sender is known by a keyed hash of their address (HMAC-SHA256 with the application's
  secret): the same address gives the same key, the key gives back no address, and a
  database read alone cannot test guessed addresses against it.

Where DESIGN is silent, decided here:
- a structure that does not answer does not block the report: an `asked` report may still be
  dismissed or proposed (its answer page then refuses a late answer);
- an `answered` report is not asked again: the secretariat decides on what it has;
- the structure reads the secretariat's question, never the reporter's name, address or
  file (the secretariat quotes what it needs of the text);
- a day, for the limit per sender, is the last 24 hours, not the calendar day (a flood at
  midnight is still one flood).
"""

import enum
import hashlib
import hmac

from cdess.labels import N_


class ReportError(Exception):
    """A report cannot be filed or moved so; the message is for the user."""


class ReportState(enum.Enum):
    received = "received"
    asked = "asked"  # the structure was asked for an answer
    answered = "answered"  # the structure answered
    dismissed = "dismissed"  # « classé sans suite », with a reason
    proposed = "proposed"  # a suspension of the label proposed to the council

    @property
    def is_final(self) -> bool:
        return self in (ReportState.dismissed, ReportState.proposed)


State = ReportState

# action → (the states it starts from, the state it leads to)
MOVES: dict[str, tuple[frozenset[ReportState], ReportState]] = {
    "ask": (frozenset({State.received}), State.asked),
    "answer": (frozenset({State.asked}), State.answered),
    "dismiss": (frozenset({State.received, State.asked, State.answered}), State.dismissed),
    "propose": (frozenset({State.received, State.asked, State.answered}), State.proposed),
}

TEXT_MAX = 5000  # the reporter's text, the secretariat's question and reason, the answer
NAME_MAX = 200
EMAIL_MAX = 254


def next_state(state: ReportState, action: str) -> ReportState:
    """The state `action` leads to from `state`; ReportError (in French) when it may not."""
    if action not in MOVES:
        raise ReportError(f"Action inconnue : {action}")
    starts, target = MOVES[action]
    if state not in starts:
        raise ReportError(REFUSALS.get((action, state), ALREADY_DECIDED))
    return target


ALREADY_DECIDED = N_("Ce signalement a déjà été traité.")
REFUSALS = {
    ("ask", State.asked): N_("La structure a déjà été interrogée sur ce signalement."),
    ("ask", State.answered): N_("La structure a déjà répondu à ce signalement."),
    ("answer", State.received): N_("Aucune réponse n'est demandée à la structure."),
    ("answer", State.answered): N_("La structure a déjà répondu à ce signalement."),
}


def sender_key(secret: str, address: str) -> str:
    """The sender's key: HMAC-SHA256 of their address under the application's secret, in hex
    (64 characters). Never the address itself."""
    return hmac.new(
        secret.encode(), b"report-sender:" + address.encode(), hashlib.sha256
    ).hexdigest()


def thousands(n: int) -> str:
    """A count as French writes it: 5 000 (a narrow no-break space between thousands)."""
    return f"{n:,}".replace(",", "\u202f")


def over_limit(sent_today: int, limit: int) -> bool:
    """Whether one more report would pass the sender's daily limit."""
    return sent_today >= limit
