"""The card's and coupons' QR codes: standard QR (not Micro QR), sized by CSS, read back by a
real decoder from a raster of the very SVG the page carries."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import segno
import zxingcpp
from PIL import Image

from memberclub.web.qr import QUIET_ZONE, qr_svg

LIGHT, DARK = 255, 0
# Codes of the card and coupon alphabet (ids._READABLE), every character at least once.
CODES = ["ABCDEFGHJK", "MNPQRSTUVW", "XYZ2345678", "9A2B3C4D5E"]


def modules(svg: str) -> list[list[int]]:
    """Draw segno's inline SVG one pixel per viewBox unit: a light square, then dark paths of
    horizontal runs ("M x y", "m dx dy", "h n"), each stroked one unit tall around y.

    Any other command fails: a change in what segno writes must show here, not slip through."""
    root = ET.fromstring(svg)
    x0, y0, width, height = (int(v) for v in root.attrib["viewBox"].split())
    assert (x0, y0) == (0, 0)
    grid = [[LIGHT] * width for _ in range(height)]
    for path in root.iter("path"):
        if "stroke" not in path.attrib:
            assert path.attrib.get("fill") in ("#fff", "#ffffff"), path.attrib  # the light square
            continue
        x = y = 0.0
        for command, args in re.findall(r"([A-Za-z])([^A-Za-z]*)", path.attrib["d"]):
            numbers = [float(n) for n in args.replace(",", " ").split()]
            if command == "M":
                x, y = numbers
            elif command == "m":
                x, y = x + numbers[0], y + numbers[1]
            elif command == "h":
                (run,) = numbers
                row = int(y - 0.5)
                for column in range(int(x), int(x + run)):
                    grid[row][column] = DARK
                x += run
            else:
                raise AssertionError(f"unexpected path command {command!r} in {svg[:200]}")
    return grid


def raster(grid: list[list[int]], pixels_per_module: int = 8) -> Image.Image:
    small = Image.frombytes("L", (len(grid[0]), len(grid)), bytes(v for row in grid for v in row))
    return small.resize((small.width * pixels_per_module, small.height * pixels_per_module), Image.NEAREST)


def test_the_svg_is_sized_by_css_and_drawn_crisp() -> None:
    root = ET.fromstring(qr_svg("ABCDEFGHJK"))
    assert root.tag == "svg"
    assert root.attrib["viewBox"] == "0 0 29 29", "version 1 (21 modules) and a quiet zone of 4 on each side"
    assert "width" not in root.attrib and "height" not in root.attrib, "the page's CSS sets the size"
    assert root.attrib["shape-rendering"] == "crispEdges"


@pytest.mark.parametrize("code", CODES)
def test_a_code_is_a_standard_version_1_qr_code_that_decodes_to_itself(code: str) -> None:
    grid = modules(qr_svg(code))
    assert len(grid) - 2 * QUIET_ZONE == 21, "version 1: 21 modules; Micro QR would be 11 to 17"
    found = zxingcpp.read_barcodes(raster(grid))
    assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.QRCode, code)]
    assert found[0].extra["Version"] == "1"
    assert found[0].extra["ECLevel"] in ("M", "Q", "H")


def test_the_quiet_zone_is_four_light_modules_on_every_side() -> None:
    grid = modules(qr_svg("ABCDEFGHJK"))
    size = len(grid)
    border = [grid[r][c] for r in range(size) for c in range(size)
              if min(r, c) < QUIET_ZONE or max(r, c) >= size - QUIET_ZONE]
    assert set(border) == {LIGHT}
    # The finder patterns start right inside it: the top-left corner of the symbol is dark.
    assert grid[QUIET_ZONE][QUIET_ZONE] == DARK
    assert grid[size - QUIET_ZONE - 1][QUIET_ZONE] == DARK


def test_a_micro_qr_code_would_be_told_apart() -> None:
    """The decoder reads Micro QR too: the format check above is what tells them apart."""
    micro = segno.make("ABCDEFGHJK", error="m")  # what the card used to show
    assert micro.is_micro
    svg = micro.svg_inline(border=2, omitsize=True)
    found = zxingcpp.read_barcodes(raster(modules(svg)))
    assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.MicroQRCode, "ABCDEFGHJK")]
