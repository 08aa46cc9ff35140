"""The W3C Bitstring Status List as plain values: which bit each certificate's status sets, and
the list's compressed, multibase-encoded form. No app, no database.

The rules (W3C Bitstring Status List v1.0): a list is at least 131,072 bits (16 KB) long, so
that one bit says nothing about which credential it is; bit 0 is the left-most bit of the first
byte; the published `encodedList` is the GZIP-compressed bitstring in base64url without padding,
with the multibase prefix « u ». A bit set to 1 means the status of the list's purpose applies.

Where the spec leaves a choice, decided here:
- Two lists, one per purpose: « revocation » (for ever: revoked, or superseded by a new edition)
  and « suspension » (may be lifted: suspended). A certificate has the same index in both.
- An expired label sets no bit: the credential's own `validUntil` says it has ended.
- Indexes are drawn at random among the free ones (the spec's advice: herd privacy), never
  reused; the list stays 131,072 bits long, far more than a département's labels.
"""

import base64
import gzip
import secrets
from collections.abc import Collection, Mapping

LIST_BITS = 131_072
PURPOSES = {
    "revocation": frozenset({"revoked", "superseded"}),
    "suspension": frozenset({"suspended"}),
}


class StatusListError(Exception):
    """An encoded list that cannot be read, or an index outside the list."""


def bits(statuses: Mapping[int, str], purpose: str, size: int = LIST_BITS) -> bytes:
    """The bitstring of a purpose: for each index, 1 when its certificate's status (the
    CertificateStatus value) is one this purpose flags."""
    flagged = PURPOSES[purpose]
    if size % 8 or size < LIST_BITS:
        raise StatusListError(f"a list holds a multiple of 8 bits, {LIST_BITS} at least")
    bitstring = bytearray(size // 8)
    for index, status in statuses.items():
        if not 0 <= index < size:
            raise StatusListError(f"index {index} outside the list")
        if status in flagged:
            bitstring[index // 8] |= 0x80 >> (index % 8)
    return bytes(bitstring)


def bit(bitstring: bytes, index: int) -> int:
    """The bit at an index (0 is the left-most bit of the first byte)."""
    if not 0 <= index < len(bitstring) * 8:
        raise StatusListError(f"index {index} outside the list")
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


def encode(bitstring: bytes) -> str:
    """`encodedList`: « u » + base64url (no padding) of the GZIP-compressed bits. The gzip
    header carries no time, so the same bits always give the same text."""
    compressed = gzip.compress(bitstring, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The bits of an `encodedList`."""
    if not encoded.startswith("u"):
        raise StatusListError("not a base64url multibase string")
    body = encoded[1:]
    try:
        padded = body + "=" * (-len(body) % 4)
        return gzip.decompress(base64.b64decode(padded, altchars=b"-_", validate=True))
    except (ValueError, OSError, EOFError) as error:
        raise StatusListError("not a GZIP-compressed bitstring") from error


def free_index(used: Collection[int], size: int = LIST_BITS) -> int:
    """A random index no certificate holds yet."""
    if len(used) >= size:
        raise StatusListError("the status list is full")
    while True:
        index = secrets.randbelow(size)
        if index not in used:
            return index
