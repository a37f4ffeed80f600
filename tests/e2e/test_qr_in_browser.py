"""The card page's QR codes, as Chromium draws them on a phone-sized screen, scan as the card
code and the coupon code: a real decoder reads screenshots of the two elements."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from tests.e2e.support import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.chromium]

PHONE = {"width": 390, "height": 844}


def scanned(element: Any) -> list[tuple[zxingcpp.BarcodeFormat, str]]:
    """What a scanner reads from the element as shown on the screen."""
    image = Image.open(io.BytesIO(element.screenshot()))
    return [(barcode.format, barcode.text) for barcode in zxingcpp.read_barcodes(image)]


def test_the_card_and_coupon_qr_codes_scan_as_their_codes(page: Any, stack: Stack) -> None:
    member = stack.new_member(stack.new_club(locale="en")["club_id"])
    me = stack.me(member)
    (coupon,) = [c for c in me["coupons"] if c["kind"] == "welcome"]
    page.set_viewport_size(PHONE)
    page.goto(member.card_path)

    card_qr = page.locator(".code svg")
    assert scanned(card_qr) == [(zxingcpp.BarcodeFormat.QRCode, me["card_code"])]
    coupon_qr = page.locator(f'[data-coupon="{coupon["code"]}"] svg')
    assert scanned(coupon_qr) == [(zxingcpp.BarcodeFormat.QRCode, coupon["code"])]


def test_the_card_qr_code_is_square_and_centred(page: Any, stack: Stack) -> None:
    member = stack.new_member(stack.new_club(locale="en")["club_id"])
    page.set_viewport_size(PHONE)
    page.goto(member.card_path)

    panel = page.locator("section.code").bounding_box()
    qr = page.locator(".code svg").bounding_box()
    assert qr["width"] == qr["height"] == 176, "11rem, as the CSS says"
    left, right = qr["x"] - panel["x"], panel["x"] + panel["width"] - (qr["x"] + qr["width"])
    assert abs(left - right) <= 1, (left, right)
    coupon_qr = page.locator("[data-coupon] svg").first.bounding_box()
    assert coupon_qr["width"] == coupon_qr["height"] == 96, "6rem"
