"""The council's rules as the minutes and the members read them: every tally's sentence and
every refusal written out whole here (never read from the module under test)."""

from fractions import Fraction

import pytest

from cdess.sessions.rules import (
    Choice,
    Outcome,
    Rules,
    RulesError,
    check_proxies,
    may_open,
    tally,
)

POUR, CONTRE, ABST = Choice.pour, Choice.contre, Choice.abstention


def count(pour: int, contre: int, abstention: int) -> dict[Choice, int]:
    return {POUR: pour, CONTRE: contre, ABST: abstention}


# Each row: rules, counts, options, the outcome and the whole sentence of the minutes.
SENTENCES = {
    "majority for": (
        Rules(),
        count(3, 2, 1),
        {"secret": False},
        Outcome.granted,
        "Majorité des suffrages exprimés (3 pour, 2 contre, 1 abstention) : "
        "la demande de label est accordée.",
    ),
    "majority against, plural abstentions": (
        Rules(),
        count(1, 4, 2),
        {"secret": True},
        Outcome.refused,
        "Majorité des suffrages exprimés (1 pour, 4 contre, 2 abstentions) : "
        "la demande de label est refusée.",
    ),
    "no vote cast": (
        Rules(),
        count(0, 0, 5),
        {"secret": False},
        Outcome.deferred,
        "Aucun suffrage exprimé, pas de majorité (0 pour, 0 contre, 5 abstentions) : "
        "le dossier est reporté à une séance suivante.",
    ),
    "secret tie defers": (
        Rules(),
        count(2, 2, 0),
        {"secret": True},
        Outcome.deferred,
        "Égalité des voix au scrutin secret, pas de majorité (2 pour, 2 contre, 0 abstention) : "
        "le dossier est reporté à une séance suivante.",
    ),
    "secret tie refused by the rules": (
        Rules(secret_tie_defers=False),
        count(2, 2, 0),
        {"secret": True},
        Outcome.refused,
        "Égalité des voix au scrutin secret : la demande n'a pas la majorité "
        "(2 pour, 2 contre, 0 abstention) : la demande de label est refusée.",
    ),
    "no casting vote in the rules": (
        Rules(president_casting_vote=False),
        count(2, 2, 1),
        {"secret": False, "president_choice": POUR},
        Outcome.deferred,
        "Égalité des voix ; le règlement intérieur ne donne pas de voix prépondérante au "
        "président : pas de majorité (2 pour, 2 contre, 1 abstention) : "
        "le dossier est reporté à une séance suivante.",
    ),
    "president not taking part": (
        Rules(),
        count(2, 2, 0),
        {"secret": False, "president_may_vote": False},
        Outcome.deferred,
        "Égalité des voix ; le président ne prend pas part à ce vote et ne peut départager : "
        "pas de majorité (2 pour, 2 contre, 0 abstention) : "
        "le dossier est reporté à une séance suivante.",
    ),
    "president's own vote decides": (
        Rules(),
        count(3, 3, 0),
        {"secret": False, "president_choice": CONTRE},
        Outcome.refused,
        "Égalité des voix au scrutin public : la voix du président (contre) est prépondérante "
        "(3 pour, 3 contre, 0 abstention) : la demande de label est refusée.",
    ),
    "casting vote after abstaining": (
        Rules(),
        count(2, 2, 1),
        {"secret": False, "president_choice": ABST, "casting_vote": POUR},
        Outcome.granted,
        "Égalité des voix au scrutin public : le président, qui ne s'était prononcé ni pour ni "
        "contre, donne sa voix prépondérante (pour) (2 pour, 2 contre, 1 abstention) : "
        "la demande de label est accordée.",
    ),
    "casting vote awaited": (
        Rules(),
        count(1, 1, 0),
        {"secret": False},
        Outcome.pending_casting_vote,
        "Égalité des voix au scrutin public (1 pour, 1 contre, 0 abstention) : le président, "
        "qui ne s'est prononcé ni pour ni contre, doit donner sa voix prépondérante avant que "
        "le résultat soit acquis.",
    ),
    "a motion adopted": (
        Rules(),
        count(5, 1, 0),
        {"secret": False, "motion": True},
        Outcome.granted,
        "Majorité des suffrages exprimés (5 pour, 1 contre, 0 abstention) : "
        "la proposition est adoptée.",
    ),
    "a motion rejected": (
        Rules(),
        count(1, 5, 0),
        {"secret": True, "motion": True},
        Outcome.refused,
        "Majorité des suffrages exprimés (1 pour, 5 contre, 0 abstention) : "
        "la proposition est rejetée.",
    ),
    "a motion deferred": (
        Rules(),
        count(0, 0, 0),
        {"secret": False, "motion": True},
        Outcome.deferred,
        "Aucun suffrage exprimé, pas de majorité (0 pour, 0 contre, 0 abstention) : "
        "le point est reporté à une séance suivante.",
    ),
}


