"""The radar chart: well-formed SVG, accessible name, one point per principle at its score."""

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from cdess.assessments import radar
from cdess.assessments.radar import radar_svg

SVG = "{http://www.w3.org/2000/svg}"
AXES = [
    ("Gouvernance démocratique", 100),
    ("Lucrativité limitée", 50),
    ("Ancrage territorial", 0),
    ("Libre adhésion", None),
    ("Primauté de l'intérêt collectif & utilité sociale", 75),
]


def test_radar_is_accessible_svg_with_a_point_per_score():
    svg = radar_svg(AXES, title="Scores <par> principe", description="GOV : 100")
    root = ET.fromstring(svg)  # noqa: S314 (our own markup) — well-formed, labels escaped
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Scores <par> principe"
    assert root.find(f"{SVG}desc").text == "GOV : 100"
    labels = [
        " ".join(span.text for span in text.findall(f"{SVG}tspan"))
        for text in root.iter(f"{SVG}text")
        if text.findall(f"{SVG}tspan")
    ]
    assert labels == [label for label, _score in AXES]  # wrapped, nothing lost
    points = [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter(f"{SVG}circle")]
    assert len(points) == 5
    centre = (260, 280)
    distances = [round(math.dist(centre, p)) for p in points]
    radius = distances[0]  # 100 → the full radius
    assert distances == [radius, round(radius / 2), 0, 0, round(radius * 0.75)]


def test_previous_scores_drawn_dashed():
    svg = radar_svg(AXES, "t", "d", previous=[50, 50, 50, 50, 50])
    assert 'stroke-dasharray="6 4"' in svg
    assert "stroke-dasharray" not in radar_svg(AXES, "t", "d")


def _fonts(svg: str) -> list[float]:
    root = ET.fromstring(svg)  # noqa: S314 (our own markup)
    return [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]


def test_labels_readable_at_print_size():
    """The report prints the chart PRINT_WIDTH_MM wide: every text stays at 12 px or more."""
    svg = radar_svg(AXES, "t", "d", previous=[50] * 5)
    root = ET.fromstring(svg)  # noqa: S314 (our own markup)
    view_width = float(root.get("viewBox").split()[2])
    print_px = radar.PRINT_WIDTH_MM / 25.4 * 96
    assert min(_fonts(svg)) * print_px / view_width >= 12
    assert (
        f"width: {radar.PRINT_WIDTH_MM}mm"
        in Path("templates/assessments/report_pdf.html").read_text()
    )


def test_previous_outline_has_a_legend():
    svg = radar_svg(AXES, "t", "d", previous=[50] * 5, legend=("Maintenant", "Avant"))
    root = ET.fromstring(svg)  # noqa: S314 (our own markup)
    legend = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend"]
    assert "Maintenant" in legend and "Avant" in legend
    dashed = [e for e in root.iter(f"{SVG}line") if e.get("stroke-dasharray")]
    assert len(dashed) == 1  # the legend's sample of the dashed line
    assert "Avant" not in radar_svg(AXES, "t", "d", legend=("Maintenant", "Avant"))


def test_text_is_dark_on_white_and_outside_the_drawing():
    """Text colours pass AA on white (4.5:1), and no text is drawn over the scores."""
    svg = radar_svg(AXES, "t", "d", previous=[50] * 5)
    root = ET.fromstring(svg)  # noqa: S314 (our own markup)

    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for text in root.iter(f"{SVG}text"):
        assert 1.05 / (luminance(text.get("fill")) + 0.05) >= 4.5
        assert text.get("font-size") is not None
    texts = [t for t in root.iter(f"{SVG}text")]
    assert not any(t.text and t.text.strip().isdigit() for t in texts)  # no ring values inside
