"""Identity checks: SIRET, SIREN (La Poste included), RNA, legal form → family."""

import pytest
from stdnum import luhn

from cdess.structures import identity
from cdess.structures.models import Family
from tests.factories import valid_siret


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (valid_siret(1), True),
        (valid_siret(2), True),
        ("35600000000001", True),  # La Poste: digit sum multiple of 5, not Luhn
        ("35600000000002", False),
        (valid_siret(1)[:-1] + str((int(valid_siret(1)[-1]) + 1) % 10), False),
        ("1234567890123", False),
        ("1234567890123A", False),
        ("", False),
    ],
)
def test_siret(value, ok):
    assert (identity.siret_error(value) is None) is ok


def test_la_poste_siret_fails_luhn_but_passes():
    assert not luhn.is_valid("35600000000001")
    assert identity.siret_error("35600000000001") is None


def test_siret_messages_say_what_is_wrong():
    assert identity.siret_error("123") == "Un SIRET compte 14 chiffres."
    assert "clé de contrôle" in identity.siret_error(
        valid_siret(1)[:-1] + "0" if valid_siret(1)[-1] != "0" else "1"
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [(valid_siret(3)[:9], True), ("356000000", True), ("123456789", False), ("12345678", False)],
)
def test_siren(value, ok):
    assert (identity.siren_error(value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("W623001234", True),
        ("W9M1000012", True),
        ("W62300123", False),
        ("X623001234", False),
        ("w623001234", False),
        ("W6230012345", False),
    ],
)
def test_rna(value, ok):
    assert (identity.rna_error(value) is None) is ok


def test_compact_removes_typing_noise():
    assert identity.compact(" 123 456 789 00012 ") == "12345678900012"
    assert identity.compact("w62-300.1234") == "W623001234"
    assert identity.compact(None) == ""


@pytest.mark.parametrize(
    ("code", "family"),
    [
        ("9220", Family.association),
        ("9230", Family.association),
        ("9300", Family.fondation),
        ("8210", Family.mutuelle),
        ("5458", Family.cooperative),
        ("5558", Family.cooperative),
        ("5658", Family.cooperative),
        ("5460", None),
        ("5710", None),
        ("0000", None),
    ],
)
def test_family_of_legal_form(code, family):
    assert identity.family_of(code) is family
