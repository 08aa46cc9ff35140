"""A radar chart of principle scores as inline SVG. Pure: values in, markup out.

Drawn with presentation attributes only (no style attribute: the CSP forbids inline
styles), with a title and a description; pages always show the data table beside it.

Where the issue was silent, decided here: every text sits on the white page, outside the
drawing (axe-core can then measure its contrast; the rings' values are said once in the
legend, not written over the scores); labels are LABEL_FONT px in a viewBox of VIEW_WIDTH, so
that the report, which prints it PRINT_WIDTH_MM wide, keeps them at 12 px or more; the
previous assessment's dashed outline has its line in the legend.
"""

import math
import textwrap
from xml.sax.saxutils import escape  # nosec B406  # escapes the SVG written, parses no XML


def _point(cx: float, cy: float, radius: float, index: int, count: int) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


LABEL_FONT = 15
VIEW_WIDTH = 720
PRINT_WIDTH_MM = 170  # the PDF report's width for the chart (templates/assessments/report_pdf)
INK = "#1e1e1e"  # 16.6:1 on white
CURRENT = "#00587c"
PREVIOUS = "#4a4a4a"


def radar_svg(
    axes: list[tuple[str, float | None]],
    title: str,
    description: str,
    size: int = 520,
    previous: list[float | None] | None = None,
    legend: tuple[str, str] = ("Cette auto-évaluation", "Auto-évaluation précédente"),
    scale_note: str = "Cercles : 20, 40, 60, 80 et 100 points",
) -> str:
    """Scores 0–100 on one axis each (None drawn as 0); `previous` draws a dashed outline, named
    in the legend with `legend` (current, previous)."""
    count = max(len(axes), 3)
    margin = (VIEW_WIDTH - size) / 2  # room on both sides for the labels, wrapped
    cx = cy = size / 2
    top = 20
    cy += top
    radius = size / 2 - 60
    line = LABEL_FONT + 3
    legend_rows = 2 if previous else 1
    legend_top = cy + radius + 2 * line  # under the lowest labels
    height = legend_top + line * legend_rows
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-margin:.0f} 0 {VIEW_WIDTH} '
        f'{height:.0f}" width="{VIEW_WIDTH}" height="{height:.0f}" role="img" '
        f'aria-labelledby="radar-titre radar-desc" class="radar" font-family="sans-serif">',
        f'<title id="radar-titre">{escape(title)}</title>',
        f'<desc id="radar-desc">{escape(description)}</desc>',
    ]
    for level in (20, 40, 60, 80, 100):
        ring = " ".join(
            "{:.1f},{:.1f}".format(*_point(cx, cy, radius * level / 100, i, count))
            for i in range(count)
        )
        parts.append(f'<polygon points="{ring}" fill="none" stroke="#b3bec6" stroke-width="1"/>')
    for i, (label, _score) in enumerate(axes):
        x, y = _point(cx, cy, radius, i, count)
        parts.append(
            f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#b3bec6" '
            f'stroke-width="1"/>'
        )
        lx, ly = _point(cx, cy, radius + 16, i, count)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        lines = textwrap.wrap(label, 24) or [""]
        first = ly + 5 - ((line * (len(lines) - 1) + 6) if ly < cy - 10 else 0)
        if abs(lx - cx) < 10 and ly < cy:
            first = ly - line * (len(lines) - 1) - 4
        spans = "".join(
            f'<tspan x="{lx:.1f}" dy="{0 if n == 0 else line}">{escape(text)}</tspan>'
            for n, text in enumerate(lines)
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{first:.1f}" font-size="{LABEL_FONT}" '
            f'text-anchor="{anchor}" fill="{INK}">{spans}</text>'
        )

    def outline(scores: list[float | None]) -> str:
        return " ".join(
            "{:.1f},{:.1f}".format(*_point(cx, cy, radius * (s or 0) / 100, i, count))
            for i, s in enumerate(scores)
        )

    if previous:
        parts.append(
            f'<polygon points="{outline(previous)}" fill="none" stroke="{PREVIOUS}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
    scores = [s for _label, s in axes]
    parts.append(
        f'<polygon points="{outline(scores)}" fill="{CURRENT}" fill-opacity="0.2" '
        f'stroke="{CURRENT}" stroke-width="2.5"/>'
    )
    for i, s in enumerate(scores):
        x, y = _point(cx, cy, radius * (s or 0) / 100, i, count)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{CURRENT}"/>')
    # The legend, under the drawing, on white.
    y = legend_top
    left = -margin + 20
    if previous:
        for n, (stroke, dash, text) in enumerate(
            ((CURRENT, "", legend[0]), (PREVIOUS, ' stroke-dasharray="6 4"', legend[1]))
        ):
            row = y + n * line
            parts.append(
                f'<line class="legend-line" x1="{left:.0f}" y1="{row - 5:.0f}" '
                f'x2="{left + 36:.0f}" y2="{row - 5:.0f}" stroke="{stroke}" '
                f'stroke-width="{2.5 if n == 0 else 2}"{dash}/>'
            )
            parts.append(
                f'<text class="legend" x="{left + 44:.0f}" y="{row:.0f}" '
                f'font-size="{LABEL_FONT}" fill="{INK}">{escape(text)}</text>'
            )
    parts.append(
        f'<text class="legend" x="{VIEW_WIDTH - margin - 20:.0f}" y="{legend_top:.0f}" '
        f'font-size="{LABEL_FONT}" text-anchor="end" fill="{INK}">{escape(scale_note)}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
