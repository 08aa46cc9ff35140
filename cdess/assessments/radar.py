"""A radar chart of principle scores as inline SVG. Pure: values in, markup out.

Drawn with presentation attributes only (no style attribute: the CSP forbids inline
styles), with a title and a description; pages always show the data table beside it.
"""

import math
import textwrap
from xml.sax.saxutils import escape  # nosec B406  # escapes the SVG written, parses no XML


def _point(cx: float, cy: float, radius: float, index: int, count: int) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def radar_svg(
    axes: list[tuple[str, float | None]],
    title: str,
    description: str,
    size: int = 420,
    previous: list[float | None] | None = None,
) -> str:
    """Scores 0–100 on one axis each (None drawn as 0); `previous` draws a dashed outline."""
    count = max(len(axes), 3)
    cx = cy = size / 2
    radius = size / 2 - 90
    margin = 70  # room on both sides for the labels, wrapped on a few lines
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-margin} 0 {size + 2 * margin} '
        f'{size}" width="{size + 2 * margin}" height="{size}" role="img" '
        f'aria-labelledby="radar-titre radar-desc" class="radar">',
        f'<title id="radar-titre">{escape(title)}</title>',
        f'<desc id="radar-desc">{escape(description)}</desc>',
    ]
    for level in (20, 40, 60, 80, 100):
        ring = " ".join(
            "{:.1f},{:.1f}".format(*_point(cx, cy, radius * level / 100, i, count))
            for i in range(count)
        )
        parts.append(f'<polygon points="{ring}" fill="none" stroke="#c8d1d8" stroke-width="1"/>')
        x, y = _point(cx, cy, radius * level / 100, 0, count)
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 4:.1f}" font-size="10" fill="#4a4a4a">{level}</text>'
        )
    for i, (label, _score) in enumerate(axes):
        x, y = _point(cx, cy, radius, i, count)
        parts.append(
            f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="#c8d1d8" '
            f'stroke-width="1"/>'
        )
        lx, ly = _point(cx, cy, radius + 18, i, count)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        lines = textwrap.wrap(label, 22) or [""]
        top = ly + 4 - (14 * (len(lines) - 1) if ly < cy - 10 else 0)
        spans = "".join(
            f'<tspan x="{lx:.1f}" dy="{0 if n == 0 else 14}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{top:.1f}" font-size="12" text-anchor="{anchor}" '
            f'fill="#1e1e1e">{spans}</text>'
        )

    def outline(scores: list[float | None]) -> str:
        return " ".join(
            "{:.1f},{:.1f}".format(*_point(cx, cy, radius * (s or 0) / 100, i, count))
            for i, s in enumerate(scores)
        )

    if previous:
        parts.append(
            f'<polygon points="{outline(previous)}" fill="none" stroke="#4a4a4a" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
    scores = [s for _label, s in axes]
    parts.append(
        f'<polygon points="{outline(scores)}" fill="#00587c" fill-opacity="0.25" '
        f'stroke="#00587c" stroke-width="2.5"/>'
    )
    for i, s in enumerate(scores):
        x, y = _point(cx, cy, radius * (s or 0) / 100, i, count)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#00587c"/>')
    parts.append("</svg>")
    return "\n".join(parts)
