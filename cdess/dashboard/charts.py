"""Charts of the dashboard and the public statistics as inline SVG. Pure: numbers in, markup out.

Three shapes: horizontal bars (`bar_chart`), horizontal stacked bars (`stacked_bar_chart`) and
lines over time (`line_chart`); the principles' radar is `cdess.assessments.radar`. Every chart
is an `<svg role="img">` named by its `<title>` and `<desc>` (`aria-labelledby`), drawn with
presentation attributes only (the CSP forbids inline styles), and always shown beside its
data table, which is the accessible form of its figures.

Where the issue is silent, decided here:
- an own module rather than pygal: pygal's charts rely on JavaScript and CSS for their
  tooltips and legends, write inline styles (refused by our CSP) and no value beside each
  bar; here each bar carries its value in text, each series a pattern or a dash style as
  well as a colour (readable in black and white), and the module is pure, so it is tested
  as the other pure rules are;
- text is FONT px (14) in a viewBox VIEW_WIDTH (720) wide, on the white page: dark ink,
  contrast 16:1; the fills are dark enough for 3:1 against white (WCAG 1.4.11);
- a value written on a stacked segment sits on a white label, so that its contrast does not
  depend on the pattern under it; a segment too narrow for its value shows none (the total at
  the end of the bar and the table still say it);
- a label longer than two lines of the label column is cut with « … » (the table has it whole);
- a line chart labels the last value of each series at its end, every point when it has one
  series; a missing value (None) breaks the line rather than drawing it at zero;
- numbers are written by `number` with the reader's separators (`SEPARATORS`, set by the
  caller for its locale: French « 1 234 », « 12,5 » by default, English « 1,234 », « 12.5 »);
  the tables use the same function, so that a value read on a bar is found as written in its
  table.
"""

import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from xml.sax.saxutils import escape as _xml_escape  # nosec B406  # writes SVG, parses no XML

VIEW_WIDTH = 720
FONT = 14
INK = "#1e1e1e"  # 16.6:1 on white
GRID = "#8a9299"
# Series fills and strokes: each at least 4.5:1 on white, told apart by pattern or dash too.
COLOURS = ("#00587c", "#a13c00", "#4b3a8f", "#2b6b2f", "#6b5200", "#8a1c4a")
DASHES = ("", "8 4", "2 4", "12 4 2 4", "4 4", "1 3")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square")
LABEL_WIDTH = 250  # the category labels' column of bar charts
LABEL_CHARS = 32  # what fits on one line of it at FONT px
ROW = 40  # a bar's row: two lines of label
NO_DATA = "Aucune donnée pour ces critères."
# The separators of thousands and of decimals `number` writes: the reader's (`separators`).
SEPARATORS: ContextVar[tuple[str, str]] = ContextVar("separators", default=("\u202f", ","))


@contextmanager
def separators(thousands: str, decimal: str) -> Iterator[None]:
    """Within the block, `number` writes these separators (a locale's, from the caller)."""
    token = SEPARATORS.set((thousands, decimal))
    try:
        yield
    finally:
        SEPARATORS.reset(token)


def escape(text: str) -> str:
    """Text for the SVG: XML-escaped, without the characters XML 1.0 refuses (control
    characters, U+FFFE, U+FFFF), which a name typed into a form could hold."""
    kept = "".join(c for c in text if (c >= " " or c in "\t\n") and c not in "\ufffe\uffff")
    return _xml_escape(kept)


def number(value: float | int | None) -> str:
    """A figure as written on the charts and in their tables: whole numbers with the thousands'
    separator (« 1 234 »), others with one decimal (« 12,5 »), the separators the reader's
    (`SEPARATORS`); « — » for no value."""
    if value is None:
        return "—"
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    thousands, decimal = SEPARATORS.get()
    rounded = round(float(value), 1)
    sign = "−" if rounded < 0 else ""
    if rounded == int(rounded):
        return sign + f"{abs(int(rounded)):,}".replace(",", thousands)
    whole, decimals = f"{abs(rounded):,.1f}".split(".")
    return f"{sign}{whole.replace(',', thousands)}{decimal}{decimals}"


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (1 for zero or less): an axis end
    a reader divides by four without pain."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value * (1 - 1e-12):
            return float(step * power)
    return float(10 * power)  # pragma: no cover  (the loop ends at 10 × power ≥ value)


def _lines(label: str, width: int = LABEL_CHARS, count: int = 2) -> list[str]:
    """`label` wrapped on `count` lines at most of `width` characters, the last cut with « … »."""
    lines = textwrap.wrap(label, width) or [""]
    if len(lines) > count:
        lines = lines[:count]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _open(chart_id: str, title: str, description: str, height: float, kind: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VIEW_WIDTH} {height:.0f}" '
        f'width="{VIEW_WIDTH}" height="{height:.0f}" role="img" '
        f'aria-labelledby="{cid}-titre {cid}-desc" class="chart chart-{kind}" '
        f'font-family="sans-serif" font-size="{FONT}">',
        f'<title id="{cid}-titre">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]


