"""The charts as drawn, compared with reviewed copies (tests/dashboard/golden/*.svg): any change of
position, size, pattern, dash or text shows here. After a deliberate change of the drawing,
look at the new charts, then write them again with
`.venv/bin/python -m tests.dashboard.test_charts_golden`."""

from pathlib import Path

import pytest

from cdess.dashboard import charts

GOLDEN = Path(__file__).parent / "golden"
LONG = "Communauté d'agglomération de Béthune-Bruay, Artois-Lys Romane et de ses environs"

CASES = {
    "bars": lambda: charts.bar_chart(
        "b", "Par EPCI", "Trois EPCI.", [(LONG, 12.5), ("CU d'Arras", 3), ("Vide", 0)]
    ),
    "bars-share": lambda: charts.bar_chart(
        "p", "Part", "Parts.", [("A", 150), ("B", -3), ("C", 33.3)], 100, " %"
    ),
    "stacked": lambda: charts.stacked_bar_chart(
        "s",
        "Séances",
        "Six issues.",
        ["mai 2025", "novembre 2025", LONG],
        [(f"Série {n} au nom assez long pour être coupé net", [n, 10 * n, 0]) for n in range(6)],
    ),
    "stacked-narrow": lambda: charts.stacked_bar_chart(
        "n", "t", "d", ["A", "B"], [("Grand", [1000, 5]), ("Petit", [1, 5])]
    ),
    "lines": lambda: charts.line_chart(
        "l",
        "Tendance",
        "Deux principes.",
        [str(y) for y in range(2010, 2031)],
        [
            ("GOV", [None if y % 7 == 3 else 50 + y for y in range(21)]),
            ("LUC", [60 + (y % 5) for y in range(21)]),
            ("TER", [None] * 20 + [40]),
        ],
        100,
        " pts",
    ),
    "lines-four": lambda: charts.line_chart(
        "q",
        "Quatre séries",
        "Une par marqueur.",
        ["novembre 2024", "mai 2025", "novembre 2025"],
        [(name, [10 * n, 20 * n, None]) for n, name in enumerate("ABCD", start=1)],
        200,
    ),
    "line-one": lambda: charts.line_chart(
        "o", "Une série", "Trois ans.", ["2024", "2025", "2026"], [("a", [3, 0, 7])]
    ),
    "line-point": lambda: charts.line_chart("u", "Un point", "d", ["2025"], [("a", [3])]),
    "empty": lambda: charts.bar_chart("e", "Rien", "Aucune donnée.", []),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_drawn_as_reviewed(name):
    assert CASES[name]() == (GOLDEN / f"{name}.svg").read_text(encoding="utf-8")


if __name__ == "__main__":  # write the reviewed copies again
    for name, draw in CASES.items():
        (GOLDEN / f"{name}.svg").write_text(draw(), encoding="utf-8")
