"""The font that PDFs embed for Chinese text, so that they read on any machine.

A PDF that only names a CJK font (as ReportLab's built-in ``STSong-Light`` does) shows
gaps wherever the reader has no such font installed.  Our PDFs instead embed a
TrueType font, as a subset of the glyphs they use (ReportLab's ``TTFont``), so the
monthly report and the label sheets look the same everywhere.

Which file: the ``PDF_FONT_PATH`` setting (the app's config, else the environment), or
else the first of :data:`DEBIAN_FONTS` that is installed.  ``make`` and
``.ci/services.sh`` install ``fonts-wqy-microhei``: WenQuanYi Micro Hei, Apache-2.0 (or
GPL-3 with the font exception, which allows embedding), 5 MB, TrueType outlines.  Noto
CJK (``fonts-noto-cjk``) will not do: its ``.ttc``/``.otf`` files have CFF outlines,
which ReportLab cannot embed.  Without a usable font the renderers raise
:class:`FontMissing` saying what to install, never a PDF with blank gaps.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from gannan.platform.errors import ProblemError

CJK_FONT = "GannanCJK"  # the name our PDFs use for it
SETTING = "PDF_FONT_PATH"
DEBIAN_PACKAGE = "fonts-wqy-microhei"
#: TrueType CJK fonts of Debian packages, best first: (path, index of the face in a .ttc).
DEBIAN_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # fonts-arphic-uming
)
PROBE = "赣南脐橙"  # a font that lacks these is no font for our PDFs


class FontMissing(ProblemError):
    """No usable font for Chinese text: a PDF cannot be made on this server."""

    status, code, title = 503, "pdf_font_missing", "No font for Chinese text in PDFs"


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0  # the face in a TrueType collection (.ttc)


def configured_path() -> str:
    """The ``PDF_FONT_PATH`` setting: the app's config inside an app, else the environment."""
    if has_app_context() and current_app.config.get(SETTING):
        return str(current_app.config[SETTING])
    return os.environ.get(SETTING, "")


def find_font() -> FontFile:
    """The font file to embed: the setting when it is given, else a Debian package's."""
    path = configured_path()
    if path:
        if not Path(path).is_file():
            raise FontMissing(f"{SETTING}={path} is not a file. Point it at a TrueType font "
                              f"with Chinese glyphs, or unset it and install {DEBIAN_PACKAGE}.")
        return FontFile(path)
    for candidate, index in DEBIAN_FONTS:
        if Path(candidate).is_file():
            return FontFile(candidate, index)
    raise FontMissing(f"No font for Chinese text is installed, so no PDF can be made. Install "
                      f"it: apt-get install {DEBIAN_PACKAGE} (make run and make test do this as "
                      f"root), or set {SETTING} to a TrueType font (.ttf/.ttc) with Chinese glyphs.")


_registered: dict[str, FontFile] = {}
_lock = threading.Lock()


def register_cjk_font() -> FontFile:
    """Register the font to embed as :data:`CJK_FONT` (again only when ``PDF_FONT_PATH``
    names another file) and say which it is, so that a cache of widths can tell."""
    font = find_font()
    with _lock:
        if _registered.get(CJK_FONT) != font:
            pdfmetrics.registerFont(_load(CJK_FONT, font))
            _registered[CJK_FONT] = font
    return font


def _load(name: str, font: FontFile) -> TTFont:
    try:
        # Shaping (uharfbuzz, when installed) is for scripts that need it, not Chinese;
        # off, the same text gives the same bytes whether or not it is installed.
        loaded = TTFont(name, font.path, subfontIndex=font.index, shapable=False)
    except (TTFError, OSError) as exc:
        raise FontMissing(f"{font.path} cannot be embedded: {exc}. ReportLab embeds TrueType "
                          f"outlines only (not the CFF outlines of Noto CJK); install "
                          f"{DEBIAN_PACKAGE} or point {SETTING} at another font.") from exc
    if any(ord(char) not in loaded.face.charToGlyph for char in PROBE):
        raise FontMissing(f"{font.path} has no Chinese glyphs; install {DEBIAN_PACKAGE} or "
                          f"point {SETTING} at a font that has them.")
    return loaded
