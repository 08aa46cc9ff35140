"""The SVG charts, parsed: named by a title and a description, a value written beside each bar,
patterns and dash styles that tell the series apart without colour, text of 12 px or more."""

import itertools
import re
import xml.etree.ElementTree as ET  # nosec B405  # parses our own output

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdess.dashboard import charts

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  # our own markup


def texts(root: ET.Element, css: str) -> list[str]:
    return [
        "".join(t.itertext())
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if css in (t.get("class") or "").split()
    ]


def widths(root: ET.Element, css: str) -> list[float]:
    return [
        float(r.get("width"))
        for r in root.iter("{http://www.w3.org/2000/svg}rect")
        if r.get("class") == css
    ]


def assert_named(root: ET.Element, chart_id: str, title: str, description: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-titre {chart_id}-desc"
    assert root.find("s:title", NS).text == title
    assert root.find("s:title", NS).get("id") == f"{chart_id}-titre"
    assert root.find("s:desc", NS).text == description
    assert root.find("s:desc", NS).get("id") == f"{chart_id}-desc"
    assert int(root.get("font-size")) >= 12
    assert "style" not in ET.tostring(root, encoding="unicode")  # the CSP refuses inline styles


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (1234, "1\u202f234"),
        (1234567, "1\u202f234\u202f567"),
        (12.5, "12,5"),
        (12.04, "12"),
        (12.06, "12,1"),
        (0.25, "0,2"),
        (3.0, "3"),
        (-3, "−3"),
        (-1234.5, "−1\u202f234,5"),
        (None, "—"),
        (float("nan"), "—"),
        (float("inf"), "—"),
    ],
)
def test_numbers_are_written_french_style(value, text):
    assert charts.number(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234, "1,234"),
        (1234567, "1,234,567"),
        (12.5, "12.5"),
        (-1234.5, "−1,234.5"),
        (999, "999"),
        (None, "—"),
    ],
)
def test_numbers_are_written_with_the_reader_s_separators(value, text):
    with charts.separators(",", "."):
        assert charts.number(value) == text
        with charts.separators("\u00a0", "·"):
            assert charts.number(1234.5) == "1\u00a0234·5"
        assert charts.number(1234.5) == "1,234.5"  # the block's own, back
    assert charts.number(1234.5) == "1\u202f234,5"  # French outside any block


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [
        (0, 1),
        (-5, 1),
        (float("nan"), 1),
        (1, 1),
        (1.1, 2),
        (2, 2),
        (2.1, 2.5),
        (3, 5),
        (5, 5),
        (6, 10),
        (10, 10),
        (37, 50),
        (326, 500),
        (0.3, 0.5),
        (100, 100),
        (101, 200),
    ],
)
def test_nice_ceiling(value, ceiling):
    assert charts.nice_ceiling(value) == ceiling


@given(st.floats(min_value=1e-6, max_value=1e9))
def test_the_ceiling_is_above_and_within_a_factor_of_two_and_a_half(value):
    ceiling = charts.nice_ceiling(value)
    assert value <= ceiling * (1 + 1e-9)
    assert ceiling <= 2.5 * value * (1 + 1e-9)


def test_a_bar_per_row_with_its_value_and_proportional_length():
    rows = [("Association", 40), ("Coopérative", 10), ("Fondation", 0)]
    root = parse(charts.bar_chart("f", "Par famille", "Quarante associations.", rows))
    assert_named(root, "f", "Par famille", "Quarante associations.")
    assert texts(root, "value") == ["40", "10", "0"]
    assert texts(root, "category") == ["Association", "Coopérative", "Fondation"]
    bars = widths(root, "bar")
    assert len(bars) == 3
    assert bars[0] == pytest.approx(4 * bars[1]) and bars[2] == 0
    assert bars[0] == pytest.approx(40 / 50 * (720 - 260 - 90))  # the axis ends at 50


def test_bars_of_shares_scale_to_their_maximum_and_write_their_unit():
    root = parse(charts.bar_chart("p", "Part", "d", [("A", 50), ("B", 12.5)], 100, " %"))
    assert texts(root, "value") == ["50 %", "12,5 %"]
    assert widths(root, "bar")[0] == pytest.approx((720 - 260 - 90) / 2)
    over = parse(charts.bar_chart("p", "Part", "d", [("A", 150), ("B", -3)], 100))
    assert widths(over, "bar") == [pytest.approx(370), 0]  # never past the axis nor before it


def test_long_labels_are_wrapped_then_cut():
    label = "Communauté d'agglomération de Béthune-Bruay, Artois-Lys Romane et de ses environs"
    root = parse(charts.bar_chart("e", "t", "d", [(label, 3)]))
    category = next(root.iter("{http://www.w3.org/2000/svg}text"))
    lines = ["".join(s.itertext()) for s in category]
    assert len(lines) == 2
    assert lines[1].endswith("…")
    assert all(len(line) <= charts.LABEL_CHARS for line in lines)


def test_no_data_says_so():
    for svg in (
        charts.bar_chart("x", "t", "d", []),
        charts.stacked_bar_chart("x", "t", "d", [], []),
        charts.line_chart("x", "t", "d", ["2024"], [("a", [None])]),
        charts.line_chart("x", "t", "d", [], []),
    ):
        root = parse(svg)
        assert_named(root, "x", "t", "d")
        assert texts(root, "empty") == [charts.NO_DATA]


