"""Bulk import of certified figures: template, dry run with row numbers, atomic apply,
idempotent re-import, audited corrections.  Runs on the configured database (the
suite's second run is PostgreSQL)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.exc import IntegrityError

from gannan.platform.extensions import db
from gannan.reporting.register import imports
from gannan.reporting.register.models import (
    Applicant,
    CertifiedFigures,
    FigureImport,
    RegisterChange,
)
from gannan.reporting.register.services import register_applicant
from tests.factories import valid_uscc
from tests.helpers import assert_problem, bearer

HEADER = [c.header for c in imports.COLUMNS]
A = valid_uscc(6001, "360722")
B = valid_uscc(6002, "360732")
C = valid_uscc(6003, "360733")


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def row(uscc, name="企业", kind="enterprise", county="360722", online="", specialty="",
        agricultural="", upstream="", livestream="", note=""):
    return [uscc, name, kind, county, online, specialty, agricultural, upstream, livestream,
            note]


def upload(client, user, data, *, filename="figures-2026.csv", year=2026, reason=None,
           check=False):
    form = {"year": str(year), "file": (io.BytesIO(data), filename)}
    if reason:
        form["reason"] = reason
    path = "/api/v1/bureau/imports/check" if check else "/api/v1/bureau/imports"
    return client.post(path, data=form, headers=bearer(user),
                       content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def problems(body):
    return [(p["row"], p["column"], p["code"]) for p in body["problems"]]


GOOD = [row(A, "信丰县果业有限公司", "企业", "信丰县", "1,234,567.89", "1000000", "1000.5", "800",
            note="天猫旗舰店"),
        row(B, "兴国县茶油合作社", "合作社", "360732", "250000000", "", "20000000.00", "15000000")]


def test_the_dry_run_reports_every_rows_problem_with_its_row_number(client, bureau_user):
    bad_rows = [
        GOOD[0],                                                            # row 2: fine
        row("91360702MA00000000", online="1"),                              # 3
        row(valid_uscc(6010), county="360799", online="1"),                 # 4
        row(valid_uscc(6011), online="200", agricultural="100", upstream="100.01"),  # 5
        row(A, online="5"),                                                 # 6: A again
        row(valid_uscc(6012), online="12.345"),                             # 7
        row(valid_uscc(6013), county="360721", online="1"),                 # 8: retired
        row(valid_uscc(6014), kind="个体户", online="1"),                     # 9
        row(valid_uscc(6015), online="-5"),                                 # 10
        row(valid_uscc(6016), online="abc"),                                # 11
        [""] * 10,                                                          # 12: blank
        row(valid_uscc(6017), kind="直播基地运营方", livestream="100"),       # 13
        row(valid_uscc(6018), online="100", livestream="100"),              # 14
        row(valid_uscc(6019)),                                              # 15: no figure
        row(valid_uscc(6020), name="", county=""),                          # 16
    ]
    response = upload(client, bureau_user, csv_bytes(bad_rows), check=True)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["valid"] is False and body["applied"] is False
    assert body["rows"] == 14
    assert problems(body) == [
        (3, "uscc", "invalid_uscc"),
        (4, "county", "unknown_county"),
        (5, "upstream", "upstream_exceeds_agricultural"),
        (6, "uscc", "duplicate_row"),
        (7, "online_retail", "too_many_decimals"),
        (8, "county", "retired_county"),
        (9, "kind", "unknown_kind"),
        (10, "online_retail", "negative_amount"),
        (11, "online_retail", "invalid_amount"),
        (13, "livestream", "no_livestream_base"),
        (14, "livestream", "livestream_not_a_base"),
        (15, "online_retail", "no_figures"),
        (16, "name", "missing_value"),
        (16, "county", "missing_value"),
        (16, "online_retail", "no_figures"),
    ]
    messages = {p["row"]: p["message"] for p in body["problems"]}
    assert "also in row 2" in messages[6]
    assert "use 360704 赣县区" in messages[8]
    assert "100.01 元" in messages[5]
    assert count(Applicant) == count(CertifiedFigures) == count(FigureImport) == 0

    applied = upload(client, bureau_user, csv_bytes(bad_rows))
    body = assert_problem(applied, 422, "import_invalid")
    assert len(body["problems"]) == 15
    assert count(Applicant) == count(CertifiedFigures) == count(RegisterChange) == 0


def test_amounts_are_exact_in_csv_and_xlsx(client, bureau_user):
    for data, filename in ((csv_bytes(GOOD), "a.csv"),
                           (xlsx_bytes([row(A, "信丰县果业有限公司", "企业", "信丰县", 1234567.89,
                                            1000000, "1000.50", 800.0, note="天猫旗舰店"),
                                        row(B, "兴国县茶油合作社", "合作社", 360732, 250000000,
                                            None, 20000000.0, 15000000)]), "a.xlsx")):
        body = upload(client, bureau_user, data, filename=filename, check=True).get_json()
        assert body["valid"] is True, body["problems"]
        assert body["applicants_created"] == 2 and body["figures_created"] == 2
    plan = imports.plan_import(csv_bytes(GOOD), "a.csv", 2026)
    first = plan.rows[0].values
    assert first == {"online_retail_fen": 123456789, "specialty_fen": 100000000,
                     "agricultural_fen": 100050, "upstream_fen": 80000, "livestream_fen": None}
    assert plan.rows[1].values["specialty_fen"] is None  # empty: not reported
    bad = xlsx_bytes([row(A, online=12.345), row(B, online=9.13607001234567e17),
                      row(C, online=1234.5, agricultural=1234.51)])
    body = upload(client, bureau_user, bad, filename="b.xlsx", check=True).get_json()
    assert problems(body) == [(2, "online_retail", "too_many_decimals"),
                              (3, "online_retail", "amount_too_large"),
                              (4, "agricultural", "agricultural_exceeds_online_retail")]


@pytest.mark.parametrize(("text", "fen"), [("0", 0), ("0.01", 1), ("1.1", 110), ("1,000", 100000),
                                           ("12.30 元", 1230), ("１２", 1200)])
def test_amount_text_is_parsed_with_decimal(text, fen):
    assert imports.parse_yuan(text) == fen


@pytest.mark.parametrize(("value", "code"), [("1.001", "too_many_decimals"),
                                             ("1.230", "too_many_decimals"),
                                             ("1e5", "invalid_amount"), ("NaN", "invalid_amount"),
                                             ("- 1", "negative_amount"), (True, "invalid_amount"),
                                             (float("inf"), "invalid_amount"),
                                             ("100000000000000.00", "amount_too_large"),
                                             (0.1 + 0.2, "imprecise_amount")])
def test_bad_amounts_say_why(value, code):
    with pytest.raises(ValueError) as caught:
        imports.parse_yuan(value)
    assert caught.value.args[0] == code


def test_apply_then_the_same_file_again_changes_nothing(client, bureau_user):
    applied = upload(client, bureau_user, csv_bytes(GOOD))
    assert applied.status_code == 200, applied.get_json()
    body = applied.get_json()
    assert body["applied"] is True and body["import_id"]
    assert (body["applicants_created"], body["figures_created"]) == (2, 2)
    a = db.session.scalar(db.select(Applicant).where(Applicant.uscc == A))
    assert (a.name, a.kind.value, a.county_code) == ("信丰县果业有限公司", "enterprise", "360722")
    before = (count(RegisterChange), count(FigureImport), count(CertifiedFigures))
    assert before == (4, 1, 2)

    again = upload(client, bureau_user, csv_bytes(GOOD)).get_json()
    assert again["applied"] is True and again["import_id"] is None
    assert (again["applicants_created"], again["applicants_changed"], again["figures_created"],
            again["figures_changed"], again["rows_unchanged"]) == (0, 0, 0, 0, 2)
    assert (count(RegisterChange), count(FigureImport), count(CertifiedFigures)) == before
    as_xlsx = xlsx_bytes([[None if v == "" else v for v in r] for r in GOOD])
    assert upload(client, bureau_user, as_xlsx, filename="same.xlsx").get_json()[
        "import_id"] is None


def test_a_corrected_file_needs_a_reason_and_is_audited(client, bureau_user, admin):
    upload(client, bureau_user, csv_bytes(GOOD))
    corrected = [GOOD[0], row(B, "兴国县茶油合作社", "合作社", "360732", "250000000", "",
                              "20000000.00", "")]  # upstream withdrawn: not reported
    check = upload(client, admin, csv_bytes(corrected), check=True).get_json()
    assert check["reason_required"] is True
    assert check["changes"] == [{"row": 3, "uscc": B, "year": 2026,
                                 "changes": {"upstream_fen": [1_500_000_000, None]}}]
    assert_problem(upload(client, admin, csv_bytes(corrected)), 422, "change_reason_required")
    assert db.session.scalar(db.select(CertifiedFigures.upstream_fen).join(Applicant).where(
        Applicant.uscc == B)) == 1_500_000_000

    applied = upload(client, admin, csv_bytes(corrected), reason="上行数据待第三方复核")
    assert applied.status_code == 200, applied.get_json()
    body = applied.get_json()
    assert body["figures_changed"] == 1 and body["rows_unchanged"] == 1
    applicant = db.session.scalar(db.select(Applicant).where(Applicant.uscc == B))
    history = client.get(f"/api/v1/bureau/applicants/{applicant.id}/changes",
                         headers=bearer(bureau_user)).get_json()["items"]
    last = history[-1]
    assert last["changes"] == {"upstream_fen": [1_500_000_000, None]}
    assert (last["reason"], last["actor_email"], last["import_id"], last["year"]) == (
        "上行数据待第三方复核", admin.email, body["import_id"], 2026)
    renamed = [row(A, "信丰县果业集团有限公司", "企业", "信丰县", "1,234,567.89", "1000000",
                   "1000.5", "800")]
    body = upload(client, admin, csv_bytes(renamed), reason="更名").get_json()
    assert (body["applicants_changed"], body["figures_changed"]) == (1, 0)
    assert [w["code"] for w in body["warnings"]] == ["applicant_changes"]
    listed = client.get("/api/v1/bureau/imports", headers=bearer(bureau_user)).get_json()
    assert [i["reason"] for i in listed["items"]] == ["更名", "上行数据待第三方复核", None]


def test_apply_is_all_or_nothing(client, bureau_user):
    """Someone registers one of the file's applicants between the check and the write:
    the import fails on the unique USCC and leaves nothing of itself behind."""
    plan = imports.plan_import(csv_bytes(GOOD), "a.csv", 2026)
    assert not plan.problems and len(plan.new_applicants) == 2
    register_applicant(bureau_user, {"uscc": B, "name": "抢先登记", "kind": "cooperative",
                                     "county_code": "360732"})
    with pytest.raises(IntegrityError):
        imports.apply_import(plan, bureau_user, None)
    db.session.rollback()
    assert [a.name for a in db.session.scalars(db.select(Applicant))] == ["抢先登记"]
    assert count(CertifiedFigures) == count(FigureImport) == 0
    assert count(RegisterChange) == 1  # the registration's own

    def fail_on_audit(model):
        if model is RegisterChange.__table__:
            raise RuntimeError("the disk filled up")
        return original(model)

    original = imports.insert
    plan = imports.plan_import(csv_bytes(GOOD), "a.csv", 2026)
    imports_insert = pytest.MonkeyPatch()
    imports_insert.setattr(imports, "insert", fail_on_audit)
    try:
        with pytest.raises(RuntimeError):
            imports.apply_import(plan, bureau_user, "补录")
    finally:
        imports_insert.undo()
    db.session.rollback()
    assert count(Applicant) == 1 and count(CertifiedFigures) == count(FigureImport) == 0


def test_the_template_downloads_and_comes_back(client, bureau_user):
    csv_template = client.get("/api/v1/bureau/imports/template.csv", headers=bearer(bureau_user))
    assert csv_template.status_code == 200 and csv_template.mimetype == "text/csv"
    assert csv_template.data.startswith("\ufeff".encode())
    assert next(csv.reader(io.StringIO(csv_template.data.decode("utf-8-sig")))) == HEADER
    empty = upload(client, bureau_user, csv_template.data, check=True).get_json()
    assert problems(empty) == [(None, None, "empty_file")]

    xlsx = client.get("/api/v1/bureau/imports/template.xlsx", headers=bearer(bureau_user))
    assert xlsx.status_code == 200
    assert xlsx.data == client.get("/api/v1/bureau/imports/template.xlsx",
                                   headers=bearer(bureau_user)).data  # same bytes every time
    workbook = load_workbook(io.BytesIO(xlsx.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["A2"].number_format == "@"  # the USCC stays text
    assert "说明" in workbook.sheetnames[1]
    sheet.append([A, "信丰县果业有限公司", "企业", "信丰县", 1234567.89, None, None, None, None,
                  None])
    filled = io.BytesIO()
    workbook.save(filled)
    body = upload(client, bureau_user, filled.getvalue(), filename="t.xlsx").get_json()
    assert body["applied"] is True and body["figures_created"] == 1


def test_the_header_is_checked_first(client, bureau_user):
    header = ["USCC", "名称", "类型", "县区", "网络零售额(元)", "赣州特色产品销售额（元）",
              "agricultural", "upstream", "livestream", "序号"]
    body = upload(client, bureau_user, csv_bytes([row(A, online="1")], header=header),
                  check=True).get_json()
    assert problems(body) == [(1, "序号", "unknown_column"), (1, "note", "missing_column")]


def test_gbk_csv_is_read_too(client, bureau_user):
    body = upload(client, bureau_user, csv_bytes(GOOD, encoding="gb18030"), check=True)
    assert body.get_json()["valid"] is True


def test_unreadable_and_oversized_files(app, client, bureau_user):
    assert_problem(upload(client, bureau_user, b"PK\x03\x04 not a zip", filename="x.xlsx"),
                   422, "unreadable_file")
    assert_problem(upload(client, bureau_user, b"a,b\x00c", check=True), 422,
                   "unreadable_file")
    saved = app.config["BUREAU_IMPORT_MAX_BYTES"]
    app.config["BUREAU_IMPORT_MAX_BYTES"] = 2_000
    try:
        big = csv_bytes([row(valid_uscc(7000 + i), online="1") for i in range(60)])
        assert_problem(upload(client, bureau_user, big, check=True), 413, "payload_too_large")
    finally:
        app.config["BUREAU_IMPORT_MAX_BYTES"] = saved
    missing = client.post("/api/v1/bureau/imports", data={"year": "2026"},
                          headers=bearer(bureau_user), content_type="multipart/form-data")
    assert_problem(missing, 422, "validation_error")


def test_only_the_bureau_and_admins_import(client, consumer, owner, seller):
    for user in (consumer, owner):
        assert_problem(upload(client, user, csv_bytes(GOOD)), 403, "forbidden")
        assert_problem(client.get("/api/v1/bureau/imports/template.xlsx", headers=bearer(user)),
                       403, "forbidden")
    assert count(Applicant) == 0
