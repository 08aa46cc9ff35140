"""The council's rules: quorum, proxies, recusal, ballots and the tally, table by table, with
properties."""

import ast
import json
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from enum import Enum
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdess.sessions import rules as rules_module
from cdess.sessions.rules import (
    DECISIONS,
    Ballot,
    Choice,
    Outcome,
    ProxyProblem,
    Quorum,
    Rules,
    RulesError,
    Situation,
    ballots,
    check_proxies,
    inactive_proxies,
    may_open,
    quorum,
    quorum_at_close,
    represented,
    tally,
)

POUR, CONTRE, ABST = Choice.pour, Choice.contre, Choice.abstention
PRESIDENT = 1
COUNCIL = frozenset(range(1, 11))  # ten voting members, the president is 1
CONSULTATIVE = 99  # present at sessions, no deliberative voice
DEFAULT = Rules()


def seat(present=(), proxies=None, recused=(), voters=COUNCIL) -> Situation:
    return Situation(
        voters=frozenset(voters),
        president=PRESIDENT,
        present=frozenset(present),
        proxies=proxies or {},
        recused=frozenset(recused),
    )


def upto(n: int) -> set[int]:
    return set(range(1, n + 1))


# --- the module stays pure --------------------------------------------------------------------


def test_rules_import_nothing_but_the_standard_library():
    tree = ast.parse(Path(rules_module.__file__).read_text(encoding="utf-8"))
    imported = {
        (alias.name if isinstance(node, ast.Import) else node.module).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        # The copy mutation testing runs (make mutation) imports mutmut's own switch.
        and getattr(node, "module", None) != "mutmut.mutation.trampoline"
        for alias in node.names
    }
    assert imported
    assert imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names


# --- the rules themselves ---------------------------------------------------------------------


def test_defaults_are_designs():
    assert DEFAULT.quorum_fraction == Fraction(1, 2)
    assert isinstance(DEFAULT.quorum_fraction, Fraction)
    assert DEFAULT.proxies_allowed is True
    assert DEFAULT.max_proxies_held == 1
    assert DEFAULT.secret_by_default is False
    assert DEFAULT.president_casting_vote is True
    assert DEFAULT.secret_tie_defers is True


ROUND_TRIPS = {
    "defaults": Rules(),
    "two thirds": Rules(quorum_fraction=Fraction(2, 3)),
    "float 0.7": Rules(quorum_fraction=0.7),
    "unanimity, no proxy": Rules(quorum_fraction=1, proxies_allowed=False, max_proxies_held=0),
    "every flag flipped": Rules(
        quorum_fraction="3/5",
        proxies_allowed=False,
        max_proxies_held=3,
        secret_by_default=True,
        president_casting_vote=False,
        secret_tie_defers=False,
    ),
}


