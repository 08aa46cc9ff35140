"""Regenerate the territory data file from the npm package @etalab/decoupage-administratif.

    python -m cdess.territories.build --departement 62 [--version 6.0.0]

Downloads the package with `npm pack` (the npm registry must be reachable), keeps the
communes of the département and every EPCI one of them belongs to, and writes
cdess/territories/data/<departement>.json with its source, version and licence.
"""

import argparse
import json
import subprocess  # nosec B404  # a developer's build tool: runs npm pack, nothing else
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
DATA_DIR = Path(__file__).parent / "data"


def build(departement: str, communes: list[dict], epcis: list[dict], version: str) -> dict:
    """Select the département's current communes and their EPCI from the package's lists."""
    current = [
        c
        for c in communes
        if c.get("departement") == departement and c["type"] == "commune-actuelle"
    ]
    codes = {c["code"] for c in current}
    epci_of: dict[str, str] = {}
    kept_epcis = []
    for e in epcis:
        members = [m["code"] for m in e["membres"]]
        if not codes.intersection(members):
            continue
        for code in members:
            epci_of[code] = e["code"]
        # An EPCI may straddle départements (CC Flandre Lys is seated in the Nord).
        departements = sorted({_departement_of(code) for code in members})
        kept_epcis.append(
            {
                "code": e["code"],
                "name": e["nom"],
                "departements": departements,
                "population": e.get("populationMunicipale") or 0,
            }
        )
    return {
        "source": f"npm {PACKAGE}",
        "version": version,
        "license": "MIT (package); data: Licence Ouverte / INSEE, DGCL",
        "departement": departement,
        "epci": sorted(kept_epcis, key=lambda e: e["name"]),
        "communes": [
            {
                "code": c["code"],
                "name": c["nom"],
                "postcodes": c.get("codesPostaux", []),
                "population": c.get("population") or 0,
                "epci": epci_of.get(c["code"]),
            }
            for c in sorted(current, key=lambda c: c["code"])
        ],
    }


def _departement_of(commune_code: str) -> str:
    return commune_code[:3] if commune_code.startswith("97") else commune_code[:2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", default="62")
    parser.add_argument("--version", default="6.0.0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603  # nosec B603, B607  # npm from PATH, fixed arguments
            ["npm", "pack", f"{PACKAGE}@{args.version}", "--pack-destination", tmp],  # noqa: S607
            check=True,
            capture_output=True,
        )
        archive = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        data = Path(tmp) / "package" / "data"
        communes = json.loads((data / "communes.json").read_text())
        epcis = json.loads((data / "epci.json").read_text())
    result = build(args.departement, communes, epcis, args.version)
    DATA_DIR.mkdir(exist_ok=True)
    out = DATA_DIR / f"{args.departement}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    print(f"{out}: {len(result['communes'])} communes, {len(result['epci'])} EPCI")


if __name__ == "__main__":
    main()