def _text(x: float, y: float, text: str, anchor: str = "start", css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return (
        f'<text{klass} x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}">'
        f"{escape(text)}</text>"
    )


def _label(x: float, top: float, label: str, row: float) -> str:
    """A category's name, right-aligned before its bar, on one or two lines centred in the row."""
    lines = _lines(label)
    first = top + row / 2 + 5 - (FONT + 2) * (len(lines) - 1) / 2
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if n == 0 else FONT + 2}">{escape(text)}</tspan>'
        for n, text in enumerate(lines)
    )
    return (
        f'<text class="category" x="{x:.1f}" y="{first:.1f}" text-anchor="end" '
        f'fill="{INK}">{spans}</text>'
    )


def _no_data(chart_id: str, title: str, description: str) -> str:
    parts = _open(chart_id, title, description, 60, "empty")
    parts.append(_text(VIEW_WIDTH / 2, 35, NO_DATA, "middle", "empty"))
    parts.append("</svg>")
    return "\n".join(parts)


def _patterns(chart_id: str, count: int) -> str:
    """One fill per series: a colour and, from the second on, white hatching, dots or grid."""
    marks = (
        "",
        '<path d="M-2,2 L2,-2 M0,8 L8,0 M6,10 L10,6" stroke="#fff" stroke-width="2"/>',
        '<circle cx="4" cy="4" r="1.8" fill="#fff"/>',
        '<path d="M0,4 H8 M4,0 V8" stroke="#fff" stroke-width="1.5"/>',
        '<path d="M-2,6 L6,-2 M2,10 L10,2" stroke="#fff" stroke-width="1.2"/>',
        '<path d="M0,2 H8 M0,6 H8" stroke="#fff" stroke-width="1.5"/>',
    )
    defs = []
    for n in range(count):
        colour = COLOURS[n % len(COLOURS)]
        defs.append(
            f'<pattern id="{escape(chart_id)}-motif-{n}" patternUnits="userSpaceOnUse" '
            f'width="8" height="8"><rect width="8" height="8" fill="{colour}"/>'
            f"{marks[n % len(marks)]}</pattern>"
        )
    return "<defs>" + "".join(defs) + "</defs>"


