"""The radar chart: well-formed SVG, accessible name, one point per principle at its score."""

import math
import xml.etree.ElementTree as ET

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
    centre = (210, 210)
    distances = [round(math.dist(centre, p)) for p in points]
    radius = distances[0]  # 100 → the full radius
    assert distances == [radius, round(radius / 2), 0, 0, round(radius * 0.75)]


def test_previous_scores_drawn_dashed():
    svg = radar_svg(AXES, "t", "d", previous=[50, 50, 50, 50, 50])
    assert 'stroke-dasharray="6 4"' in svg
    assert "stroke-dasharray" not in radar_svg(AXES, "t", "d")