def test_text_is_escaped_and_control_characters_dropped():
    root = parse(charts.bar_chart("x", "<b>&\x00", 'd"\x1b', [("<script>\ufffe", 1)]))
    assert root.find("s:title", NS).text == "<b>&"
    assert root.find("s:desc", NS).text == 'd"'
    assert texts(root, "category") == ["<script>"]
    assert charts.escape("a\tb\nc\x07") == "a\tb\nc"


def test_stacked_segments_patterns_values_and_totals():
    series = [("Attribués", [5, 1]), ("Refusés", [2, 0]), ("Ajournés", [0, 3])]
    root = parse(charts.stacked_bar_chart("s", "Séances", "d", ["mai 2025", "nov. 2025"], series))
    assert_named(root, "s", "Séances", "d")
    assert texts(root, "total") == ["7", "4"]
    assert texts(root, "legend") == ["Attribués", "Refusés", "Ajournés"]
    segments = [
        r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "segment"
    ]
    assert [s.get("fill") for s in segments] == [
        "url(#s-motif-0)",
        "url(#s-motif-1)",
        "url(#s-motif-0)",
        "url(#s-motif-2)",
    ]  # zeros draw nothing
    scale = charts.nice_ceiling(7)
    assert float(segments[0].get("width")) == pytest.approx(5 / scale * 370)
    # Segments follow each other: the second starts where the first ends.
    assert float(segments[1].get("x")) == pytest.approx(
        float(segments[0].get("x")) + float(segments[0].get("width"))
    )
    patterns = root.findall("s:defs/s:pattern", NS)
    assert [p.get("id") for p in patterns] == ["s-motif-0", "s-motif-1", "s-motif-2"]
    # Every pattern but the first carries white marks over its colour: told apart without colour.
    assert len(patterns[0]) == 1 and all(len(p) == 2 for p in patterns[1:])
    assert set(texts(root, "value")) - {"7", "4"} <= {"5", "2", "1", "3"}


def test_a_narrow_segment_shows_no_value_but_the_total_does():
    series = [("Grand", [1000]), ("Petit", [1])]
    root = parse(charts.stacked_bar_chart("n", "t", "d", ["A"], series))
    values = texts(root, "value")
    assert "1\u202f000" in values and "1" not in values
    assert texts(root, "total") == ["1\u202f001"]


def test_lines_dashes_markers_and_gaps():
    series = [("GOV", [70, 72.5, None, 80]), ("LUC", [60, 61, 65, 66])]
    root = parse(
        charts.line_chart("l", "Tendance", "d", ["2021", "2022", "2023", "2024"], series, 100)
    )
    assert_named(root, "l", "Tendance", "d")
    lines = root.findall("s:polyline", NS)
    # GOV broken by its gap: two runs, the second of one point draws no line; LUC one line.
    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") is None
    assert lines[1].get("stroke-dasharray") == charts.DASHES[1]
    assert len(lines[0].get("points").split()) == 2 and len(lines[1].get("points").split()) == 4
    # Two series: the last value of each is written at its end.
    assert texts(root, "value") == ["80", "66"]
    assert texts(root, "legend") == ["GOV", "LUC"]
    assert texts(root, "tick")[:5] == ["0", "25", "50", "75", "100"]
    # The first year on the left axis, the last on the right edge of the plot.
    first, last = lines[1].get("points").split()[0], lines[1].get("points").split()[-1]
    assert float(first.split(",")[0]) == 70 and float(last.split(",")[0]) == 660
    # 66 of 100 stands two thirds up the plot.
    assert float(last.split(",")[1]) == pytest.approx(
        float(first.split(",")[1]) - 240 * 6 / 100, abs=0.1
    )


def test_one_series_writes_every_value_and_a_single_point_is_centred():
    root = parse(charts.line_chart("o", "t", "d", ["2024", "2025"], [("a", [3, 4])]))
    assert texts(root, "value") == ["3", "4"]
    single = parse(charts.line_chart("o", "t", "d", ["2025"], [("a", [3])]))
    assert single.findall("s:polyline", NS) == []
    point = next(c for c in single.findall("s:circle", NS) if c.get("class") == "point")
    assert float(point.get("cx")) == pytest.approx((70 + 660) / 2)


def test_many_years_labels_never_overlap():
    labels = [str(y) for y in range(2000, 2040)]
    root = parse(charts.line_chart("m", "t", "d", labels, [("a", list(range(40)))]))
    ticks = [
        float(t.get("x"))
        for t in root.iter("{http://www.w3.org/2000/svg}text")
        if t.get("class") == "tick" and re.fullmatch(r"\d{4}", t.text or "")
    ]
    assert ticks and ticks[0] == 70
    assert min(b - a for a, b in itertools.pairwise(ticks)) >= 4 * 8 + 10


@given(
    st.lists(
        st.tuples(st.text(max_size=80), st.integers(min_value=0, max_value=10**9)),
        max_size=25,
    )
)
def test_any_bars_are_well_formed_and_carry_every_value(rows):
    root = parse(charts.bar_chart("h", "t", "d", rows))
    if rows:
        assert texts(root, "value") == [charts.number(v) for _, v in rows]
        assert all(0 <= w <= 370 + 1e-6 for w in widths(root, "bar"))


@given(
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=6),
)
def test_any_stack_totals_are_its_sums(values, count):
    series = [(f"s{n}", values) for n in range(count)]
    categories = [f"c{i}" for i in range(len(values))]
    root = parse(charts.stacked_bar_chart("k", "t", "d", categories, series))
    assert texts(root, "total") == [charts.number(v * count) for v in values]
    for w in widths(root, "segment"):
        assert 0 <= w <= 370 + 1e-6
