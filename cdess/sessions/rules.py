"""The council's rules (règlement intérieur): quorum, proxies, recusal, who may vote and the
tally. Pure code, no app and no database: the one place where these rules are decided.

The rules (DESIGN.md, "Sessions and votes"), each a field of `Rules` where it is a setting:

- quorum: at least `quorum_fraction` of the voting members present or represented, recused
  members left out for their item; "half" is reached by exactly half;
- proxy: a voting member gives a proxy to another voting member, who holds at most
  `max_proxies_held`; it is cast by its holder, present, for its giver, absent;
- recusal: a recused member votes on the item neither for themself nor with a proxy held, and
  does not count for its quorum;
- majority of votes cast (pour and contre; abstentions are not votes cast); on a tie in an
  open vote the president's vote decides, and a president who voted neither way gives the
  deciding vote before the result stands; a tie in a secret ballot defers the item;
- a session opens only on its day, give or take a tolerance in days (a setting, default 0);
- the quorum is recorded when a vote opens and checked again when it closes: a vote whose
  quorum was lost cannot be closed; the president waits or annuls the vote;
- during an open session a proxy goes only to a member present; a proxy given beforehand to a
  member who never arrives is inactive.

Where DESIGN is silent, decided here:

- a member who is present votes in person: giving a proxy while present is refused (leave the
  session first); a proxy given before arriving is kept but inactive while its giver is
  present, and counts again if the giver leaves;
- no proxy in cascade: a member who holds a proxy cannot give one, nor receive one after
  giving theirs;
- a proxy the rules refuse (say the rules changed after it was given) gives no ballot; when a
  holder holds more than allowed, none of that holder's proxies counts, as none can be
  preferred;
- a quorum of nobody is no quorum: when every voting member is recused no vote can open;
- no vote cast (only abstentions, or no ballot) is no majority: the item is deferred;
- a tie in an open vote defers the item when the rules give the president no casting vote,
  or when the president takes no part in the vote (recused, absent);
- with `secret_tie_defers` off, a tie in a secret ballot is a proposal without majority:
  refused;
- a casting vote is pour or contre, and is used only when it is needed: it never overrides the
  president's own pour or contre, nor a majority;
- the session's day and today are local dates of the département; the tolerance counts days
  before and after alike;
- the quorum at closing is counted like the quorum at opening, on who is there then: it is lost
  when those present or represented no longer reach it, whoever they are; "who left" are the
  members counted present at the opening who are no longer present, and "no longer
  represented" the members counted by proxy at the opening who are now neither represented
  nor present;
- a vote is annulled only when its quorum is lost: a president cannot annul a vote whose
  count displeases; once annulled its ballots are gone and the item is voted again;
- a proxy is inactive when its holder has come to no part of the session (not yet, during
  it); a holder who came and left made it active for the votes held while present.
"""

import dataclasses
import enum
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any, NamedTuple


def N_(text: str) -> str:
    """Marks a message for extraction (`make translations`); the page that shows it translates
    it. Ours, not `cdess.labels.N_`: these rules import the standard library only."""
    return text


class RulesError(ValueError):
    """Rules or inputs the rules cannot work with; the message is for the user."""


class Choice(enum.Enum):
    pour = "pour"
    contre = "contre"
    abstention = "abstention"


class Outcome(enum.Enum):
    granted = "granted"
    refused = "refused"
    deferred = "deferred"
    pending_casting_vote = "pending_casting_vote"


