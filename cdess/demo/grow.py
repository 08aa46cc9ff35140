"""A larger territory on demand (`flask demo --structures N`): the demo's register grown to a
region's or a country's size, for the benchmarks and for trying the pages at that scale.

After the demo is loaded, new structures are added up to N, and a share of them sign the
published charter. Nothing else grows: the applications, sessions and certificates stay the
demo's, so its story (README) holds at any size, and the loader's rules are checked again.

Decided here:

- the new structures are the demo's own rows (`structure_rows`) drawn with other seeds (1001,
  1002…): the same families, communes, sizes and kinds of names as the département's;
- the seeds follow the count already there, so growing in steps (10,000, then 30,000) draws
  the rows one growth would draw, with the same names — not the first rows again;
- names stay unique (as the demo's: every structure is told apart by its name): a name met
  again gets the next « (n) » of its base name — one counter per base name (29,340 of them at
  200,000: the names are drawn from a bounded vocabulary), no set of every name;
- SIREN and RNA numbers stay unique: a number already taken (about one in a hundred at
  200,000) is drawn again, with its Luhn digit, and never La Poste's SIREN; the SIRET is an
  establishment of its SIREN, as in the demo;
- 18 % of the new structures sign (`SIGNING`), as the demo's signatories without an account:
  bulk rows, not journalled (`scenario._insert_signatures_without_account` says why);
- the rows go in by chunks of `CHUNK` through Core's plain executemany (no ORM object, no
  identity map; psycopg sends a chunk in one pipeline). Measured at 200,000 on PostgreSQL:
  the ORM's bulk insert cost 55 s of client CPU, `insertmanyvalues` (multi-row VALUES, which
  SQLAlchemy renders batch by batch) 45 s, this 5 s. `flask demo --structures 200000` on the
  loaded demo, two cores: 17 s on SQLite, 27 s on PostgreSQL (load average 2.5; 36 s and 54 s
  at 7); from an empty database, the demo included, 32 s on SQLite;
- the loader's rules (`check_demo_integrity`) are checked after: a growth that broke one is
  refused, the caller rolling back.
"""

import random
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import func, insert, select
from stdnum import luhn

from cdess.charter import services as charter_services
from cdess.charter.models import CharterSignature, SignatureStatus
from cdess.clock import utcnow
from cdess.demo import DemoIntegrityError, check_demo_integrity
from cdess.demo.data import SIGNER_ROLES, STRUCTURE_COUNT
from cdess.demo.structures import person, structure_rows
from cdess.extensions import db
from cdess.structures.models import Structure

SIGNING = 0.18  # the share of the new structures that sign the charter
FIRST_SEED = 1001  # the demo's own is 62
CHUNK = 5000  # rows per executemany: memory stays flat, round trips few
LA_POSTE = "356000000"  # a SIREN of its own rule, never drawn
_NUMBERED = re.compile(r"^(.*) \((\d+)\)$")


@dataclass(frozen=True)
class Growth:
    """What `grow` added."""

    structures: int
    signatures: int


class UniqueNames:
    """Each name once: a name met again gets its base name's next « (n) »."""

    def __init__(self, existing: Iterable[str]):
        self.last: dict[str, int] = {}
        for name in existing:
            base, n = self._split(name)
            self.last[base] = max(self.last.get(base, 0), n)

    @staticmethod
    def _split(name: str) -> tuple[str, int]:
        if match := _NUMBERED.match(name):
            return match.group(1), int(match.group(2))
        return name, 1

    def take(self, name: str) -> str:
        base, _n = self._split(name)
        n = self.last.get(base, 0) + 1
        self.last[base] = n
        return base if n == 1 else f"{base} ({n})"


def _siret(siren: str, rng: random.Random) -> str:
    head = f"{siren}000{rng.randint(1, 5)}"
    return head + luhn.calc_check_digit(head)


def new_rows(existing: int, count: int) -> Iterator[dict]:
    """`count` rows of the demo's kind, the next ones after `existing` structures; names and
    numbers not yet unique (`grow` makes them so)."""
    drawn = max(existing - STRUCTURE_COUNT, 0)  # rows the seeds already gave
    seed, skip = FIRST_SEED + drawn // STRUCTURE_COUNT, drawn % STRUCTURE_COUNT
    while count > 0:
        rows = islice(structure_rows(seed), skip, skip + count)
        for row in rows:
            count -= 1
            yield row
        seed, skip = seed + 1, 0


