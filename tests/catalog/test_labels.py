"""Printable QR label sheets of a trace batch: what a packing shed prints and sticks on boxes."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from gannan.catalog.labels import (
    COLUMNS,
    LABEL_HEIGHT,
    LABEL_WIDTH,
    PER_SHEET,
    SHEET_TOP,
)
from gannan.platform.extensions import db
from gannan.platform.models import MemberRole, SellerMember
from tests.conftest import bearer
from tests.factories import ProductFactory, SellerFactory, TraceBatchFactory, UserFactory
from tests.pdfcheck import crop, decode_qr_codes, embedded_fonts, ink, rasterise
from tests.platform.test_errors import assert_problem

TITLE = "赣南脐橙 信丰安西 精品果 5kg"
DPI = 150


@pytest.fixture
def batch(seller):
    product = ProductFactory(seller=seller, title=TITLE, origin_township="安西镇")
    return TraceBatchFactory(product=product)


def labels(client, user, batch_id, query=""):
    return client.get(f"/api/v1/batches/{batch_id}/labels.pdf{query}",
                      headers=bearer(user) if user else {})


def squeeze(text: str) -> str:
    return "".join(text.split())


def label_boxes(count: int = PER_SHEET) -> list[tuple[int, int, int, int]]:
    """Where each label of a sheet lies in a page drawn at DPI, in pixels."""
    scale = DPI / 72
    boxes = []
    for index in range(count):
        row, column = divmod(index, COLUMNS)
        top = SHEET_TOP + row * LABEL_HEIGHT
        boxes.append((round(column * LABEL_WIDTH * scale), round(top * scale),
                      round((column + 1) * LABEL_WIDTH * scale),
                      round((top + LABEL_HEIGHT) * scale)))
    return boxes


def test_a_sheet_of_24_labels_for_the_sellers_members(client, owner, batch):
    response = labels(client, owner, batch.id)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f'filename="labels-batch-{batch.id}.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    text = reader.pages[0].extract_text()
    assert squeeze(text).count(squeeze(TITLE)) == PER_SHEET  # on two lines
    assert text.count(batch.trace_code) == PER_SHEET
    for shown in ("采收日期 2026-11-20", "基地 信丰县安西镇脐橙基地", "产地 赣州市信丰县安西镇"):
        assert text.count(shown) == PER_SHEET


def test_each_label_has_one_qr_code_of_the_short_trace_url(client, owner, batch, tmp_path):
    """Drawn by poppler with no system font at all, cut into its 24 labels, read by zbar."""
    data = labels(client, owner, batch.id).data
    page = rasterise(data, tmp_path, dpi=DPI)
    images = [crop(page, box, tmp_path / f"label-{index:02d}.pgm")
              for index, box in enumerate(label_boxes())]
    url = f"https://shop.example.cn/t/{batch.trace_code}"
    assert decode_qr_codes(images) == [[url]] * PER_SHEET
    # and the Chinese beside each code shows: the text column has ink
    scale = DPI / 72
    for left, top, right, bottom in label_boxes():
        text_column = (left + round(LABEL_WIDTH * scale * 0.45), top + 10, right - 10, bottom - 10)
        assert ink(page, text_column) > 0.02


def test_a_partial_sheet_fills_from_the_top_left(client, owner, batch, tmp_path):
    data = labels(client, owner, batch.id, "?count=5").data
    page = rasterise(data, tmp_path, dpi=DPI)
    images = [crop(page, box, tmp_path / f"label-{index:02d}.pgm")
              for index, box in enumerate(label_boxes())]
    found = decode_qr_codes(images)
    assert [len(codes) for codes in found] == [1] * 5 + [0] * (PER_SHEET - 5)


def test_more_than_a_sheet_goes_on_more_pages(client, owner, batch):
    reader = PdfReader(io.BytesIO(labels(client, owner, batch.id, "?count=50").data))
    assert len(reader.pages) == 3
    assert [page.extract_text().count(batch.trace_code) for page in reader.pages] == [24, 24, 2]


def test_the_sheet_embeds_its_only_font(client, owner, batch):
    fonts = embedded_fonts(labels(client, owner, batch.id).data)
    assert fonts and set(fonts.values()) == {"/FontFile2"}, fonts  # not even Helvetica is left out


def test_same_batch_same_bytes(client, owner, batch, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = labels(client, owner, batch.id).data
    assert labels(client, owner, batch.id).data == first
    assert b"/CreationDate (D:20000101000000+00'00')" in first
    assert len(first) < 60_000  # the label is drawn once and placed 24 times


def test_a_long_title_is_cut_not_spilled(client, owner, seller):
    long_title = "赣南脐橙" + "特级果园直供" * 19  # 118 characters
    batch = TraceBatchFactory(product=ProductFactory(seller=seller, title=long_title))
    text = PdfReader(io.BytesIO(labels(client, owner, batch.id).data)).pages[0].extract_text()
    assert text.count("…") == PER_SHEET
    assert squeeze(long_title) not in squeeze(text)
    assert text.count(batch.trace_code) == PER_SHEET  # the code is never cut


def test_production_date_when_there_is_no_harvest(client, owner, seller):
    batch = TraceBatchFactory(product=ProductFactory(seller=seller), harvest_date=None,
                              production_date=date(2026, 10, 8))
    text = PdfReader(io.BytesIO(labels(client, owner, batch.id).data)).pages[0].extract_text()
    assert text.count("生产日期 2026-10-08") == PER_SHEET and "采收" not in text


@pytest.mark.parametrize("query", ["?count=0", "?count=241", "?count=many", "?count=-3"])
def test_count_is_bounded(client, owner, batch, query):
    body = assert_problem(labels(client, owner, batch.id, query), 422, "validation_error")
    assert "count" in str(body["errors"])


def test_who_may_print(client, owner, batch, admin, consumer):
    staff = UserFactory()
    batch.product.seller.members.append(SellerMember(user=staff, role=MemberRole.STAFF))
    db.session.commit()
    other_owner = UserFactory()
    SellerFactory(owner=other_owner)
    assert labels(client, staff, batch.id).status_code == 200
    assert labels(client, admin, batch.id).status_code == 200
    assert_problem(labels(client, other_owner, batch.id), 403, "not_seller_member")
    assert_problem(labels(client, consumer, batch.id), 403, "not_seller_member")
    assert_problem(labels(client, None, batch.id), 401, "authentication_required")
    assert_problem(labels(client, owner, 999_999), 404, "batch_not_found")
    assert_problem(labels(client, admin, 999_999), 404, "batch_not_found")


def test_no_font_is_a_clear_problem_not_a_blank_sheet(app, client, owner, batch, monkeypatch):
    monkeypatch.setitem(app.config, "PDF_FONT_PATH", "/nowhere/font.ttf")
    body = assert_problem(labels(client, owner, batch.id), 503, "pdf_font_missing")
    assert "PDF_FONT_PATH=/nowhere/font.ttf" in body["detail"]

