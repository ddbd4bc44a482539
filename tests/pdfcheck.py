"""Looking at a PDF as its reader would: which fonts it carries, what a page looks like
on a machine with no fonts at all (pdftoppm), and what its QR codes say (zbarimg)."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from xml.etree import ElementTree

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from tests.services import need_program

# A fontconfig with no font directory: poppler then draws only what the PDF embeds.
NO_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
ZBAR = "{http://zbar.sourceforge.net/2008/barcode}"


def embedded_fonts(data: bytes) -> dict[str, str | None]:
    """Every font the pages and their forms use: base name → the key of its embedded
    font program (``/FontFile2`` for TrueType), or None when the reader must supply it."""
    found: dict[str, str | None] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        _collect(page.get("/Resources"), found, depth=0)
    return found


def _collect(resources: object, found: dict[str, str | None], depth: int) -> None:
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject) or depth > 8:
        return
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if font.get("/Subtype") == "/Type0":
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        else:
            descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else {}
        found[str(font["/BaseFont"])] = next((k for k in FONT_FILES if k in descriptor), None)
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            _collect(xobject.get("/Resources"), found, depth + 1)


def rasterise(data: bytes, folder: Path, *, page: int = 1, dpi: int = 72,
              png: bool = False) -> Path:
    """One page as a grey PGM (or a PNG) drawn by poppler with no system font at all, as
    on a machine with no CJK font (and no other): only embedded glyphs show."""
    pdftoppm = need_program("pdftoppm", "poppler-utils")
    source = folder / "document.pdf"
    source.write_bytes(data)
    config = folder / "no-fonts.conf"
    config.write_text(NO_FONTS_CONF.format(cache=folder / "fontconfig-cache"))
    stem = folder / f"page-{page}"
    subprocess.run([pdftoppm, "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    "-png" if png else "-gray", str(source), str(stem)],
                   check=True, capture_output=True, timeout=120,
                   env={**os.environ, "FONTCONFIG_FILE": str(config)})
    return stem.with_suffix(".png" if png else ".pgm")


def read_pgm(pgm: Path) -> tuple[int, int, bytes]:
    """Width, height and the grey bytes (one per pixel, 0 black) of a binary PGM."""
    data = pgm.read_bytes()
    magic, width, height, _, _ = data.split(maxsplit=4)
    assert magic == b"P5"
    width, height = int(width), int(height)
    return width, height, data[-width * height:]


def ink(pgm: Path, box: tuple[int, int, int, int]) -> float:
    """The share of dark pixels in ``box`` (left, top, right, bottom) of a grey PGM."""
    width, _, pixels = read_pgm(pgm)
    left, top, right, bottom = box
    dark = sum(1 for y in range(top, bottom) for x in range(left, right)
               if pixels[y * width + x] < 128)
    return dark / ((right - left) * (bottom - top))


def crop(pgm: Path, box: tuple[int, int, int, int], target: Path) -> Path:
    """``box`` (left, top, right, bottom) of a grey PGM as a PGM of its own."""
    width, _, pixels = read_pgm(pgm)
    left, top, right, bottom = box
    rows = b"".join(pixels[y * width + left:y * width + right] for y in range(top, bottom))
    target.write_bytes(b"P5\n%d %d\n255\n" % (right - left, bottom - top) + rows)
    return target


def decode_qr_codes(images: list[Path]) -> list[list[str]]:
    """For each image, the text of every QR code zbarimg finds in it."""
    zbarimg = need_program("zbarimg", "zbar-tools")
    result = subprocess.run([zbarimg, "--xml", "--quiet", "--nodbus", "-Sdisable",
                             "-Sqrcode.enable", *map(str, images)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 4), result.stderr  # 4: no image had a symbol
    found: dict[str, list[str]] = {str(image): [] for image in images}
    for source in ElementTree.fromstring(result.stdout).iter(f"{ZBAR}source"):
        found[source.get("href")] = [data.text or "" for data in source.iter(f"{ZBAR}data")]
    return [found[str(image)] for image in images]


def label_qr_codes(data: bytes, folder: Path, dpi: int = 150) -> list[list[str]]:
    """What the QR code of each label spot of a label sheet's first page says: the page
    drawn with no system font, cut along the 3 × 8 grid of gannan.catalog.labels."""
    from gannan.catalog.labels import COLUMNS, LABEL_HEIGHT, LABEL_WIDTH, PER_SHEET, SHEET_TOP

    page = rasterise(data, folder, dpi=dpi)
    scale = dpi / 72
    images = []
    for index in range(PER_SHEET):
        row, column = divmod(index, COLUMNS)
        top = SHEET_TOP + row * LABEL_HEIGHT
        box = (round(column * LABEL_WIDTH * scale), round(top * scale),
               round((column + 1) * LABEL_WIDTH * scale), round((top + LABEL_HEIGHT) * scale))
        images.append(crop(page, box, folder / f"label-{index:02d}.pgm"))
    return decode_qr_codes(images)
