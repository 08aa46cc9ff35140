"""The demo's structures and people: 3,445 employer structures seated in real communes of
the département drawn by population, with SIRET numbers that pass their check digit and RNA
numbers for the associations, and distinct names for the people. Deterministic: the same
seed gives the same rows.

Decided here:

- SIREN numbers are drawn with their Luhn digit and never La Poste's (356000000, its own
  rule); each SIRET is an establishment of its SIREN;
- 85 % of the associations are employers with a SIREN; the others have only their RNA number;
- a name that comes twice gets « (2) », « (3) »…: every structure is told apart by its name;
- the structures go in as one bulk insert (`insert_structures`), not through
  `structures.services.create_structure`: see there why.
"""

import random
from collections.abc import Iterator
from itertools import accumulate

from sqlalchemy import insert
from stdnum import luhn

from cdess import territories
from cdess.clock import utcnow
from cdess.demo.data import (
    ASSOCIATION_KINDS,
    COOPERATIVE_KINDS,
    COOPERATIVE_TRADES,
    FIRST_NAMES,
    FOUNDATION_CAUSES,
    LAST_NAMES,
    SHARES,
    STREETS,
    STRUCTURE_COUNT,
)
from cdess.extensions import db
from cdess.structures.models import Family, Structure
from cdess.web.typography import elide


def _siren(rng: random.Random, used: set[str]) -> str:
    while True:
        body = str(rng.randint(10_000_000, 99_999_999))
        siren = body + luhn.calc_check_digit(body)
        if siren not in used and siren != "356000000":
            used.add(siren)
            return siren


def _siret(rng: random.Random, siren: str) -> str:
    head = f"{siren}000{rng.randint(1, 5)}"
    return head + luhn.calc_check_digit(head)


def person(rng: random.Random) -> str:
    """A first and a last name (two people may share it)."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def people(rng: random.Random) -> Iterator[str]:
    """Distinct names, so that no two demo accounts (two voters on a screen) look alike."""
    seen: set[str] = set()
    while True:
        name = person(rng)
        if name not in seen:
            seen.add(name)
            yield name


def _families(rng: random.Random) -> list[Family]:
    counts = [round(STRUCTURE_COUNT * share) for _, share in SHARES]
    counts[0] += STRUCTURE_COUNT - sum(counts)
    families = [family for (family, _), n in zip(SHARES, counts, strict=True) for _ in range(n)]
    rng.shuffle(families)
    return families


def structure_rows(seed: int = 62) -> Iterator[dict]:
    """The demo structures as plain rows, ready for a bulk insert."""
    rng = random.Random(seed)  # nosec B311  # repeatable demo data, no secret
    communes = territories.communes()
    # Cumulated once: `choices` would add the 887 weights up again for every structure.
    weights = list(accumulate(max(c.population, 1) for c in communes))
    used_siren: set[str] = set()
    used_names: set[str] = set()
    rna_numbers = iter(rng.sample(range(1_000_000, 9_999_999), STRUCTURE_COUNT))
    now = utcnow()
    for family in _families(rng):
        commune = rng.choices(communes, cum_weights=weights)[0]
        siren = siret = rna = None
        declared = None
        if family is Family.association:
            name = f"{rng.choice(ASSOCIATION_KINDS)} {elide('de', commune.name)}"
            legal_form = rng.choices(["9220", "9230", "9221", "9222"], [85, 3, 8, 4])[0]
            rna = f"W62{next(rna_numbers)}"
            if rng.random() < 0.85:  # employers; the others have only their RNA number
                siren = _siren(rng, used_siren)
                siret = _siret(rng, siren)
            employees = int(rng.paretovariate(1.6) * 2)
        elif family is Family.cooperative:
            kind, legal_form, declared = rng.choice(COOPERATIVE_KINDS)
            name = f"{kind} {rng.choice(COOPERATIVE_TRADES)} {commune.name}"
            siren = _siren(rng, used_siren)
            siret = _siret(rng, siren)
            employees = int(rng.paretovariate(1.4) * 4)
        else:
            name = f"Fondation {rng.choice(LAST_NAMES)} {rng.choice(FOUNDATION_CAUSES)}"
            legal_form = "9300"
            siren = _siren(rng, used_siren)
            siret = _siret(rng, siren)
            employees = int(rng.paretovariate(1.2) * 10)
        base, n = name, 2
        while name in used_names:
            name, n = f"{base} ({n})", n + 1
        used_names.add(name)
        yield {
            "name": name,
            "siren": siren,
            "siret": siret,
            "rna": rna,
            "legal_form": legal_form,
            "family": declared or family,
            "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            "commune_code": commune.code,
            "epci_code": commune.epci_code,
            "employees": min(employees, 5000),
            "year_founded": rng.choice(
                [rng.randint(1901, 1980), rng.randint(1981, 2010), rng.randint(2011, 2025)]
            ),
            "website": f"https://structure-{len(used_names):04d}.exemple.fr"
            if rng.random() < 0.4
            else None,
            "created_at": now,
        }


def insert_structures(seed: int = 62) -> None:
    """The département's register of ESS establishments, inserted as one bulk write.

    Direct write, kept: `structures.services.create_structure` registers one structure for
    the account that creates it (its first member) and journals it. These 3,445 stand for the
    register the secretariat starts from, which nobody created on the site: most have no
    account, and one flush and one journal entry each would add seconds to the load for
    entries that record no one's action."""
    db.session.execute(insert(Structure), list(structure_rows(seed)))
