"""QR codes as inline SVG (segno is pure Python: nothing native in the layer).

Always a standard QR code, never Micro QR: segno picks Micro QR for short data when let, and
phone cameras and common till scanners do not read it. A 10-character card or coupon code
(uppercase letters and digits) fits version 1 in alphanumeric mode: 21 × 21 modules, with
error correction boosted to the highest level that still fits (H for 10 characters).

The SVG has a viewBox and no width or height, so the page's CSS sets its size and it scales
sharply; a quiet zone of 4 modules is part of the drawing, as the QR standard asks.
"""

from __future__ import annotations

QUIET_ZONE = 4  # modules of light margin around the symbol (ISO/IEC 18004)


def qr_svg(data: str) -> str:
    """``data`` as a standard QR code in an inline ``<svg>`` that CSS sizes."""
    # Imported here, not with the module: only the card page and the poster draw a QR code,
    # and the functions' other calls (the JSON API, the till) start without it.
    import segno

    qr = segno.make(data, error="m", micro=False)
    svg = qr.svg_inline(border=QUIET_ZONE, omitsize=True, dark="#1d1d1f", light="#ffffff")
    # Whole modules, no anti-aliased seams between them, at any size the CSS gives.
    return svg.replace("<svg ", '<svg shape-rendering="crispEdges" ', 1)
