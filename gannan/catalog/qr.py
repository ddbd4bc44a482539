"""QR codes for trace URLs, through the qrcode library (PNG via pypng, SVG natively)."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathImage


def _qr(data: str) -> qrcode.QRCode:
    # Medium error correction survives a scuffed label on a fruit box.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    _qr(data).make_image(image_factory=PyPNGImage).save(buffer)
    return buffer.getvalue()


def qr_svg(data: str) -> bytes:
    buffer = io.BytesIO()
    _qr(data).make_image(image_factory=SvgPathImage).save(buffer)
    return buffer.getvalue()
