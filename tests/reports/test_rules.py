"""The report's moves and the sender's key, as pure rules: every (state, action) pair."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdess.reports import rules
from cdess.reports.rules import ReportError
from cdess.reports.rules import ReportState as S

ALLOWED = {
    (S.received, "ask"): S.asked,
    (S.received, "dismiss"): S.dismissed,
    (S.received, "propose"): S.proposed,
    (S.asked, "answer"): S.answered,
    (S.asked, "dismiss"): S.dismissed,
    (S.asked, "propose"): S.proposed,
    (S.answered, "dismiss"): S.dismissed,
    (S.answered, "propose"): S.proposed,
}
ACTIONS = ("ask", "answer", "dismiss", "propose")
PAIRS = [(state, action) for state in S for action in ACTIONS]


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s.value}-{a}" for s, a in PAIRS])
def test_each_move_is_allowed_or_refused_in_french(state, action):
    if (state, action) in ALLOWED:
        assert rules.next_state(state, action) is ALLOWED[(state, action)]
    else:
        with pytest.raises(ReportError) as refused:
            rules.next_state(state, action)
        assert str(refused.value) in {*rules.REFUSALS.values(), rules.ALREADY_DECIDED}


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        (S.asked, "ask", "La structure a déjà été interrogée sur ce signalement."),
        (S.answered, "ask", "La structure a déjà répondu à ce signalement."),
        (S.received, "answer", "Aucune réponse n'est demandée à la structure."),
        (S.dismissed, "answer", "Ce signalement a déjà été traité."),
        (S.proposed, "dismiss", "Ce signalement a déjà été traité."),
    ],
)
def test_the_refusal_says_why(state, action, message):
    with pytest.raises(ReportError, match=message):
        rules.next_state(state, action)


def test_final_states_are_dead_ends():
    assert {s for s in S if s.is_final} == {S.dismissed, S.proposed}
    for state in (S.dismissed, S.proposed):
        assert not any(state in starts for starts, _target in rules.MOVES.values())


def test_an_unknown_action_is_refused():
    with pytest.raises(ReportError, match=r"^Action inconnue : publish$"):
        rules.next_state(S.received, "publish")


def test_the_sender_key_is_the_hmac_of_the_prefixed_address():
    # Written out: HMAC-SHA256 under « secret » of « report-sender:203.0.113.7 ». The prefix
    # keeps the key apart from any other HMAC of the same address under the same secret.
    assert rules.sender_key("secret", "203.0.113.7") == (
        "6b4a0aca2860ae3f4d8019878822ea847a2347a6110e51f7ffa8ab72d44e4ed3"
    )
    # HMAC-SHA256 of the bare address: not the key.
    assert rules.sender_key("secret", "203.0.113.7") != (
        "d1eda5f85436ad2d5e25828b7bc77ca290d6c797a9ab2479327aec37fa3e09d3"
    )


@pytest.mark.parametrize(
    ("n", "written"),
    [
        (0, "0"),
        (999, "999"),
        (5000, "5\u202f000"),
        (1234567, "1\u202f234\u202f567"),
    ],
)
def test_thousands_are_set_apart_by_a_narrow_no_break_space(n, written):
    assert rules.thousands(n) == written


@given(address=st.text(min_size=1, max_size=60), other=st.text(min_size=1, max_size=60))
def test_the_sender_key_hides_the_address_and_tells_senders_apart(address, other):
    key = rules.sender_key("secret", address)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == rules.sender_key("secret", address)  # the same sender, the same key
    assert key != rules.sender_key("another secret", address)  # keyed: no lookup table
    if other != address:
        assert key != rules.sender_key("secret", other)
    if len(address) > 3:
        assert address.encode().hex() not in key


@pytest.mark.parametrize(("sent", "limit", "over"), [(0, 3, False), (2, 3, False), (3, 3, True)])
def test_the_daily_limit(sent, limit, over):
    assert rules.over_limit(sent, limit) is over
