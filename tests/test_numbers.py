"""parse_number: the one reader of the decimals people type (French or English)."""

import pytest

from cdess.numbers import MAX_LENGTH, parse_number


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3,5", 3.5),
        ("3.5", 3.5),
        ("12", 12.0),
        ("-2,25", -2.25),
        ("1 200", 1200.0),
        ("1\u202f200,5", 1200.5),  # the narrow no-break space of French thousands
        ("1\xa0200", 1200.0),  # the no-break space
        ("  7 ", 7.0),
        ("\t8\n", 8.0),
    ],
)
def test_a_typed_decimal_is_read(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "\xa0", "abc", "3,5,1", "1.2.3", "inf", "-inf", "Infinity", "nan", "1e400"],
)
def test_what_is_not_a_finite_number_is_none(raw):
    assert parse_number(raw) is None


def test_thirty_characters_at_most_once_the_spaces_are_gone():
    assert MAX_LENGTH == 30
    assert parse_number("1" + "0" * 29) == 1e29  # 30 characters
    assert parse_number("1" + "0" * 30) is None  # 31 characters
    # The spaces people type between thousands do not count.
    assert parse_number("1 000 000 000 000 000 000 000 000 000") == 1e27
