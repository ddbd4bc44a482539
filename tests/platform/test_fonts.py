"""The font PDFs embed for Chinese: found by setting or in Debian's place, refused with
a clear error (never a PDF with blank gaps) when it is missing or unusable."""

from __future__ import annotations

from pathlib import Path

import pytest
import reportlab

from gannan.platform import fonts
from gannan.platform.fonts import FontMissing, find_font, register_cjk_font

VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"  # Latin only


def test_the_installed_font_is_found_and_has_chinese(monkeypatch) -> None:
    monkeypatch.delenv("PDF_FONT_PATH", raising=False)
    font = find_font()
    assert Path(font.path).is_file()
    assert font.path in [path for path, _ in fonts.DEBIAN_FONTS]
    assert register_cjk_font() == font


def test_the_setting_names_the_file(monkeypatch, tmp_path) -> None:
    installed = find_font()
    alias = tmp_path / "chinese.ttc"
    alias.symlink_to(installed.path)
    monkeypatch.setenv("PDF_FONT_PATH", str(alias))
    assert find_font().path == str(alias)


def test_the_apps_setting_wins_over_the_environment(app, monkeypatch) -> None:
    monkeypatch.setenv("PDF_FONT_PATH", "/nowhere/from-the-environment.ttf")
    monkeypatch.setitem(app.config, "PDF_FONT_PATH", "/nowhere/from-the-config.ttf")
    with app.app_context(), pytest.raises(FontMissing, match="from-the-config"):
        find_font()


def test_a_missing_file_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("PDF_FONT_PATH", "/nowhere/font.ttf")
    with pytest.raises(FontMissing, match=r"PDF_FONT_PATH=/nowhere/font.ttf is not a file"):
        register_cjk_font()


def test_no_font_installed_says_what_to_install(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("PDF_FONT_PATH", raising=False)
    monkeypatch.setattr(fonts, "DEBIAN_FONTS", ((str(tmp_path / "absent.ttc"), 0),))
    with pytest.raises(FontMissing, match="apt-get install fonts-wqy-microhei") as raised:
        register_cjk_font()
    assert raised.value.status == 503 and raised.value.code == "pdf_font_missing"


def test_a_font_without_chinese_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("PDF_FONT_PATH", str(VERA))
    with pytest.raises(FontMissing, match="has no Chinese glyphs"):
        register_cjk_font()


def test_a_cff_font_is_refused_with_the_reason(monkeypatch, tmp_path) -> None:
    """Noto CJK's .otf/.ttc carry CFF outlines, which ReportLab cannot embed."""
    otf = tmp_path / "NotoSansCJKsc-Regular.otf"
    otf.write_bytes(b"OTTO" + bytes(60))
    monkeypatch.setenv("PDF_FONT_PATH", str(otf))
    with pytest.raises(FontMissing, match="TrueType outlines only"):
        register_cjk_font()
