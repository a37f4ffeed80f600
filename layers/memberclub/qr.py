"""QR codes as inline SVG (segno is pure Python: nothing native in the layer)."""

from __future__ import annotations

import segno


def qr_svg(data: str, *, scale: int = 4) -> str:
    return segno.make(data, error="m").svg_inline(scale=scale, border=2, dark="#1d1d1f", light="#ffffff")