@pytest.mark.parametrize(
    ("rules", "counts", "options", "outcome", "sentence"), SENTENCES.values(), ids=SENTENCES
)
def test_every_outcome_says_its_rule_in_full(rules, counts, options, outcome, sentence):
    result = tally(rules, counts, **options)
    assert (result.outcome, result.explanation) == (outcome, sentence)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: tally(Rules(), {POUR: -1}, secret=False),
            "Nombre de voix invalide : -1.",
        ),
        (
            lambda: tally(Rules(), {POUR: True}, secret=False),
            "Nombre de voix invalide : True.",
        ),
        (
            lambda: tally(Rules(), {"blanc": 1}, secret=False),
            "Choix de vote inconnu : 'blanc'.",
        ),
        (
            lambda: tally(Rules(), count(1, 1, 0), secret=False, casting_vote=ABST),
            "La voix prépondérante du président est pour ou contre.",
        ),
        (
            lambda: tally(Rules(), count(0, 1, 0), secret=False, president_choice=POUR),
            "Le vote du président ne figure pas dans le décompte.",
        ),
        (
            lambda: Rules(quorum_fraction=0),
            "Le quorum est une fraction des membres votants, de 0 (exclu) à 1.",
        ),
        (
            lambda: Rules(quorum_fraction=Fraction(3, 2)),
            "Le quorum est une fraction des membres votants, de 0 (exclu) à 1.",
        ),
        (lambda: Rules(quorum_fraction=True), "Le quorum est une fraction, pas oui ou non."),
        (lambda: Rules(quorum_fraction="la moitié"), "Quorum illisible : 'la moitié'."),
        (
            lambda: Rules(max_proxies_held=-1),
            "Le nombre de pouvoirs détenus est un entier positif ou nul.",
        ),
        (
            lambda: Rules(proxies_allowed="oui"),
            "Règlement intérieur : « proxies_allowed » est oui ou non.",
        ),
        (
            lambda: Rules(secret_tie_defers=1),
            "Règlement intérieur : « secret_tie_defers » est oui ou non.",
        ),
        (
            lambda: may_open("2027-05-20", "2027-05-20"),
            "Date illisible : '2027-05-20'.",
        ),
    ],
)
def test_each_refusal_says_why_in_full(call, message):
    with pytest.raises(RulesError) as refused:
        call()
    assert str(refused.value) == message


# The proxies' refusals as the member reads them, each case built to raise only that one.
PROXIES = {
    "not allowed": (
        Rules(proxies_allowed=False),
        {1: 2},
        {},
        ["Le règlement intérieur n'admet pas les pouvoirs."],
    ),
    "to oneself": (Rules(), {1: 1}, {}, ["On ne se donne pas pouvoir à soi-même."]),
    "giver without a vote": (
        Rules(),
        {9: 2},
        {},
        ["Seul un membre ayant voix délibérative donne un pouvoir."],
    ),
    "holder without a vote": (
        Rules(),
        {1: 9},
        {},
        ["Un pouvoir se donne à un membre ayant voix délibérative."],
    ),
    "holder full": (
        Rules(max_proxies_held=1),
        {1: 3, 2: 3},
        {},
        ["Ce membre détient déjà autant de pouvoirs que le règlement intérieur le permet."],
    ),
    "giver holds one": (
        Rules(max_proxies_held=2),
        {1: 2, 3: 1},
        {},
        [  # in the order of the proxies: 1 → 2 first, then 3 → 1
            "Un membre qui détient un pouvoir ne peut pas donner le sien.",
            "Ce membre a lui-même donné pouvoir : il ne peut pas en recevoir.",
        ],
    ),
    "giver present": (
        Rules(),
        {1: 2},
        {"present": {1, 2}},
        ["Un membre présent vote lui-même : il ne donne pouvoir qu'après avoir quitté la séance."],
    ),
    "holder absent from an open session": (
        Rules(),
        {1: 2},
        {"present": {3}, "session_open": True},
        [
            "La séance est ouverte : un pouvoir ne se donne qu'à un membre présent, "
            "qui pourra voter pour vous."
        ],
    ),
    "all well": (Rules(), {1: 2}, {"present": {2}, "session_open": True}, []),
}


@pytest.mark.parametrize(("rules", "proxies", "where", "problems"), PROXIES.values(), ids=PROXIES)
def test_each_proxy_refusal_in_the_words_the_member_reads(rules, proxies, where, problems):
    voters = {1, 2, 3, 4}
    found = check_proxies(
        rules,
        voters,
        where.get("present", set()),
        proxies,
        session_open=where.get("session_open", False),
    )
    assert found == problems
