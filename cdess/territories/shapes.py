"""A map of the département's EPCI shaded by a count, as inline SVG. Pure: values in, markup out.

The outlines come from data/<departement>-epci.json (build_shapes.py), read once. Drawn with
presentation attributes only (the CSP forbids style attributes), with a title and a
description; each EPCI is a <path> with its own <title> (« name : N structures labellisées »)
and its count written on it, so the map reads without colour; pages show the data table beside.

Where the issue was silent, decided here:
- classes: « 0 » is a class of its own (no labelled structure there); the positive counts are
  cut at their quartiles (over the EPCI) into at most 4 more classes, each a range of whole
  numbers that holds at least one EPCI; with no positive count the map has the one class « 0 »;
- shades: 5 of the site's blue (PALETTE, lightest for 0); fewer positive classes take the
  darkest shades; every shade keeps 3:1 against the EPCI borders (INK, WCAG 1.4.11);
- each count is written INK on a white label at the EPCI's label point (inside it), so it reads
  on any shade, and in print;
- a count below 0 is drawn as 0; a code that is not an EPCI of the map is ignored;
- texts are FONT units high in a viewBox WIDTH units wide: 12 px or more when the map is shown
  MIN_DISPLAY_PX wide or wider.
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr  # nosec B406  # escapes markup, parses no XML

DATA_DIR = Path(__file__).parent / "data"
INK = "#1e1e1e"  # borders, legend text: 16.6:1 on white
WHITE = "#ffffff"
PALETTE = ("#f2f7f9", "#cfe3ec", "#9cc6da", "#6aa6c4", "#2b7b9f")
FONT = 20
MIN_DISPLAY_PX = 480
LEGEND_HEIGHT = 96


@dataclass(frozen=True)
class EpciShape:
    code: str
    name: str
    path: str
    label: tuple[float, float]


@dataclass(frozen=True)
class MapShapes:
    departement: str
    source: str
    version: str
    license: str
    viewbox: tuple[float, float, float, float]
    outline: str
    epcis: tuple[EpciShape, ...]


@dataclass(frozen=True)
class ShadeClass:
    """Counts from `low` to `high` (inclusive), drawn in `fill`."""

    low: int
    high: int
    fill: str

    def holds(self, count: int) -> bool:
        return self.low <= count <= self.high


@lru_cache(maxsize=4)
def load(departement: str = "62") -> MapShapes:
    """Read data/<departement>-epci.json once (see build_shapes.py to regenerate it)."""
    path = DATA_DIR / f"{departement}-epci.json"
    if not path.exists():
        raise RuntimeError(
            f"No EPCI outlines for département {departement}: "
            f"run `python -m cdess.territories.build_shapes --departement {departement}`."
        )
    raw = json.loads(path.read_text(encoding="utf-8"))
    return MapShapes(
        departement=raw["departement"],
        source=raw["source"],
        version=raw["version"],
        license=raw["license"],
        viewbox=tuple(raw["viewbox"]),
        outline=raw["outline"],
        epcis=tuple(
            EpciShape(e["code"], e["name"], e["path"], tuple(e["label"])) for e in raw["epci"]
        ),
    )


def shade_classes(counts: list[int]) -> list[ShadeClass]:
    """The classes of the map: « 0 », then the positive counts cut at their quartiles."""
    positive = sorted(c for c in counts if c > 0)
    uppers: list[int] = []
    for quarter in (1, 2, 3, 4):
        if positive:
            upper = positive[math.ceil(quarter * len(positive) / 4) - 1]
            if not uppers or upper > uppers[-1]:
                uppers.append(upper)
    fills = PALETTE[len(PALETTE) - len(uppers) :] if uppers else ()
    classes = [ShadeClass(0, 0, PALETTE[0])]
    low = 1
    for upper, fill in zip(uppers, fills, strict=True):
        classes.append(ShadeClass(low, upper, fill))
        low = upper + 1
    return classes


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def french_number(count: int) -> str:
    """12345 → « 12 345 » (narrow no-break space between thousands)."""
    return f"{count:,}".replace(",", "\u202f")


def count_text_fr(count: int) -> str:
    """« 0 structure labellisée », « 1 structure labellisée », « 2 structures labellisées »."""
    plural = "s" if count > 1 else ""
    return f"{french_number(count)} structure{plural} labellisée{plural}"


def range_text_fr(low: int, high: int) -> str:
    """« 0 », « 3 à 5 »."""
    if low == high:
        return french_number(low)
    return f"{french_number(low)} à {french_number(high)}"


def epci_map(
    values: dict[str, int],
    names: dict[str, str] | None = None,
    *,
    title: str,
    description: str,
    departement: str = "62",
    legend_title: str = "Structures labellisées par EPCI",
    count_text: Callable[[int], str] = count_text_fr,
    range_text: Callable[[int, int], str] = range_text_fr,
    id_prefix: str = "carte-epci",
) -> str:
    """The EPCI of the département shaded by `values` (EPCI code → count; a missing EPCI counts
    0), each named by `names` (code → name) or the data file's name, with a legend of the
    classes under the map. `count_text` and `range_text` word a count and a class (French by
    default: pass translated ones)."""
    shapes = load(departement)
    names = names or {}
    counts = {e.code: max(0, int(values.get(e.code, 0) or 0)) for e in shapes.epcis}
    classes = shade_classes(list(counts.values()))
    x0, y0, width, height = shapes.viewbox
    total = height + LEGEND_HEIGHT
    ids = f"{id_prefix}-titre {id_prefix}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:g} {y0:g} {width:g} {total:g}" '
        f'width="{width:g}" height="{total:g}" role="img" aria-labelledby="{ids}" '
        f'class="epci-map" font-family="sans-serif">',
        f'<title id="{id_prefix}-titre">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
        # The département's edge, drawn wide under the EPCI: its outer half thickens the border.
        f'<path class="departement" d="{shapes.outline}" fill="none" stroke="{INK}" '
        f'stroke-width="4" stroke-linejoin="round"/>',
    ]
    labels = []
    for epci in shapes.epcis:
        count = counts[epci.code]
        fill = next(c.fill for c in classes if c.holds(count))
        name = names.get(epci.code) or epci.name
        parts.append(
            f'<path class="epci" data-code={quoteattr(epci.code)} d="{epci.path}" '
            f'fill="{fill}" fill-rule="evenodd" stroke="{INK}" stroke-width="1.2" '
            f'stroke-linejoin="round"><title>{escape(f"{name} : {count_text(count)}")}</title>'
            f"</path>"
        )
        x, y = epci.label
        text = french_number(count)
        half = (FONT * 0.62 * len(text) + 12) / 2  # bold digits are about 0.6 em wide
        labels.append(
            f'<rect class="count-box" x="{x - half:.1f}" y="{y - FONT * 0.7:.1f}" '
            f'width="{2 * half:.1f}" height="{FONT * 1.4:g}" rx="{FONT * 0.35:g}" '
            f'fill="{WHITE}" stroke="{INK}" stroke-width="1"/>'
        )
        labels.append(
            f'<text class="count" x="{x:g}" y="{y + FONT * 0.35:.1f}" font-size="{FONT}" '
            f'font-weight="bold" text-anchor="middle" fill="{INK}">{escape(text)}</text>'
        )
    parts.extend(labels)  # above every outline, so no border crosses a number
    parts.extend(_legend(classes, legend_title, range_text, x0 + 10, height + 30, width - 20))
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(
    classes: list[ShadeClass],
    heading: str,
    range_text: Callable[[int, int], str],
    left: float,
    top: float,
    width: float,
) -> list[str]:
    """The legend under the map, on white: its heading, then a swatch and range per class."""
    parts = [
        f'<text class="legend" x="{left:g}" y="{top:g}" font-size="{FONT}" '
        f'font-weight="bold" fill="{INK}">{escape(heading)}</text>'
    ]
    step = width / 5
    for n, shade in enumerate(classes):
        x = left + n * step
        parts.append(
            f'<rect class="swatch" x="{x:g}" y="{top + 18:g}" width="28" height="28" '
            f'fill="{shade.fill}" stroke="{INK}" stroke-width="1.2"/>'
        )
        parts.append(
            f'<text class="legend range" x="{x + 36:g}" y="{top + 40:g}" font-size="{FONT}" '
            f'fill="{INK}">{escape(range_text(shade.low, shade.high))}</text>'
        )
    return parts
