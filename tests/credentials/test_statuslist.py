"""The status lists' bits against the certificates' statuses, and their encoded form."""

import base64
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdess.credentials import statuslist
from cdess.credentials.statuslist import LIST_BITS, StatusListError

STATUSES = ("valid", "suspended", "revoked", "superseded", "expired")


@pytest.mark.parametrize(
    ("status", "revocation", "suspension"),
    [
        ("valid", 0, 0),
        ("suspended", 0, 1),
        ("revoked", 1, 0),
        ("superseded", 1, 0),  # a new edition replaced it: for ever
        ("expired", 0, 0),  # its validUntil says it
    ],
)
def test_each_status_sets_the_bit_of_its_purpose(status, revocation, suspension):
    for index in (0, 7, 8, 1234, LIST_BITS - 1):
        assert statuslist.bit(statuslist.bits({index: status}, "revocation"), index) == revocation
        assert statuslist.bit(statuslist.bits({index: status}, "suspension"), index) == suspension


def test_bit_zero_is_the_left_most_bit_of_the_first_byte():
    bitstring = statuslist.bits({0: "revoked", 9: "revoked"}, "revocation")
    assert bitstring[:2] == bytes([0b1000_0000, 0b0100_0000])
    assert not any(bitstring[2:])


def test_a_list_is_16_kb_at_least_and_refuses_an_index_outside_it():
    assert len(statuslist.bits({}, "revocation")) * 8 == LIST_BITS == 131_072
    with pytest.raises(StatusListError):
        statuslist.bits({LIST_BITS: "revoked"}, "revocation")
    with pytest.raises(StatusListError):
        statuslist.bits({}, "revocation", size=LIST_BITS // 2)
    with pytest.raises(StatusListError):
        statuslist.bit(bytes(2), 16)


@settings(max_examples=40)
@given(st.dictionaries(st.integers(0, LIST_BITS - 1), st.sampled_from(STATUSES), max_size=40))
def test_the_encoded_list_says_each_certificates_status(statuses):
    for purpose, flagged in statuslist.PURPOSES.items():
        encoded = statuslist.encode(statuslist.bits(statuses, purpose))
        assert encoded.startswith("u") and "=" not in encoded
        decoded = statuslist.decode(encoded)
        assert len(decoded) * 8 == LIST_BITS
        number, set_bits = int.from_bytes(decoded, "big"), set()
        while number:  # the set bits, right to left: bit i of the list is 2**(LIST_BITS-1-i)
            lowest = number & -number
            set_bits.add(LIST_BITS - lowest.bit_length())
            number ^= lowest
        assert set_bits == {i for i, status in statuses.items() if status in flagged}


def test_the_encoding_is_gzip_in_base64url_and_the_same_for_the_same_bits():
    bitstring = statuslist.bits({3: "suspended"}, "suspension")
    encoded = statuslist.encode(bitstring)
    assert encoded == statuslist.encode(bitstring)  # no time in the gzip header
    body = encoded[1:]
    assert gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))) == bitstring


@pytest.mark.parametrize("text", ["zABC", "u!!!", "u" + base64.urlsafe_b64encode(b"x").decode()])
def test_a_list_that_is_not_one_is_refused(text):
    with pytest.raises(StatusListError):
        statuslist.decode(text)


def test_a_free_index_is_never_one_taken():
    assert statuslist.free_index(set(range(63)), size=64) == 63
    assert all(statuslist.free_index({1, 2}, size=4) in {0, 3} for _ in range(20))
    with pytest.raises(StatusListError):
        statuslist.free_index(set(range(64)), size=64)
