"""Edges of the council's rules written out: the default opening tolerance, its message read
whole, and a situation that keeps its own copy of the proxies."""

from datetime import date
from types import MappingProxyType

import pytest

from cdess.sessions.rules import Rules, RulesError, Situation, check_proxies, may_open

DAY = date(2027, 5, 20)


def test_without_a_tolerance_a_session_opens_on_its_day_only():
    assert may_open(DAY, DAY) is True
    assert may_open(DAY, date(2027, 5, 21)) is False
    assert may_open(DAY, date(2027, 5, 19)) is False


@pytest.mark.parametrize("tolerance", [-1, 1.5, "2", True, None])
def test_a_bad_tolerance_is_refused_in_words(tolerance):
    with pytest.raises(RulesError) as refused:
        may_open(DAY, DAY, tolerance)
    assert str(refused.value) == (
        "La tolérance d'ouverture d'une séance est un nombre de jours positif ou nul."
    )


def test_a_situation_keeps_its_own_copy_of_the_proxies():
    given = {3: 2}
    situation = Situation(voters={1, 2, 3}, proxies=given)
    given[1] = 2  # changed by the caller afterwards
    assert situation.proxies == {3: 2}
    assert type(situation.proxies) is dict
    read_only = Situation(voters={1, 2, 3}, proxies=MappingProxyType({3: 2}))
    assert type(read_only.proxies) is dict and read_only.proxies == {3: 2}


def test_a_proxy_to_oneself_does_not_hide_the_problems_of_the_next_ones():
    council = frozenset(range(1, 11))
    assert check_proxies(Rules(), council, frozenset(), [(5, 5), (3, 2), (4, 2)]) == [
        "On ne se donne pas pouvoir à soi-même.",
        "Ce membre détient déjà autant de pouvoirs que le règlement intérieur le permet.",
    ]