@pytest.mark.parametrize("rules", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_rules_round_trip_through_a_dict_and_json(rules):
    data = rules.as_dict()
    assert Rules.from_dict(data) == rules
    assert Rules.from_dict(json.loads(json.dumps(data))) == rules
    assert Rules(**data) == rules  # the rules page rebuilds them this way


def test_as_dict_keeps_the_quorum_exact_as_text():
    assert Rules().as_dict() == {
        "quorum_fraction": "1/2",
        "proxies_allowed": True,
        "max_proxies_held": 1,
        "secret_by_default": False,
        "president_casting_vote": True,
        "secret_tie_defers": True,
    }
    assert Rules(quorum_fraction=Fraction(2, 3)).as_dict()["quorum_fraction"] == "2/3"


def test_from_dict_fills_missing_keys_and_ignores_unknown_ones():
    rules = Rules.from_dict({"quorum_fraction": "2/3", "retired_setting": 4})
    assert rules == Rules(quorum_fraction=Fraction(2, 3))
    assert Rules.from_dict({}) == Rules()


@pytest.mark.parametrize(
    "given, exact",
    [
        (Fraction(2, 3), Fraction(2, 3)),
        ("2/3", Fraction(2, 3)),
        ("0.5", Fraction(1, 2)),
        (0.7, Fraction(7, 10)),
        (0.1, Fraction(1, 10)),
        (1, Fraction(1)),
    ],
    ids=["fraction", "text", "decimal text", "float 0.7", "float 0.1", "integer 1"],
)
def test_quorum_fraction_is_made_exact(given, exact):
    assert Rules(quorum_fraction=given).quorum_fraction == exact
    assert isinstance(Rules(quorum_fraction=given).quorum_fraction, Fraction)


@pytest.mark.parametrize(
    "fields",
    [
        {"quorum_fraction": 0},
        {"quorum_fraction": Fraction(3, 2)},
        {"quorum_fraction": -0.5},
        {"quorum_fraction": "la moitié"},
        {"quorum_fraction": "1/0"},
        {"quorum_fraction": None},
        {"quorum_fraction": True},
        {"max_proxies_held": -1},
        {"max_proxies_held": 1.5},
        {"max_proxies_held": True},
        {"proxies_allowed": "oui"},
        {"secret_by_default": 1},
        {"president_casting_vote": None},
        {"secret_tie_defers": "non"},
    ],
    ids=lambda fields: "-".join(f"{k}={v!r}" for k, v in fields.items()),
)
def test_rules_refuse_what_they_cannot_apply(fields):
    with pytest.raises(RulesError):
        Rules(**fields)
    with pytest.raises(RulesError):
        Rules.from_dict(fields)


# --- proxies ----------------------------------------------------------------------------------

P = ProxyProblem
PROXY_CASES = {
    # id: (rules, present, proxies, only, expected problems)
    "one proxy to a member: fine": (DEFAULT, (), {3: 2}, None, []),
    "holder not present yet: fine": (DEFAULT, (1,), {3: 2}, 3, []),
    "proxy to self": (DEFAULT, (), {3: 3}, None, [P.to_self]),
    "member holding two proxies": (DEFAULT, (), {3: 2, 4: 2}, None, [P.holder_full]),
    "the second proxy is the one refused": (DEFAULT, (), {3: 2, 4: 2}, 4, [P.holder_full]),
    "three proxies, said once": (DEFAULT, (), {3: 2, 4: 2, 5: 2}, None, [P.holder_full]),
    "two proxies when the rules allow two": (
        Rules(max_proxies_held=2),
        (),
        {3: 2, 4: 2},
        None,
        [],
    ),
    "no proxy held when the rules allow none": (
        Rules(max_proxies_held=0),
        (),
        {3: 2},
        None,
        [P.holder_full],
    ),
    "proxies disallowed": (Rules(proxies_allowed=False), (), {3: 2}, None, [P.not_allowed]),
    "giver without voting right": (DEFAULT, (), {CONSULTATIVE: 2}, None, [P.giver_not_voter]),
    "holder without voting right": (DEFAULT, (), {3: CONSULTATIVE}, None, [P.holder_not_voter]),
    "neither has a voting right": (
        DEFAULT,
        (),
        {CONSULTATIVE: 98},
        None,
        [P.giver_not_voter, P.holder_not_voter],
    ),
    "giver giving twice": (DEFAULT, (), [(3, 2), (3, 4)], None, [P.given_twice]),
    "giver present votes in person": (DEFAULT, (3, 2), {3: 2}, None, [P.giver_present]),
    "giver holding a proxy cannot give one": (DEFAULT, (), {3: 2, 2: 4}, 2, [P.giver_holds]),
    "member who gave cannot receive": (DEFAULT, (), {3: 2, 2: 4}, 3, [P.holder_gave]),
    "cascade, whole set": (DEFAULT, (), {3: 2, 2: 4}, None, [P.holder_gave, P.giver_holds]),
    "only looks at the proxy being given": (DEFAULT, (5,), {3: 3, 5: 6, 4: 2}, 4, []),
}


@pytest.mark.parametrize(
    "rules, present, proxies, only, expected", PROXY_CASES.values(), ids=PROXY_CASES.keys()
)
def test_check_proxies(rules, present, proxies, only, expected):
    problems = check_proxies(rules, COUNCIL, frozenset(present), proxies, only=only)
    assert problems == [problem.value for problem in expected]
    assert all(isinstance(problem, str) for problem in problems)


def test_proxies_as_a_mapping_or_as_pairs_are_judged_alike():
    proxies = {3: 2, 4: 2, 5: 5}
    expected = [
        "Ce membre détient déjà autant de pouvoirs que le règlement intérieur le permet.",
        "On ne se donne pas pouvoir à soi-même.",
    ]
    assert check_proxies(DEFAULT, COUNCIL, frozenset(), proxies) == expected
    assert check_proxies(DEFAULT, COUNCIL, frozenset(), list(proxies.items())) == expected


# --- ballots ----------------------------------------------------------------------------------

BALLOT_CASES = {
    # id: (rules, present, proxies, recused, expected (member, holder) ballots)
    "present members vote for themselves": (DEFAULT, {1, 2, 3}, {}, (), {(1, 1), (2, 2), (3, 3)}),
    "nobody present, no ballot": (DEFAULT, (), {3: 2}, (), set()),
    "proxy held by a present member": (DEFAULT, {1, 2}, {3: 2}, (), {(1, 1), (2, 2), (3, 2)}),
    "proxy held by a recused member: no ballot for it": (DEFAULT, {1, 2}, {3: 2}, {2}, {(1, 1)}),
    "proxy from a recused member: no ballot for it": (
        DEFAULT,
        {1, 2},
        {3: 2},
        {3},
        {(1, 1), (2, 2)},
    ),
    "proxy from an absent member to another absent member": (
        DEFAULT,
        {1, 2},
        {3: 4},
        (),
        {(1, 1), (2, 2)},
    ),
    "proxy from a present member is inactive": (
        DEFAULT,
        {1, 2, 3},
        {3: 2},
        (),
        {(1, 1), (2, 2), (3, 3)},
    ),
    "proxies disallowed give no ballot": (
        Rules(proxies_allowed=False),
        {1, 2},
        {3: 2},
        (),
        {(1, 1), (2, 2)},
    ),
    "holder over the limit: none of the proxies counts": (
        DEFAULT,
        {1, 2},
        {3: 2, 4: 2},
        (),
        {(1, 1), (2, 2)},
    ),
    "two proxies held when the rules allow two": (
        Rules(max_proxies_held=2),
        {1, 2},
        {3: 2, 4: 2},
        (),
        {(1, 1), (2, 2), (3, 2), (4, 2)},
    ),
    "proxy in cascade gives no ballot": (DEFAULT, {1, 2}, {3: 4, 4: 2}, (), {(1, 1), (2, 2)}),
    "recused member present casts nothing": (DEFAULT, {1, 2}, {}, {2}, {(1, 1)}),
    "consultative member present casts nothing": (DEFAULT, {1, CONSULTATIVE}, {}, (), {(1, 1)}),
    "proxy to a consultative member gives no ballot": (
        DEFAULT,
        {1, CONSULTATIVE},
        {3: CONSULTATIVE},
        (),
        {(1, 1)},
    ),
}


@pytest.mark.parametrize(
    "rules, present, proxies, recused, expected", BALLOT_CASES.values(), ids=BALLOT_CASES.keys()
)
def test_ballots(rules, present, proxies, recused, expected):
    cast = ballots(rules, seat(present, proxies, recused))
    assert {(b.member, b.holder) for b in cast} == expected
    assert len(cast) == len(expected)


def test_ballots_come_by_holder_own_ballot_first():
    cast = ballots(Rules(max_proxies_held=2), seat({1, 2}, {4: 1, 3: 1, 5: 2}))
    assert cast == [Ballot(1, 1), Ballot(3, 1), Ballot(4, 1), Ballot(2, 2), Ballot(5, 2)]
    assert [b.by_proxy for b in cast] == [False, True, True, False, True]


@pytest.mark.parametrize(
    "present, recused, president, may_vote",
    [
        ({1, 2}, (), PRESIDENT, True),
        ({2, 3}, (), PRESIDENT, False),
        ({1, 2}, {1}, PRESIDENT, False),
        ({1, 2}, (), None, False),
        ({CONSULTATIVE, 2}, (), CONSULTATIVE, False),
    ],
    ids=["present", "absent", "recused", "no president", "president without a voting right"],
)
def test_whether_the_president_takes_part_in_the_vote(present, recused, president, may_vote):
    situation = Situation(COUNCIL, president, frozenset(present), {}, frozenset(recused))
    assert situation.president_may_vote is may_vote


# --- quorum -----------------------------------------------------------------------------------

TWO_THIRDS = Rules(quorum_fraction=Fraction(2, 3))
QUORUM_CASES = {
    # id: (rules, situation, (eligible, present, represented, required), reached)
    "exactly half present: reached": (DEFAULT, seat(upto(5)), (10, 5, 0, 5), True),
    "one less than half: not reached": (DEFAULT, seat(upto(4)), (10, 4, 0, 5), False),
    "half with proxies: reached": (DEFAULT, seat(upto(3), {4: 1, 5: 2}), (10, 3, 2, 5), True),
    "odd council rounds up": (DEFAULT, seat(upto(4), voters=upto(9)), (9, 4, 0, 5), False),
    "odd council, just over half": (DEFAULT, seat(upto(5), voters=upto(9)), (9, 5, 0, 5), True),
    "absent recused members lower the count": (
        DEFAULT,
        seat(upto(4), recused={9, 10}),
        (8, 4, 0, 4),
        True,
    ),
    "quorum lost on an item through recusals": (
        DEFAULT,
        seat(upto(5), recused={4, 5}),
        (8, 3, 0, 4),
        False,
    ),
    "a holder's proxy counts": (DEFAULT, seat(upto(4), {6: 4}), (10, 4, 1, 5), True),
    "recused holder represents nobody": (
        DEFAULT,
        seat(upto(4), {6: 4}, recused={4}),
        (9, 3, 0, 5),
        False,
    ),
    "recused giver is not represented": (
        DEFAULT,
        seat(upto(4), {5: 1}, recused={5}),
        (9, 4, 0, 5),
        False,
    ),
    "proxy from an absent member to another absent member": (
        DEFAULT,
        seat(upto(4), {5: 6}),
        (10, 4, 0, 5),
        False,
    ),
    "present giver counts once": (DEFAULT, seat(upto(5), {5: 1}), (10, 5, 0, 5), True),
    "proxies disallowed represent nobody": (
        Rules(proxies_allowed=False),
        seat(upto(4), {5: 1}),
        (10, 4, 0, 5),
        False,
    ),
    "consultative members count for nothing": (
        DEFAULT,
        seat(upto(4) | {CONSULTATIVE}),
        (10, 4, 0, 5),
        False,
    ),
    "everyone recused: no quorum": (DEFAULT, seat(upto(10), recused=upto(10)), (0, 0, 0, 1), False),
    "two thirds, one short": (TWO_THIRDS, seat(upto(6)), (10, 6, 0, 7), False),
    "two thirds reached": (TWO_THIRDS, seat(upto(7)), (10, 7, 0, 7), True),
    "two thirds of nine, exactly": (TWO_THIRDS, seat(upto(6), voters=upto(9)), (9, 6, 0, 6), True),
    "56 % of 25 counted exactly, not as a float (14.000000000000002)": (
        Rules(quorum_fraction=0.56),
        seat(upto(14), voters=upto(25)),
        (25, 14, 0, 14),
        True,
    ),
    "unanimity needs everyone": (Rules(quorum_fraction=1), seat(upto(9)), (10, 9, 0, 10), False),
}


@pytest.mark.parametrize(
    "rules, situation, counts, reached", QUORUM_CASES.values(), ids=QUORUM_CASES.keys()
)
def test_quorum(rules, situation, counts, reached):
    result = quorum(rules, situation)
    assert (result.eligible, result.present, result.represented, result.required) == counts
    assert result.present_or_represented == counts[1] + counts[2]
    assert result.reached is reached


# --- the tally --------------------------------------------------------------------------------

NO_CASTING = Rules(president_casting_vote=False)
SECRET_TIE_REFUSES = Rules(secret_tie_defers=False)
TALLY_CASES = {
    # id: (rules, (pour, contre, abstention), options, (outcome, deciding vote))
    "majority pour": (DEFAULT, (3, 2, 0), {}, (Outcome.granted, None)),
    "majority contre": (DEFAULT, (2, 3, 0), {}, (Outcome.refused, None)),
    "a single vote cast": (DEFAULT, (1, 0, 0), {}, (Outcome.granted, None)),
    "abstentions are not votes cast": (DEFAULT, (2, 1, 5), {}, (Outcome.granted, None)),
    "contre wins despite many abstentions": (DEFAULT, (1, 2, 6), {}, (Outcome.refused, None)),
    "all abstentions: deferred": (DEFAULT, (0, 0, 4), {}, (Outcome.deferred, None)),
    "no ballot at all: deferred": (DEFAULT, (0, 0, 0), {}, (Outcome.deferred, None)),
    "secret ballot, majority pour": (
        DEFAULT,
        (4, 1, 0),
        {"secret": True},
        (Outcome.granted, None),
    ),
    "secret ballot, majority contre": (
        DEFAULT,
        (1, 4, 2),
        {"secret": True},
        (Outcome.refused, None),
    ),
    "secret ballot, all abstentions": (
        DEFAULT,
        (0, 0, 3),
        {"secret": True},
        (Outcome.deferred, None),
    ),
    "open tie, president voted pour": (
        DEFAULT,
        (2, 2, 1),
        {"president_choice": POUR},
        (Outcome.granted, POUR),
    ),
    "open tie, president voted contre": (
        DEFAULT,
        (2, 2, 0),
        {"president_choice": CONTRE},
        (Outcome.refused, CONTRE),
    ),
    "open tie, president abstained, no casting vote yet": (
        DEFAULT,
        (2, 2, 1),
        {"president_choice": ABST},
        (Outcome.pending_casting_vote, None),
    ),
    "open tie, president abstained, casting vote pour": (
        DEFAULT,
        (2, 2, 1),
        {"president_choice": ABST, "casting_vote": POUR},
        (Outcome.granted, POUR),
    ),
    "open tie, president abstained, casting vote contre": (
        DEFAULT,
        (2, 2, 1),
        {"president_choice": ABST, "casting_vote": CONTRE},
        (Outcome.refused, CONTRE),
    ),
    "open tie, president did not vote, no casting vote yet": (
        DEFAULT,
        (3, 3, 0),
        {},
        (Outcome.pending_casting_vote, None),
    ),
    "open tie, president did not vote, casting vote pour": (
        DEFAULT,
        (3, 3, 0),
        {"casting_vote": POUR},
        (Outcome.granted, POUR),
    ),
    "open tie, president did not vote, casting vote contre": (
        DEFAULT,
        (3, 3, 0),
        {"casting_vote": CONTRE},
        (Outcome.refused, CONTRE),
    ),
    "casting vote never overrides the president's own vote": (
        DEFAULT,
        (2, 2, 0),
        {"president_choice": CONTRE, "casting_vote": POUR},
        (Outcome.refused, CONTRE),
    ),
    "casting vote ignored without a tie": (
        DEFAULT,
        (3, 2, 0),
        {"casting_vote": CONTRE},
        (Outcome.granted, None),
    ),
    "president's vote decides only a tie": (
        DEFAULT,
        (1, 3, 0),
        {"president_choice": POUR},
        (Outcome.refused, None),
    ),
    "open tie, no casting vote in the rules": (
        NO_CASTING,
        (2, 2, 0),
        {"president_choice": POUR},
        (Outcome.deferred, None),
    ),
    "open tie, president takes no part in the vote": (
        DEFAULT,
        (2, 2, 0),
        {"casting_vote": POUR, "president_may_vote": False},
        (Outcome.deferred, None),
    ),
    "secret ballot ignores the president's choice": (
        DEFAULT,
        (0, 2, 0),
        {"secret": True, "president_choice": POUR},
        (Outcome.refused, None),
    ),
    "secret tie: deferred": (DEFAULT, (2, 2, 1), {"secret": True}, (Outcome.deferred, None)),
    "secret tie: president's vote and casting vote ignored": (
        DEFAULT,
        (2, 2, 0),
        {"secret": True, "president_choice": POUR, "casting_vote": POUR},
        (Outcome.deferred, None),
    ),
    "secret tie with the setting off: refused": (
        SECRET_TIE_REFUSES,
        (2, 2, 0),
        {"secret": True},
        (Outcome.refused, None),
    ),
    "open tie unaffected by the secret setting": (
        SECRET_TIE_REFUSES,
        (2, 2, 0),
        {"president_choice": POUR},
        (Outcome.granted, POUR),
    ),
}


def count(pour: int, contre: int, abstention: int) -> dict[Choice, int]:
    return {POUR: pour, CONTRE: contre, ABST: abstention}


@pytest.mark.parametrize(
    "rules, votes, options, expected", TALLY_CASES.values(), ids=TALLY_CASES.keys()
)
def test_tally(rules, votes, options, expected):
    result = tally(rules, count(*votes), **{"secret": False, **options})
    assert (result.outcome, result.deciding_vote) == expected
    assert (result.pour, result.contre, result.abstention) == votes
    assert result.cast == votes[0] + votes[1]
    assert result.decided is (expected[0] is not Outcome.pending_casting_vote)
    if result.decided:
        assert result.explanation.endswith(DECISIONS[result.outcome])
    else:
        assert "voix prépondérante" in result.explanation


@pytest.mark.parametrize(
    "votes, options, words",
    [
        ((3, 2, 1), {}, ["Majorité des suffrages exprimés", "3 pour, 2 contre, 1 abstention"]),
        ((3, 2, 2), {}, ["3 pour, 2 contre, 2 abstentions"]),
        ((0, 0, 2), {}, ["Aucun suffrage exprimé"]),
        ((2, 2, 0), {"president_choice": CONTRE}, ["voix du président (contre)"]),
        ((2, 2, 0), {"casting_vote": POUR}, ["ni pour ni contre", "(pour)"]),
        ((2, 2, 0), {}, ["doit donner sa voix prépondérante", "2 pour, 2 contre, 0 abstention)"]),
        ((2, 2, 0), {"secret": True}, ["scrutin secret", "reporté"]),
    ],
    ids=["majority", "plural", "no vote cast", "president", "casting", "pending", "secret tie"],
)
def test_the_explanation_says_the_rule_applied(votes, options, words):
    explanation = tally(DEFAULT, count(*votes), **{"secret": False, **options}).explanation
    for word in words:
        assert word in explanation


class StoredChoice(Enum):
    """Like the database's own enum: same values, another class."""

    pour = "pour"
    contre = "contre"
    abstention = "abstention"


def test_tally_reads_choices_from_another_enum_or_text_and_missing_ones_as_zero():
    stored = tally(
        DEFAULT,
        {StoredChoice.pour: 2, StoredChoice.contre: 2},
        secret=False,
        president_choice=StoredChoice.contre,
    )
    assert (stored.outcome, stored.deciding_vote, stored.abstention) == (Outcome.refused, CONTRE, 0)
    text = tally(DEFAULT, {"pour": 1, "abstention": 3}, secret=False, casting_vote="contre")
    assert (text.outcome, text.pour, text.contre) == (Outcome.granted, 1, 0)


@pytest.mark.parametrize(
    "counts, options",
    [
        ({POUR: -1}, {}),
        ({POUR: True}, {}),
        ({POUR: 1.0}, {}),
        ({"blanc": 1}, {}),
        (count(2, 2, 0), {"casting_vote": ABST}),
        (count(2, 2, 0), {"casting_vote": "oui"}),
        (count(0, 2, 0), {"president_choice": POUR}),
    ],
    ids=[
        "negative count",
        "boolean count",
        "float count",
        "unknown choice",
        "abstention as casting vote",
        "unknown casting vote",
        "president's vote missing from the count",
    ],
)
def test_tally_refuses_what_cannot_be_counted(counts, options):
    with pytest.raises(RulesError):
        tally(DEFAULT, counts, secret=False, **options)


# --- properties -------------------------------------------------------------------------------

MIRROR = {POUR: CONTRE, CONTRE: POUR, ABST: ABST, None: None}
SWAPPED = {
    Outcome.granted: Outcome.refused,
    Outcome.refused: Outcome.granted,
    Outcome.deferred: Outcome.deferred,
    Outcome.pending_casting_vote: Outcome.pending_casting_vote,
}


@st.composite
def votes(draw):
    """A vote: counts, open or secret, the president's ballot (in the count), a casting vote,
    and the rules."""
    numbers = dict(zip(Choice, draw(st.tuples(*[st.integers(0, 6)] * 3)), strict=True))
    president = draw(st.sampled_from([None, *Choice]))
    if president is not None:
        numbers[president] = max(1, numbers[president])
    rules = Rules(president_casting_vote=draw(st.booleans()), secret_tie_defers=draw(st.booleans()))
    options = {
        "secret": draw(st.booleans()),
        "president_choice": president,
        "casting_vote": draw(st.sampled_from([None, POUR, CONTRE])),
        "president_may_vote": draw(st.booleans()),
    }
    return rules, numbers, options


@settings(max_examples=150, deadline=None)
@given(votes())
def test_swapping_pour_and_contre_swaps_the_outcome(vote):
    rules, numbers, options = vote
    mirrored = {MIRROR[choice]: n for choice, n in numbers.items()}
    mirrored_options = {
        **options,
        "president_choice": MIRROR[options["president_choice"]],
        "casting_vote": MIRROR[options["casting_vote"]],
    }
    result, other = tally(rules, numbers, **options), tally(rules, mirrored, **mirrored_options)
    if rules.secret_tie_defers or not options["secret"] or numbers[POUR] != numbers[CONTRE]:
        assert other.outcome is SWAPPED[result.outcome]
    elif numbers[POUR] == 0:  # no vote cast at all: always deferred
        assert result.outcome is other.outcome is Outcome.deferred
    else:  # a secret tie refused stays refused: no majority either way
        assert result.outcome is other.outcome is Outcome.refused


@settings(max_examples=150, deadline=None)
@given(votes(), st.integers(1, 5))
def test_abstentions_never_change_the_outcome(vote, more):
    rules, numbers, options = vote
    if numbers[POUR] + numbers[CONTRE] == 0:
        return  # all abstentions stay all abstentions: covered by the table
    plus = {**numbers, ABST: numbers[ABST] + more}
    assert tally(rules, plus, **options).outcome is tally(rules, numbers, **options).outcome


@settings(max_examples=150, deadline=None)
@given(votes())
def test_without_a_tie_the_majority_decides_whatever_else(vote):
    rules, numbers, options = vote
    result = tally(rules, numbers, **options)
    if numbers[POUR] > numbers[CONTRE]:
        assert result.outcome is Outcome.granted
    elif numbers[POUR] < numbers[CONTRE]:
        assert result.outcome is Outcome.refused
    elif options["secret"] and numbers[POUR] > 0:
        secret_tie = Outcome.deferred if rules.secret_tie_defers else Outcome.refused
        assert result.outcome is secret_tie
    pending = result.outcome is Outcome.pending_casting_vote
    assert pending == (
        numbers[POUR] == numbers[CONTRE] > 0
        and not options["secret"]
        and rules.president_casting_vote
        and options["president_may_vote"]
        and options["president_choice"] in (None, ABST)
        and options["casting_vote"] is None
    )


FORMS = {"enum": lambda c: c, "stored": lambda c: StoredChoice(c.value), "text": lambda c: c.value}


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(Choice)), st.sampled_from(list(FORMS))), max_size=12),
    st.randoms(use_true_random=False),
)
def test_every_ballot_counts_whatever_its_order_and_form(cast, random):
    plain = Counter(choice for choice, _ in cast)
    random.shuffle(cast)
    mixed = Counter(FORMS[form](choice) for choice, form in cast)
    result = tally(DEFAULT, mixed, secret=False, casting_vote=POUR)
    assert (result.pour, result.contre, result.abstention) == (
        plain[POUR],
        plain[CONTRE],
        plain[ABST],
    )
    assert result == tally(DEFAULT, plain, secret=False, casting_vote=POUR)