def _scale(values: Sequence[float], maximum: float | None) -> float:
    return maximum if maximum and maximum > 0 else nice_ceiling(max(values, default=0))


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, float]],
    maximum: float | None = None,
    unit: str = "",
) -> str:
    """One horizontal bar per (label, value), its value written after it (followed by `unit`,
    e.g. « % »); bars scale to `maximum` (100 for shares) or to a round number above the
    largest value."""
    if not rows:
        return _no_data(chart_id, title, description)
    scale = _scale([v for _, v in rows], maximum)
    left = LABEL_WIDTH + 10
    room = VIEW_WIDTH - left - 90  # the value's place after the longest bar
    height = ROW * len(rows) + 16
    parts = _open(chart_id, title, description, height, "bars")
    for n, (label, value) in enumerate(rows):
        top = 8 + n * ROW
        width = max(min(value, scale), 0) / scale * room
        parts.append(_label(LABEL_WIDTH, top, label, ROW))
        parts.append(
            f'<rect class="bar" x="{left}" y="{top + 8:.1f}" width="{width:.1f}" '
            f'height="{ROW - 16}" fill="{COLOURS[0]}"/>'
        )
        parts.append(_text(left + width + 6, top + ROW / 2 + 5, number(value) + unit, css="value"))
    parts.append(
        f'<line x1="{left}" y1="4" x2="{left}" y2="{height - 4:.0f}" stroke="{INK}" '
        f'stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _legend(chart_id: str, names: Sequence[str], top: float, line: bool = False) -> list[str]:
    """The series' names, each after its swatch (pattern) or its line sample (dash, marker), in
    rows of two."""
    parts = []
    column = VIEW_WIDTH / 2
    for n, name in enumerate(names):
        x = 10 + (n % 2) * column
        y = top + (n // 2) * (FONT + 12)
        if line:
            colour = COLOURS[n % len(COLOURS)]
            dash = (
                f' stroke-dasharray="{DASHES[n % len(DASHES)]}"' if DASHES[n % len(DASHES)] else ""
            )
            parts.append(
                f'<line class="legend-line" x1="{x:.1f}" y1="{y - 5:.1f}" x2="{x + 34:.1f}" '
                f'y2="{y - 5:.1f}" stroke="{colour}" stroke-width="2.5"{dash}/>'
            )
            parts.append(_marker(n, x + 17, y - 5, "legend-point"))
        else:
            parts.append(
                f'<rect class="swatch" x="{x:.1f}" y="{y - 13:.1f}" width="34" height="16" '
                f'fill="url(#{escape(chart_id)}-motif-{n})" stroke="{INK}" stroke-width="0.5"/>'
            )
        text = _lines(name, 38, 1)[0]
        parts.append(_text(x + 42, y, text, css="legend"))
    return parts


def _legend_height(count: int) -> float:
    return math.ceil(count / 2) * (FONT + 12) + 8


def stacked_bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
) -> str:
    """One horizontal bar per category, cut into one segment per series (each its pattern,
    named in the legend above), each segment's value written on it when it fits, the bar's
    total after it."""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    if not categories or not series:
        return _no_data(chart_id, title, description)
    scale = nice_ceiling(max(totals, default=0))
    left = LABEL_WIDTH + 10
    room = VIEW_WIDTH - left - 90
    head = _legend_height(len(series)) + 14
    height = head + ROW * len(categories) + 16
    parts = _open(chart_id, title, description, height, "stacked")
    parts.append(_patterns(chart_id, len(series)))
    parts += _legend(chart_id, [name for name, _ in series], 22)
    for row, label in enumerate(categories):
        top = head + row * ROW
        parts.append(_label(LABEL_WIDTH, top, label, ROW))
        x = float(left)
        for n, (_name, values) in enumerate(series):
            value = max(values[row], 0)
            width = value / scale * room
            if width <= 0:
                continue
            parts.append(
                f'<rect class="segment" x="{x:.1f}" y="{top + 8:.1f}" width="{width:.1f}" '
                f'height="{ROW - 16}" fill="url(#{escape(chart_id)}-motif-{n})" '
                f'stroke="#fff" stroke-width="1"/>'
            )
            text = number(values[row])
            label_width = 9 * len(text) + 8
            if width >= label_width + 2:
                middle = x + width / 2
                parts.append(
                    f'<rect x="{middle - label_width / 2:.1f}" y="{top + ROW / 2 - 9:.1f}" '
                    f'width="{label_width}" height="18" rx="3" fill="#fff"/>'
                )
                parts.append(_text(middle, top + ROW / 2 + 5, text, "middle", "value"))
            x += width
        parts.append(_text(x + 6, top + ROW / 2 + 5, number(totals[row]), css="value total"))
    parts.append(
        f'<line x1="{left}" y1="{head - 4:.0f}" x2="{left}" y2="{height - 4:.0f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _marker(n: int, x: float, y: float, css: str = "point") -> str:
    colour = COLOURS[n % len(COLOURS)]
    shape = MARKERS[n % len(MARKERS)]
    if shape == "square":
        return (
            f'<rect class="{css}" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
            f'fill="{colour}"/>'
        )
    if shape == "triangle":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}"
        return f'<polygon class="{css}" points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon class="{css}" points="{points}" fill="{colour}"/>'
    return f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    maximum: float | None = None,
    unit: str = "",
) -> str:
    """Values over time, one line per series (its colour, dash style and marker, named in the
    legend), on a vertical axis from 0 to `maximum` or a round number above the largest value;
    x labels thinned out so that they never overlap."""
    present = [v for _, values in series for v in values if v is not None]
    if not x_labels or not series or not present:
        return _no_data(chart_id, title, description)
    scale = _scale(present, maximum)
    left, right = 70, VIEW_WIDTH - 60
    head = _legend_height(len(series)) + 30
    plot = 240
    bottom = head + plot
    height = bottom + 40
    parts = _open(chart_id, title, description, height, "lines")
    parts += _legend(chart_id, [name for name, _ in series], 22, line=True)
    dotted = ' stroke-dasharray="1 3"'
    for tick in range(5):
        value = scale * tick / 4
        y = bottom - plot * tick / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-width="{1 if tick else 1.5}"{dotted if tick else ""}/>'
        )
        parts.append(_text(left - 8, y + 5, number(value) + unit, "end", "tick"))
    count = len(x_labels)
    step_x = (right - left) / max(count - 1, 1)

    def x_of(i: int) -> float:
        return (left + right) / 2 if count == 1 else left + i * step_x

    widest = max(len(label) for label in x_labels) * 8 + 10
    every = max(1, math.ceil(widest / step_x)) if count > 1 else 1
    for i, label in enumerate(x_labels):
        if i % every == 0:
            parts.append(_text(x_of(i), bottom + 22, label, "middle", "tick"))
    for n, (_name, values) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        dash = DASHES[n % len(DASHES)]
        points, runs, run = [], [], []
        for i, v in enumerate(values[:count]):
            if v is None:
                runs.append(run)
                run = []
                continue
            point = (x_of(i), bottom - plot * min(max(v, 0), scale) / scale, v)
            points.append(point)
            run.append(f"{point[0]:.1f},{point[1]:.1f}")
        runs.append(run)
        for run in runs:
            if len(run) > 1:
                dashed = f' stroke-dasharray="{dash}"' if dash else ""
                parts.append(
                    f'<polyline class="line" points="{" ".join(run)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2.5"{dashed}/>'
                )
        for x, y, _v in points:
            parts.append(_marker(n, x, y))
        labelled = points if len(series) == 1 else points[-1:]
        for x, y, v in labelled:
            parts.append(_text(x, y - 10, number(v) + unit, "middle", "value"))
    parts.append("</svg>")
    return "\n".join(parts)
