"""The Table Schemas shipped in docs/ (`*.schema.json`), read once, each served at the address
its `path` names (schema.data.gouv.fr's convention: the schema says where it is published)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from cdess.labels import N_

DOCS = Path(__file__).resolve().parents[2] / "docs"
# The fields' titles of the shipped schemas (docs/*.schema.json), French as the French
# open-data format writes them, marked here so the pages can show them in the reader's
# language (a test checks every title of every schema is in this list).
FIELD_TITLES = (
    N_("Numéro du certificat"),
    N_("Nom de la structure"),
    N_("SIREN"),
    N_("SIRET"),
    N_("Numéro RNA"),
    N_("Code INSEE de la commune"),
    N_("Commune"),
    N_("SIREN de l'EPCI"),
    N_("Intercommunalité (EPCI)"),
    N_("Famille de l'ESS"),
    N_("Début de validité du label"),
    N_("Fin de validité du label"),
    N_("Statut du certificat"),
    N_("Adresse de vérification"),
    N_("Structures labellisées"),
    N_("Signataires de la charte"),
)


@dataclass(frozen=True)
class PublishedSchema:
    name: str  # the file's name without `.schema.json`: "registre"
    path: str  # where it is served: the path of its `path` address, "/registre.schema.json"
    body: bytes  # the file as shipped, served byte for byte
    descriptor: dict

    @property
    def route_name(self) -> str:
        """The `name` of `opendata.schema`'s route that serves it."""
        return self.path.removeprefix("/").removesuffix(".schema.json")


def _read(file: Path) -> PublishedSchema:
    body = file.read_bytes()
    descriptor = json.loads(body)
    return PublishedSchema(
        name=file.name.removesuffix(".schema.json"),
        path=urlsplit(descriptor["path"]).path,
        body=body,
        descriptor=descriptor,
    )


@cache
def published() -> dict[str, PublishedSchema]:
    """Every shipped schema, by the path it is served at (read at the first call)."""
    schemas = [_read(file) for file in sorted(DOCS.glob("*.schema.json"))]
    return {schema.path: schema for schema in schemas}


def at(path: str) -> PublishedSchema | None:
    """The schema served at `path`, or None."""
    return published().get(path)


def named(name: str) -> PublishedSchema | None:
    """The schema of docs/<name>.schema.json, or None."""
    return next((s for s in published().values() if s.name == name), None)
