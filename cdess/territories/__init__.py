"""Communes and EPCI of the configured département, read from the shipped data file."""

import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

from cdess.web.typography import collation_key

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Epci:
    code: str
    name: str
    departements: tuple[str, ...]
    population: int


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    postcodes: tuple[str, ...]
    population: int
    epci_code: str | None

    @property
    def label(self) -> str:
        """« Arras (62000) »: the name people type, with the postcode that tells homonyms apart."""
        return f"{self.name} ({self.postcodes[0]})" if self.postcodes else self.name


@dataclass(frozen=True)
class Territory:
    departement: str
    source: str
    version: str
    communes: dict[str, Commune]
    epcis: dict[str, Epci]


@lru_cache(maxsize=4)
def load(departement: str) -> Territory:
    """Read data/<departement>.json (see build.py to regenerate it)."""
    path = DATA_DIR / f"{departement}.json"
    if not path.exists():
        raise RuntimeError(
            f"No territory data for département {departement}: "
            f"run `python -m cdess.territories.build --departement {departement}`."
        )
    raw = json.loads(path.read_text())
    communes = {
        c["code"]: Commune(c["code"], c["name"], tuple(c["postcodes"]), c["population"], c["epci"])
        for c in raw["communes"]
    }
    epcis = {
        e["code"]: Epci(e["code"], e["name"], tuple(e["departements"]), e["population"])
        for e in raw["epci"]
    }
    return Territory(raw["departement"], raw["source"], raw["version"], communes, epcis)


def current() -> Territory:
    return load(current_app.config["DEPARTEMENT"])


def commune(code: str | None) -> Commune | None:
    return current().communes.get(code or "")


def epci(code: str | None) -> Epci | None:
    return current().epcis.get(code or "")


def epcis() -> list[Epci]:
    return sorted(current().epcis.values(), key=lambda e: collation_key(e.name))


def communes() -> list[Commune]:
    return _sorted_communes(current().departement)


@lru_cache(maxsize=4)
def _sorted_communes(departement: str) -> list[Commune]:
    communes = load(departement).communes.values()
    return sorted(communes, key=lambda c: (collation_key(c.name), c.code))


def _fold(text: str) -> str:
    """Lower case without accents, hyphens as spaces: « Hénin-Beaumont » ~ « henin beaumont »."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").split())


def search(query: str, limit: int = 20) -> list[Commune]:
    """Communes whose name or postcode matches the query, names starting with it first."""
    folded = _fold(query)
    if not folded:
        return []
    found = []
    for c in communes():
        name = _fold(c.name)
        if name.startswith(folded) or any(p.startswith(folded) for p in c.postcodes):
            found.append((0, c))
        elif folded in name:
            found.append((1, c))
    found.sort(key=lambda pair: pair[0])
    return [c for _, c in found[:limit]]


def resolve(text: str) -> Commune | None:
    """The commune a form value names: an INSEE code, « Name (postcode) » or an exact name."""
    text = (text or "").strip()
    if not text:
        return None
    if (found := commune(text)) is not None:
        return found
    folded = _fold(text)
    matches = [c for c in communes() if _fold(c.label) == folded or _fold(c.name) == folded]
    return matches[0] if len(matches) == 1 else None