MEMBERS = st.integers(1, 10)  # 9 and 10 never have a voting right


@st.composite
def situations(draw):
    """Small councils where proxies often meet: holders among 1 to 4, givers anywhere."""
    rules = Rules(
        quorum_fraction=draw(st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(1, 3), 1])),
        proxies_allowed=draw(st.sampled_from([True, True, True, False])),
        max_proxies_held=draw(st.sampled_from([1, 1, 2, 0])),
    )
    situation = Situation(
        voters=draw(st.frozensets(st.integers(1, 8), min_size=3)),
        president=draw(st.none() | MEMBERS),
        present=draw(st.frozensets(MEMBERS, max_size=6)),
        proxies=draw(st.dictionaries(st.integers(3, 10), st.integers(1, 4), max_size=5)),
        recused=draw(st.frozensets(MEMBERS, max_size=2)),
    )
    return rules, situation


@settings(max_examples=200, deadline=None)
@given(situations())
def test_ballots_follow_the_rules(case):
    rules, situation = case
    cast = ballots(rules, situation)
    count_ = quorum(rules, situation)
    assert len(cast) == count_.present_or_represented
    members = [b.member for b in cast]
    assert len(members) == len(set(members)), "a member votes once"
    held = Counter(b.holder for b in cast if b.by_proxy)
    for ballot in cast:
        assert ballot.member in situation.voters - situation.recused
        assert ballot.holder in situation.voting
        if ballot.by_proxy:
            assert ballot.member not in situation.present
            assert situation.proxies[ballot.member] == ballot.holder
            # The proxy is one the rules admit, whoever else is present.
            assert rules.proxies_allowed
            assert ballot.holder != ballot.member
            assert ballot.member in situation.voters and ballot.holder in situation.voters
            given_to_holder = sum(h == ballot.holder for h in situation.proxies.values())
            assert given_to_holder <= rules.max_proxies_held
            assert ballot.member not in situation.proxies.values(), "a giver holds no proxy"
            assert ballot.holder not in situation.proxies, "a holder gave no proxy"
            assert held[ballot.holder] <= rules.max_proxies_held