# --- the rules --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rules:
    """The council's règlement intérieur, with DESIGN's defaults. `quorum_fraction` is exact
    (a `Fraction`; "2/3", 0.7 or 1 are accepted and converted)."""

    quorum_fraction: Fraction = Fraction(1, 2)
    proxies_allowed: bool = True
    max_proxies_held: int = 1
    secret_by_default: bool = False
    president_casting_vote: bool = True
    secret_tie_defers: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "quorum_fraction", _fraction(self.quorum_fraction))
        if not 0 < self.quorum_fraction <= 1:
            raise RulesError("Le quorum est une fraction des membres votants, de 0 (exclu) à 1.")
        held = self.max_proxies_held
        if isinstance(held, bool) or not isinstance(held, int) or held < 0:
            raise RulesError("Le nombre de pouvoirs détenus est un entier positif ou nul.")
        for name in ("proxies_allowed", "secret_by_default", "president_casting_vote"):
            if not isinstance(getattr(self, name), bool):
                raise RulesError(f"Règlement intérieur : « {name} » est oui ou non.")
        if not isinstance(self.secret_tie_defers, bool):
            raise RulesError("Règlement intérieur : « secret_tie_defers » est oui ou non.")

    def as_dict(self) -> dict[str, Any]:
        """JSON values, the quorum as text ("1/2") so that it stays exact."""
        return {**dataclasses.asdict(self), "quorum_fraction": str(self.quorum_fraction)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Rules":
        """Missing keys take their default and unknown keys are ignored, so that the copy an old
        session kept stays readable."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})


def _fraction(value: Any) -> Fraction:
    if isinstance(value, bool):
        raise RulesError("Le quorum est une fraction, pas oui ou non.")
    try:
        # A float goes through its shortest text: 0.7 is 7/10, not 0.6999999999999999556…
        return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise RulesError(f"Quorum illisible : {value!r}.") from None


# --- who is there for an item -----------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """Who is there for one agenda item, by member id. Anyone outside `voters` (a consultative
    member, say) counts for nothing, even when present."""

    voters: Set[int]  # members with a deliberative voice, the president among them
    president: int | None = None
    present: Set[int] = frozenset()
    proxies: Mapping[int, int] = field(default_factory=dict)  # giver → holder
    recused: Set[int] = frozenset()  # on this item

    def __post_init__(self) -> None:
        for name in ("voters", "present", "recused"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        object.__setattr__(self, "proxies", dict(self.proxies))

    @property
    def voting(self) -> frozenset[int]:
        """Voting members present and not recused: each casts their own ballot."""
        return (self.voters & self.present) - self.recused

    @property
    def president_may_vote(self) -> bool:
        """Whether the president takes part in this item's vote (and so may break a tie)."""
        return self.president in self.voting


class Ballot(NamedTuple):
    """One vote that may be cast: for `member`, by `holder` (the member, or a proxy's holder)."""

    member: int
    holder: int

    @property
    def by_proxy(self) -> bool:
        return self.member != self.holder


@dataclass(frozen=True, slots=True)
class Quorum:
    eligible: int  # voting members not recused on the item
    present: int  # of them, present
    represented: int  # of them, absent and represented by a proxy's holder who votes
    required: int

    @property
    def present_or_represented(self) -> int:
        return self.present + self.represented

    @property
    def reached(self) -> bool:
        return self.present_or_represented >= self.required

    def as_dict(self) -> dict[str, int]:
        """JSON values, with the sum the minutes print."""
        return {
            **dataclasses.asdict(self),
            "present_or_represented": self.present_or_represented,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Quorum":
        return cls(**{f.name: int(data[f.name]) for f in dataclasses.fields(cls)})


# --- proxies ----------------------------------------------------------------------------------


class ProxyProblem(enum.Enum):
    """Why a proxy is refused, as the user reads it."""

    not_allowed = N_("Le règlement intérieur n'admet pas les pouvoirs.")
    giver_not_voter = N_("Seul un membre ayant voix délibérative donne un pouvoir.")
    holder_not_voter = N_("Un pouvoir se donne à un membre ayant voix délibérative.")
    to_self = N_("On ne se donne pas pouvoir à soi-même.")
    given_twice = N_("Un membre ne donne qu'un seul pouvoir.")
    holder_full = N_(
        "Ce membre détient déjà autant de pouvoirs que le règlement intérieur le permet."
    )
    giver_holds = N_("Un membre qui détient un pouvoir ne peut pas donner le sien.")
    holder_gave = N_("Ce membre a lui-même donné pouvoir : il ne peut pas en recevoir.")
    giver_present = N_(
        "Un membre présent vote lui-même : il ne donne pouvoir qu'après avoir quitté la séance."
    )
    holder_absent = N_(
        "La séance est ouverte : un pouvoir ne se donne qu'à un membre présent, "
        "qui pourra voter pour vous."
    )


def _faults(
    rules: Rules, voters: Set[int], proxies: list[tuple[int, int]]
) -> Iterator[tuple[int, ProxyProblem]]:
    """(giver, problem) for each thing the rules refuse in a set of proxies, whoever is present."""
    given = Counter(giver for giver, _ in proxies)
    held = Counter(holder for _, holder in proxies)
    for giver, holder in proxies:
        if not rules.proxies_allowed:
            yield giver, ProxyProblem.not_allowed
            continue
        if giver == holder:
            yield giver, ProxyProblem.to_self
            continue
        if giver not in voters:
            yield giver, ProxyProblem.giver_not_voter
        if holder not in voters:
            yield giver, ProxyProblem.holder_not_voter
        if given[giver] > 1:
            yield giver, ProxyProblem.given_twice
        if held[holder] > rules.max_proxies_held:
            yield giver, ProxyProblem.holder_full
        if held[giver]:
            yield giver, ProxyProblem.giver_holds
        if given[holder]:
            yield giver, ProxyProblem.holder_gave


def _pairs(proxies: Mapping[int, int] | Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    return list(proxies.items() if isinstance(proxies, Mapping) else proxies)


def check_proxies(
    rules: Rules,
    voters: Set[int],
    present: Set[int],
    proxies: Mapping[int, int] | Iterable[tuple[int, int]],
    *,
    only: int | None = None,
    session_open: bool = False,
) -> list[str]:
    """What the rules refuse when these proxies (giver → holder, or (giver, holder) pairs) are
    given: each problem once, in French; empty when all is well. `only` limits the check to the
    proxy given by that member (the one being recorded). Before the session a holder need not
    be present (a proxy is usually given beforehand); once it is open (`session_open`), a proxy
    goes only to a member present."""
    pairs = _pairs(proxies)
    found = list(_faults(rules, voters, pairs))
    found += [(giver, ProxyProblem.giver_present) for giver, _ in pairs if giver in present]
    if session_open:
        found += [
            (giver, ProxyProblem.holder_absent) for giver, holder in pairs if holder not in present
        ]
    problems = [problem.value for giver, problem in found if only is None or giver == only]
    return list(dict.fromkeys(problems))


def _active_proxies(rules: Rules, situation: Situation) -> dict[int, int]:
    """giver → holder for the proxies that give a ballot on the item: valid, the giver absent
    and not recused, the holder present and not recused."""
    invalid = {giver for giver, _ in _faults(rules, situation.voters, _pairs(situation.proxies))}
    return {
        giver: holder
        for giver, holder in situation.proxies.items()
        if giver not in invalid
        and giver not in situation.present
        and giver not in situation.recused
        and holder in situation.voting
    }


# --- eligibility and quorum -------------------------------------------------------------------


def ballots(rules: Rules, situation: Situation) -> list[Ballot]:
    """The ballots that may be cast on the item: one for each voting member present and not
    recused, and one for each proxy such a member holds from an absent, non-recused member.
    Sorted by holder, their own ballot first."""
    own = [Ballot(member, member) for member in situation.voting]
    held = [Ballot(giver, holder) for giver, holder in _active_proxies(rules, situation).items()]
    return sorted(own + held, key=lambda b: (b.holder, b.by_proxy, b.member))


def quorum(rules: Rules, situation: Situation) -> Quorum:
    """Quorum for the item: voting members not recused, present or represented, against
    `quorum_fraction` of them rounded up (counted exactly), and at least one."""
    eligible = len(situation.voters - situation.recused)
    return Quorum(
        eligible=eligible,
        present=len(situation.voting),
        represented=len(_active_proxies(rules, situation)),
        required=max(1, math.ceil(rules.quorum_fraction * eligible)),
    )


def represented(rules: Rules, situation: Situation) -> frozenset[int]:
    """The absent members a proxy's holder votes for on the item (counted for its quorum)."""
    return frozenset(_active_proxies(rules, situation))


# --- the session's day ------------------------------------------------------------------------


def _day(value: date) -> date:
    if not isinstance(value, date):
        raise RulesError(f"Date illisible : {value!r}.")
    return value.date() if isinstance(value, datetime) else value


def may_open(session_day: date, today: date, tolerance: int = 0) -> bool:
    """Whether a session set for `session_day` may open `today` (local dates of the
    département; a datetime counts by its date): on its day, or at most `tolerance` days
    before or after it."""
    if isinstance(tolerance, bool) or not isinstance(tolerance, int) or tolerance < 0:
        raise RulesError(
            "La tolérance d'ouverture d'une séance est un nombre de jours positif ou nul."
        )
    return abs((_day(today) - _day(session_day)).days) <= tolerance


# --- the quorum held through a vote -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuorumCheck:
    """The quorum of a vote checked again at its closing, beside the one recorded at its
    opening (None when no record was kept)."""

    opening: Quorum | None
    closing: Quorum
    left: frozenset[int]  # counted present at the opening, no longer present
    unrepresented: frozenset[int]  # counted by proxy at the opening, now neither

    @property
    def lost(self) -> bool:
        """The vote cannot be closed: it waits for members to come back, or is annulled."""
        return not self.closing.reached

    @property
    def may_annul(self) -> bool:
        """Only a vote whose quorum was lost is annulled."""
        return self.lost


def quorum_at_close(
    rules: Rules,
    situation: Situation,
    *,
    opening: Quorum | None = None,
    present_at_opening: Set[int] = frozenset(),
    represented_at_opening: Set[int] = frozenset(),
) -> QuorumCheck:
    """The quorum of a vote about to close, counted on who is there now (`situation`), with who
    has gone since the opening: the members counted present then (`present_at_opening`, as the
    `voting` set was) who are no longer present, and those counted by proxy then
    (`represented_at_opening`) who are now neither represented nor present."""
    now_represented = represented(rules, situation)
    return QuorumCheck(
        opening=opening,
        closing=quorum(rules, situation),
        left=frozenset(present_at_opening) - situation.present,
        unrepresented=frozenset(represented_at_opening) - now_represented - situation.present,
    )


# --- proxies whose holder never came ----------------------------------------------------------


def inactive_proxies(
    proxies: Mapping[int, int] | Iterable[tuple[int, int]], arrived: Set[int]
) -> frozenset[int]:
    """The givers whose proxy is inactive: its holder has come to no part of the session
    (`arrived` are the members who checked in at some moment of it). Shown « inactif » to the
    giver, on the president's panel and in the minutes."""
    return frozenset(giver for giver, holder in _pairs(proxies) if holder not in arrived)


# --- the tally --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    pour: int
    contre: int
    abstention: int
    outcome: Outcome
    explanation: str  # the rule applied, a French sentence for the minutes
    deciding_vote: Choice | None = None  # the president's vote that broke a tie

    @property
    def cast(self) -> int:
        """Votes cast: abstentions are not."""
        return self.pour + self.contre

    @property
    def decided(self) -> bool:
        return self.outcome is not Outcome.pending_casting_vote


DECISIONS = {
    Outcome.granted: "la demande de label est accordée.",
    Outcome.refused: "la demande de label est refusée.",
    Outcome.deferred: "le dossier est reporté à une séance suivante.",
}
# What the vote decides on an item that is not a label application (a proposal on a label's
# status, the approval of the previous minutes).
MOTION_DECISIONS = {
    Outcome.granted: "la proposition est adoptée.",
    Outcome.refused: "la proposition est rejetée.",
    Outcome.deferred: "le point est reporté à une séance suivante.",
}


def _choice(value: Any) -> Choice:
    """A choice from this enum, another enum with the same values, or its text."""
    try:
        return Choice(getattr(value, "value", value))
    except ValueError:
        raise RulesError(f"Choix de vote inconnu : {value!r}.") from None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def tally(
    rules: Rules,
    counts: Mapping[Any, int],
    *,
    secret: bool,
    president_choice: Any = None,
    casting_vote: Any = None,
    president_may_vote: bool = True,
    motion: bool = False,
) -> Tally:
    """Count an item's vote and decide. `counts` maps each choice to its number of ballots
    (missing choices count 0); `motion` says the item is not a label application (the
    sentence then says the proposal is adopted or rejected). In an open vote,
    `president_choice` is the president's own ballot (None when not cast) and `casting_vote`
    the deciding vote the president gives on a tie after voting neither way; without it that
    tie is `pending_casting_vote`, not a decision. Both are ignored in a secret ballot.
    `president_may_vote` is False when the president takes no part in the item's vote: nobody
    can then break a tie."""
    numbers = {Choice.pour: 0, Choice.contre: 0, Choice.abstention: 0}
    for choice, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise RulesError(f"Nombre de voix invalide : {n!r}.")
        numbers[_choice(choice)] += n
    pour, contre, abstention = numbers.values()
    president = None if secret or president_choice is None else _choice(president_choice)
    casting = None if casting_vote is None else _choice(casting_vote)
    if casting is Choice.abstention:
        raise RulesError("La voix prépondérante du président est pour ou contre.")
    if president is not None and numbers[president] == 0:
        raise RulesError("Le vote du président ne figure pas dans le décompte.")

    summary = f"{pour} pour, {contre} contre, {_plural(abstention, 'abstention')}"

    def result(outcome: Outcome, why: str, deciding: Choice | None = None) -> Tally:
        decisions = MOTION_DECISIONS if motion else DECISIONS
        sentence = f"{why} ({summary}) : {decisions[outcome]}" if outcome in decisions else why
        return Tally(pour, contre, abstention, outcome, sentence, deciding)

    if pour + contre == 0:
        return result(Outcome.deferred, "Aucun suffrage exprimé, pas de majorité")
    if pour != contre:
        outcome = Outcome.granted if pour > contre else Outcome.refused
        return result(outcome, "Majorité des suffrages exprimés")
    if secret:
        if rules.secret_tie_defers:
            return result(Outcome.deferred, "Égalité des voix au scrutin secret, pas de majorité")
        return result(
            Outcome.refused, "Égalité des voix au scrutin secret : la demande n'a pas la majorité"
        )
    if not rules.president_casting_vote:
        return result(
            Outcome.deferred,
            "Égalité des voix ; le règlement intérieur ne donne pas de voix prépondérante "
            "au président : pas de majorité",
        )
    if not president_may_vote:
        return result(
            Outcome.deferred,
            "Égalité des voix ; le président ne prend pas part à ce vote et ne peut départager : "
            "pas de majorité",
        )
    if president in (Choice.pour, Choice.contre):
        return result(
            _decided_by(president),
            f"Égalité des voix au scrutin public : la voix du président ({president.value}) "
            "est prépondérante",
            president,
        )
    if casting is not None:
        return result(
            _decided_by(casting),
            "Égalité des voix au scrutin public : le président, qui ne s'était prononcé ni pour "
            f"ni contre, donne sa voix prépondérante ({casting.value})",
            casting,
        )
    return result(
        Outcome.pending_casting_vote,
        f"Égalité des voix au scrutin public ({summary}) : le président, qui ne s'est prononcé "
        "ni pour ni contre, doit donner sa voix prépondérante avant que le résultat soit acquis.",
    )


def _decided_by(vote: Choice) -> Outcome:
    return Outcome.granted if vote is Choice.pour else Outcome.refused
