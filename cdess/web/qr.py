"""QR codes as SVG data URIs: the certificate's verification address, the room's check-in."""

import base64
import io

import segno


def qr_svg(url: str) -> str:
    """The QR code of `url`, as an SVG data URI (medium error correction)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", xmldecl=False, border=0, dark="#1e1e1e")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