@settings(max_examples=200, deadline=None)
@given(situations())
def test_quorum_is_the_exact_fraction_of_the_eligible(case):
    rules, situation = case
    result = quorum(rules, situation)
    counted = result.present_or_represented
    assert result.eligible == len(situation.voters - situation.recused)
    assert result.reached == (counted >= rules.quorum_fraction * result.eligible and counted >= 1)


@settings(max_examples=200, deadline=None)
@given(situations(), MEMBERS)
def test_quorum_never_drops_when_someone_arrives(case, arriving):
    rules, situation = case
    before = quorum(rules, situation)
    after = quorum(
        rules,
        Situation(
            situation.voters,
            situation.president,
            situation.present | {arriving},
            situation.proxies,
            situation.recused,
        ),
    )
    assert after.present_or_represented >= before.present_or_represented
    assert after.reached >= before.reached


# --- the session's day ------------------------------------------------------------------------

DAY = date(2027, 5, 20)

OPENING_DAYS = {
    # id: (today, tolerance, may open)
    "on its day": (DAY, 0, True),
    "the day before, no tolerance": (DAY - timedelta(days=1), 0, False),
    "the day after, no tolerance": (DAY + timedelta(days=1), 0, False),
    "months before": (date(2026, 12, 1), 0, False),
    "two days before, two tolerated": (DAY - timedelta(days=2), 2, True),
    "two days after, two tolerated": (DAY + timedelta(days=2), 2, True),
    "three days after, two tolerated": (DAY + timedelta(days=3), 2, False),
    "across a year's end": (date(2027, 1, 1), 1, False),
    "a datetime counts by its date": (datetime(2027, 5, 20, 23, 59), 0, True),
}


