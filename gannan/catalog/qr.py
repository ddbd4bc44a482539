"""QR codes for trace URLs, through the qrcode library (PNG via pypng, SVG natively)."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage
from qrcode.image.svg import SvgPathImage


def _qr(data: str, border: int = 4) -> qrcode.QRCode:
    # Medium error correction survives a scuffed label on a fruit box.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8,
                         border=border)
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


def qr_modules(data: str) -> list[list[bool]]:
    """The same code as rows of modules (True: dark), without the quiet zone, for
    drawing it at any size: the label sheet leaves the quiet zone blank itself."""
    return _qr(data, border=0).get_matrix()
