"""The badge a labelled structure shows on its own website: an SVG image of the label's mark,
the structure's name and the label's status today, and the HTML snippet that embeds it.

- the badge always says the certificate's public status now (`services.public_status`), never
  the one it was issued with: a suspension or a revocation shows on every website within the
  cache's minute;
- a superseded certificate's badge says what the edition that replaced it says (a corrected
  name does not turn a structure's badge into « remplacé »);
- the text is white on the status's colour, each colour of a contrast of 4.5:1 at least with
  white (WCAG 2.x, AA for normal text);
- the structure's name is cut, with « … », to what fits the badge's width, measured with the
  advance widths of DejaVu Sans (Verdana's metrics, within a few per cent), the first of the
  fonts the badge asks for; characters XML forbids are dropped, the rest escaped;
- the image is accessible on its own: role="img", named by its <title>; the snippet's <img>
  has its own alt text and links to the public verification page.
"""

import html
import re
from xml.sax.saxutils import escape

# The status's colour (white text on it): green valid, amber-brown suspended, red revoked,
# grey for a label that has ended otherwise.
COLOURS = {
    "valid": "#1a6b36",
    "suspended": "#8a4600",
    "revoked": "#a3162b",
    "expired": "#4f5660",
    "superseded": "#4f5660",
}
TEXT_COLOUR = "#ffffff"
FONT = "DejaVu Sans,Verdana,Geneva,sans-serif"

HEIGHT = 52
MARK = 40  # the mark's side, left of the text
TEXT_X = 56
PADDING = 12  # right of the longest line
HEADLINE_SIZE = 12
NAME_SIZE = 12
NAME_MAX_WIDTH = 300  # pixels: a longer name is cut
MIN_WIDTH = 200

# Advance widths of DejaVu Sans, in em (units per em 2048), for the characters that stray far
# from the average; anything else counts as an average lowercase letter.
_NARROW = dict.fromkeys("il.,;:!'|", 0.28) | dict.fromkeys(" ", 0.32)
_WIDTHS = {
    **_NARROW,
    "j": 0.28,
    "I": 0.30,
    "f": 0.36,
    "t": 0.40,
    "r": 0.42,
    "-": 0.36,
    "(": 0.39,
    ")": 0.39,
    "m": 0.98,
    "w": 0.82,
    "M": 0.87,
    "W": 0.99,
    "—": 1.0,
    "…": 1.0,
    "&": 0.78,
}
_AVERAGE_LOWER = 0.62
_AVERAGE_UPPER = 0.72
_DIGIT = 0.64
BOLD_FACTOR = 1.1  # DejaVu Sans Bold runs about a tenth wider
ELLIPSIS = "…"
# Characters XML 1.0 refuses (C0 controls but tab, line feed, carriage return; surrogates
# cannot come from a str read from the database; U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in pixels of `text` drawn at `size` pixels (an estimate, on the high side)."""
    em = 0.0
    for char in text:
        if char in _WIDTHS:
            em += _WIDTHS[char]
        elif char.isupper():
            em += _AVERAGE_UPPER
        elif char.isdigit():
            em += _DIGIT
        else:
            em += _AVERAGE_LOWER
    return em * size * (BOLD_FACTOR if bold else 1.0)


def clean(text: str) -> str:
    """`text` on one line, without the characters XML refuses, spaces collapsed (not the
    non-breaking ones French puts before « : »)."""
    return re.sub(r"[ \t\r\n]+", " ", _NOT_XML.sub("", text)).strip(" ")


def fit(text: str, size: float, max_width: float, bold: bool = False) -> str:
    """`text`, or its longest start followed by « … » that fits `max_width` pixels."""
    if text_width(text, size, bold) <= max_width:
        return text
    cut = len(text)
    while cut > 0 and text_width(text[:cut].rstrip() + ELLIPSIS, size, bold) > max_width:
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def svg(status: str, headline: str, name: str, title: str) -> str:
    """The badge: the mark, `headline` (« Label ESS valide jusqu'au … ») over the structure's
    `name`, on the colour of `status` (a CertificateStatus value); `title` names the image."""
    headline, title = clean(headline), clean(title)
    name = fit(clean(name), NAME_SIZE, NAME_MAX_WIDTH)
    longest = max(text_width(headline, HEADLINE_SIZE, bold=True), text_width(name, NAME_SIZE), 0.0)
    width = max(MIN_WIDTH, round(TEXT_X + longest + PADDING))
    colour = COLOURS[status]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-labelledby="badge-title">'
        f'<title id="badge-title">{escape(title)}</title>'
        f'<rect width="{width}" height="{HEIGHT}" rx="6" fill="{colour}"/>'
        f"{_mark()}"
        f'<g fill="{TEXT_COLOUR}" font-family="{FONT}">'
        f'<text x="{TEXT_X}" y="22" font-size="{HEADLINE_SIZE}" font-weight="bold" '
        f'class="headline">{escape(headline)}</text>'
        f'<text x="{TEXT_X}" y="40" font-size="{NAME_SIZE}" class="name">{escape(name)}</text>'
        "</g></svg>"
    )


def _mark() -> str:
    """The label's mark (static/certificat/logo.svg, without its lettering) on a white disc,
    in the badge's left square."""
    return (
        f'<g transform="translate(6 6) scale({MARK / 120:.4f})" aria-hidden="true">'
        '<circle cx="60" cy="60" r="60" fill="#ffffff"/>'
        '<circle cx="60" cy="60" r="54" fill="#00587c"/>'
        '<g fill="#ffffff"><circle cx="60" cy="36" r="9"/><circle cx="35" cy="78" r="9"/>'
        '<circle cx="85" cy="78" r="9"/></g>'
        '<g stroke="#ffffff" stroke-width="5" fill="none" stroke-linecap="round">'
        '<path d="M55 44 L40 70"/><path d="M65 44 L80 70"/><path d="M45 80 L75 80"/></g>'
        "</g>"
    )


def snippet(verification_url: str, badge_url: str, alt: str) -> str:
    """The HTML a structure pastes into its website: the badge, linking to the certificate's
    public verification page."""
    return (
        f'<a href="{html.escape(verification_url)}">'
        f'<img src="{html.escape(badge_url)}" alt="{html.escape(clean(alt))}" '
        f'height="{HEIGHT}" /></a>'
    )