@pytest.mark.parametrize(
    "today, tolerance, expected", OPENING_DAYS.values(), ids=OPENING_DAYS.keys()
)
def test_a_session_opens_on_its_day(today, tolerance, expected):
    assert may_open(DAY, today, tolerance) is expected


def test_year_end_with_tolerance():
    assert may_open(date(2026, 12, 31), date(2027, 1, 1), 1) is True


@pytest.mark.parametrize("tolerance", [-1, 1.5, "2", True, None])
def test_a_tolerance_is_a_whole_number_of_days(tolerance):
    with pytest.raises(RulesError, match="tolérance"):
        may_open(DAY, DAY, tolerance)


def test_the_days_are_dates():
    with pytest.raises(RulesError, match="Date illisible"):
        may_open("2027-05-20", DAY, 0)


DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=200, deadline=None)
@given(DATES, DATES, st.integers(0, 30))
def test_may_open_is_symmetric_and_grows_with_the_tolerance(day, today, tolerance):
    allowed = may_open(day, today, tolerance)
    assert allowed == may_open(today, day, tolerance)  # before and after alike
    assert allowed == (abs((today - day).days) <= tolerance)
    if allowed:
        assert may_open(day, today, tolerance + 1)
    assert may_open(day, day, tolerance)  # always on its day