def grow(structures: int) -> Growth:
    """Add structures up to `structures` (none when there are as many already), 18 % of the
    new ones signing the published charter, in bulk; the caller commits. Raises
    DemoIntegrityError, the caller rolling back, when the demo's rules no longer hold."""
    existing = db.session.execute(select(func.count(Structure.id))).scalar_one()
    if structures <= existing:
        return Growth(0, 0)
    last_id = db.session.execute(select(func.max(Structure.id))).scalar() or 0
    rng = random.Random(FIRST_SEED + existing)  # nosec B311  # repeatable demo data, no secret
    added = 0
    with _page_cache():
        for chunk in _chunks(unique_rows(existing, structures - existing, rng)):
            db.session.execute(insert(Structure.__table__), chunk)
            added += len(chunk)
        signed = _sign(last_id, rng)
    if problems := check_demo_integrity():
        raise DemoIntegrityError(problems)
    return Growth(added, signed)


def unique_rows(existing: int, count: int, rng: random.Random) -> Iterator[dict]:
    """`new_rows`, their names, SIREN (and SIRET) and RNA numbers made unique among
    themselves and against the structures in the database."""
    known = db.session.execute(select(Structure.name, Structure.siren, Structure.rna)).all()
    names = UniqueNames(name for name, _siren, _rna in known)
    sirens = {siren for _name, siren, _rna in known if siren}
    rnas = {rna for _name, _siren, rna in known if rna}
    del known
    for index, row in enumerate(new_rows(existing, count), existing + 1):
        row["name"] = names.take(row["name"])
        if siren := row["siren"]:
            while siren in sirens or siren == LA_POSTE:
                body = str(rng.randint(10_000_000, 99_999_999))
                siren = body + luhn.calc_check_digit(body)
            if siren != row["siren"]:
                row["siren"], row["siret"] = siren, _siret(siren, rng)
            sirens.add(siren)
        if row["rna"]:
            while row["rna"] in rnas:
                row["rna"] = f"W62{rng.randint(1_000_000, 9_999_999)}"
            rnas.add(row["rna"])
        if row["website"]:  # the demo numbers them within a seed: here within the territory
            row["website"] = f"https://structure-{index:06d}.exemple.fr"
        yield row


@contextmanager
def _page_cache() -> Iterator[None]:
    """On SQLite, a page cache of 256 MB while the rows go in (the default, 2 MB, is read
    again and again as random names and numbers land all over five indexes: a quarter of
    the insert's time at 200,000), put back after: the connection returns to the pool."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def refresh_statistics() -> None:
    """After the bulk insert is committed, the planner's statistics gathered again (`ANALYZE`,
    on both databases). PostgreSQL's autovacuum would do it within minutes; until then it
    plans for the table it knew (3,445 structures) and joins by reading all 200,000 where an
    index would do: measured, the applications' queue 5.3× slower, the signatories' 4.8×."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def _chunks(rows: Iterable[dict]) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        yield chunk


def _sign(last_id: int, rng: random.Random) -> int:
    """A share of the structures after `last_id` sign the published charter; how many."""
    version = charter_services.published_version()
    if version is None:
        return 0
    new_ids = list(
        db.session.execute(
            select(Structure.id).where(Structure.id > last_id).order_by(Structure.id)
        ).scalars()
    )
    signing = sorted(rng.sample(new_ids, round(len(new_ids) * SIGNING)))
    now, table = utcnow(), CharterSignature.__table__
    for start in range(0, len(signing), CHUNK):
        rows = [
            {
                "structure_id": structure_id,
                "version_id": version.id,
                "signer_name": person(rng),
                "signer_role": rng.choice(SIGNER_ROLES),
                "signed_at": now,
                "status": SignatureStatus.active,
            }
            for structure_id in signing[start : start + CHUNK]
        ]
        db.session.execute(insert(table), rows)
    return len(signing)