# --- the quorum held through a vote -----------------------------------------------------------


def opened(rules, situation):
    """What a vote records when it opens: its quorum, who is counted present or by proxy."""
    return {
        "opening": quorum(rules, situation),
        "present_at_opening": situation.voting,
        "represented_at_opening": represented(rules, situation),
    }


def moved(situation, present=None, proxies=None):
    return Situation(
        situation.voters,
        situation.president,
        situation.present if present is None else frozenset(present),
        situation.proxies if proxies is None else proxies,
        situation.recused,
    )


AT_OPEN = seat(upto(5), proxies={6: 2})  # 5 present, 1 represented: 6 of 10, 5 required

CLOSING_CASES = {
    # id: (situation at the opening, situation at the closing, lost, left, unrepresented)
    "nobody moved": (AT_OPEN, AT_OPEN, False, set(), set()),
    "one left, still enough": (AT_OPEN, moved(AT_OPEN, upto(4)), False, {5}, set()),
    "two left, lost": (AT_OPEN, moved(AT_OPEN, {1, 2, 3}), True, {4, 5}, set()),
    "the holder left: its proxy goes too": (
        AT_OPEN,
        moved(AT_OPEN, {1, 3, 4, 5}),
        True,
        {2},
        {6},
    ),
    "others came in their place": (
        AT_OPEN,
        moved(AT_OPEN, {1, 2, 7, 8, 9}),
        False,
        {3, 4, 5},
        set(),
    ),
    "the giver came in person: not unrepresented": (
        AT_OPEN,
        moved(AT_OPEN, {1, 2, 6}),
        True,
        {3, 4, 5},
        set(),
    ),
    "a consultative member leaving changes nothing": (
        seat({1, 2, 3, 4, 5, CONSULTATIVE}),
        seat(upto(5)),
        False,
        set(),
        set(),
    ),
    "a recused member leaving changes nothing": (
        seat(upto(6), recused={6}),
        seat(upto(5), recused={6}),
        False,
        set(),
        set(),
    ),
    "lost at the last seat": (seat(upto(5)), seat(upto(4)), True, {5}, set()),
}


@pytest.mark.parametrize(
    "at_open, at_close, lost, left, unrepresented",
    CLOSING_CASES.values(),
    ids=CLOSING_CASES.keys(),
)
def test_quorum_at_close(at_open, at_close, lost, left, unrepresented):
    check = quorum_at_close(DEFAULT, at_close, **opened(DEFAULT, at_open))
    assert check.lost is lost and check.may_annul is lost
    assert check.left == left and check.unrepresented == unrepresented
    assert check.closing == quorum(DEFAULT, at_close)
    assert check.opening == quorum(DEFAULT, at_open)


def test_without_a_record_of_the_opening_only_the_numbers_count():
    check = quorum_at_close(DEFAULT, seat(upto(3)))
    assert check.opening is None and check.lost and check.left == frozenset()


def test_a_quorum_keeps_its_numbers_through_json():
    count = quorum(DEFAULT, AT_OPEN)
    data = json.loads(json.dumps(count.as_dict()))
    assert data["present_or_represented"] == 6
    assert Quorum.from_dict(data) == count


@st.composite
def departures(draw):
    """A vote's opening and, at its closing, the same council with some gone and some come."""
    rules, at_open = draw(situations())
    gone = (
        draw(st.frozensets(st.sampled_from(sorted(at_open.present)))) if at_open.present else set()
    )
    came = draw(st.frozensets(MEMBERS, max_size=3))
    return rules, at_open, moved(at_open, (at_open.present - gone) | came)


@settings(max_examples=300, deadline=None)
@given(departures())
def test_the_quorum_at_closing_is_the_quorum_of_who_is_there(case):
    rules, at_open, at_close = case
    check = quorum_at_close(rules, at_close, **opened(rules, at_open))
    assert check.closing == quorum(rules, at_close)
    assert check.lost == (not quorum(rules, at_close).reached)
    assert check.left <= at_open.voting and not check.left & at_close.present
    assert check.unrepresented <= represented(rules, at_open)
    assert not check.unrepresented & (represented(rules, at_close) | at_close.present)


@settings(max_examples=300, deadline=None)
@given(departures())
def test_a_quorum_reached_at_opening_is_lost_only_when_someone_left(case):
    rules, at_open, at_close = case
    check = quorum_at_close(rules, at_close, **opened(rules, at_open))
    if check.opening.reached and check.lost:
        assert check.left, "a quorum is never lost when everyone counted at opening stayed"


@settings(max_examples=200, deadline=None)
@given(situations())
def test_nobody_moving_keeps_the_quorum(case):
    rules, situation = case
    check = quorum_at_close(rules, situation, **opened(rules, situation))
    assert check.closing == check.opening
    assert check.left == check.unrepresented == frozenset()
    assert check.lost is not check.opening.reached


# --- proxies in an open session ---------------------------------------------------------------

OPEN_PROXY_CASES = {
    # id: (present, proxies, only, expected)
    "to a member present": ({2}, {3: 2}, 3, []),
    "to a member absent": ({4}, {3: 2}, 3, [P.holder_absent]),
    "only the proxy being given": ({4}, {3: 2, 5: 4}, 5, []),
    "absent and full": ((), {3: 2, 4: 2}, 4, [P.holder_full, P.holder_absent]),
}


@pytest.mark.parametrize(
    "present, proxies, only, expected", OPEN_PROXY_CASES.values(), ids=OPEN_PROXY_CASES.keys()
)
def test_in_an_open_session_a_proxy_goes_to_a_member_present(present, proxies, only, expected):
    problems = check_proxies(
        DEFAULT, COUNCIL, frozenset(present), proxies, only=only, session_open=True
    )
    assert problems == [problem.value for problem in expected]
    # Before the session, the same proxy to an absent member is fine.
    assert ProxyProblem.holder_absent.value not in check_proxies(
        DEFAULT, COUNCIL, frozenset(present), proxies, only=only
    )


# --- inactive proxies -------------------------------------------------------------------------

INACTIVE_CASES = {
    # id: (proxies, arrived, inactive givers)
    "no proxy": ({}, {1, 2}, set()),
    "the holder came": ({3: 2}, {2}, set()),
    "the holder never came": ({3: 2}, {1}, {3}),
    "nobody came yet": ({3: 2, 4: 5}, set(), {3, 4}),
    "one of two": ({3: 2, 4: 5}, {5}, {3}),
    "the giver came, the holder not": ({3: 2}, {3}, {3}),
    "as pairs": ([(3, 2), (4, 5)], {2}, {4}),
}


@pytest.mark.parametrize(
    "proxies, arrived, expected", INACTIVE_CASES.values(), ids=INACTIVE_CASES.keys()
)
def test_inactive_proxies(proxies, arrived, expected):
    assert inactive_proxies(proxies, frozenset(arrived)) == expected


PROXIES = st.dictionaries(st.integers(1, 10), st.integers(1, 10), max_size=6)
ARRIVED = st.frozensets(MEMBERS, max_size=8)


@settings(max_examples=200, deadline=None)
@given(PROXIES, ARRIVED, ARRIVED)
def test_an_arrival_never_makes_a_proxy_inactive(proxies, arrived, more):
    inactive = inactive_proxies(proxies, arrived)
    assert inactive <= set(proxies)
    assert all((proxies[giver] not in arrived) for giver in inactive)
    assert inactive_proxies(proxies, arrived | more) <= inactive
    assert inactive_proxies(proxies, frozenset(proxies.values())) == frozenset()


@settings(max_examples=200, deadline=None)
@given(situations())
def test_an_inactive_proxy_gives_no_ballot(case):
    rules, situation = case
    inactive = inactive_proxies(situation.proxies, situation.present)
    by_proxy = {b.member for b in ballots(rules, situation) if b.by_proxy}
    assert not inactive & by_proxy


@pytest.mark.parametrize(
    ("counts", "sentence"),
    [
        (
            {Choice.pour: 3, Choice.contre: 1},
            "Majorité des suffrages exprimés (3 pour, 1 contre, 0 abstention) : "
            "la proposition est adoptée.",
        ),
        (
            {Choice.pour: 1, Choice.contre: 2},
            "Majorité des suffrages exprimés (1 pour, 2 contre, 0 abstention) : "
            "la proposition est rejetée.",
        ),
    ],
)
def test_a_motion_s_sentence_says_adopted_or_rejected_not_label(counts, sentence):
    """A proposal on a label's status, or the approval of the minutes, is not a label
    application: the minutes must not say « la demande de label est accordée »."""
    result = tally(Rules(), counts, secret=False, motion=True)
    assert result.explanation == sentence
