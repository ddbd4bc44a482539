"""Bulk import of a year's certified figures from CSV or XLSX, amounts in 元.

The file is the table the bureau receives: one row per applicant, its USCC, name, kind
and county, and its figures in 元 with at most two decimals (an empty cell: not
reported).  :func:`plan_import` reads it whole and compares it with the register; the
plan lists every row's problems with the row number a spreadsheet shows (the header is
row 1).  :func:`apply_import` writes a plan without problems in one transaction: all
of it or nothing.  The same file again changes nothing; a corrected file needs a
reason, and every change keeps who, when and why (:class:`RegisterChange`).

Amounts are parsed as :class:`~decimal.Decimal` from the cell's text.  An XLSX number
cell is a binary double in the file itself; it is read through its shortest decimal
form (``repr``), which is the number Excel shows, and refused when it has more than
15 significant digits (beyond what a double holds exactly).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, update
from stdnum.cn import uscc as uscc_std
from stdnum.exceptions import ValidationError as StdnumError

from gannan.platform.errors import ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import County, User
from gannan.platform.types import utcnow
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting.register.models import (
    FIGURES,
    Applicant,
    ApplicantKind,
    CertifiedFigures,
    FigureImport,
    RegisterChange,
)
from gannan.reporting.register.services import (
    MAX_FEN,
    applicant_changes,
    bases_by_operator,
    figure_changes,
    figure_problems,
    is_this_platform,
)

MAX_ROWS = 50_000
MAX_XLSX_UNPACKED = 64 * 1024 * 1024  # bytes of the XML inside an XLSX
MAX_NAME, MAX_NOTE = 120, 500


@dataclass(frozen=True)
class ImportColumn:
    key: str
    zh: str
    figure: str | None = None  # the figure it fills, for amount columns

    @property
    def header(self) -> str:
        return f"{self.zh} {self.key}"


COLUMNS = (
    ImportColumn("uscc", "统一社会信用代码"),
    ImportColumn("name", "名称"),
    ImportColumn("kind", "类型"),
    ImportColumn("county", "县区"),
    ImportColumn("online_retail", "网络零售额（元）", "online_retail_fen"),
    ImportColumn("specialty", "赣州特色产品销售额（元）", "specialty_fen"),
    ImportColumn("agricultural", "农产品网络零售额（元）", "agricultural_fen"),
    ImportColumn("upstream", "农产品上行销售额（元）", "upstream_fen"),
    ImportColumn("livestream", "直播销售额（元）", "livestream_fen"),
    ImportColumn("note", "备注"),
)
COLUMN_OF_FIGURE = {c.figure: c.key for c in COLUMNS if c.figure}
KIND_NAMES = {
    ApplicantKind.ENTERPRISE: ("企业",),
    ApplicantKind.COOPERATIVE: ("合作社", "农民专业合作社"),
    ApplicantKind.PLATFORM: ("平台", "电商平台"),
    ApplicantKind.LIVESTREAM_BASE_OPERATOR: ("直播基地运营方", "直播基地"),
}
KINDS = {alias: kind for kind, names in KIND_NAMES.items()
         for alias in (kind.value, *names)}
AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")


def _normal(header: str) -> str:
    """Header text without spaces or brackets, full-width or not, case-folded."""
    return re.sub(r"[\s()（）\[\]【】]", "", header).casefold()


HEADERS = {_normal(text): column.key for column in COLUMNS
           for text in (column.key, column.zh, column.header, f"{column.key}{column.zh}")}


class ImportUnreadable(ValidationFailed):
    """The file is not a table this import can read at all."""


# --- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row (the header is row 1); None: the whole file
    column: str | None
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code,
                "message": self.message}


@dataclass
class Row:
    number: int
    uscc: str
    name: str
    kind: ApplicantKind
    county_code: str
    values: dict[str, int | None]
    note: str | None
    applicant_id: int | None = None  # registered already: its id


@dataclass
class Plan:
    year: int
    filename: str
    sha256: str
    data_rows: int = 0
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    new_applicants: list[Row] = field(default_factory=list)
    # (the register's row: id, uscc, …; the file's row; {field: [old, new]})
    changed_applicants: list[tuple[Any, Row, dict]] = field(default_factory=list)
    new_figures: list[tuple[Row, dict]] = field(default_factory=list)
    changed_figures: list[tuple[Any, Row, dict]] = field(default_factory=list)

    @property
    def changes_existing(self) -> bool:
        return bool(self.changed_applicants or self.changed_figures)

    @property
    def changes_anything(self) -> bool:
        return bool(self.new_applicants or self.new_figures or self.changes_existing)

    def summary(self) -> dict[str, Any]:
        changed_rows = ({r.number for r in self.new_applicants}
                        | {r.number for _, r, _ in self.changed_applicants}
                        | {r.number for r, _ in self.new_figures}
                        | {r.number for _, r, _ in self.changed_figures})
        return {
            "year": self.year, "filename": self.filename, "sha256": self.sha256,
            "rows": self.data_rows,
            "valid": not self.problems,
            "applicants_created": len(self.new_applicants),
            "applicants_changed": len(self.changed_applicants),
            "figures_created": len(self.new_figures),
            "figures_changed": len(self.changed_figures),
            "rows_unchanged": len(self.rows) - len(changed_rows) if not self.problems else None,
            "reason_required": self.changes_existing,
            "problems": [p.to_dict() for p in self.problems],
            "warnings": [w.to_dict() for w in self.warnings],
            "changes": [
                {"row": r.number, "uscc": a.uscc, "year": None, "changes": c}
                for a, r, c in self.changed_applicants] + [
                {"row": r.number, "uscc": r.uscc, "year": self.year, "changes": c}
                for _, r, c in self.changed_figures],
        }


# --- reading the file -----------------------------------------------------------------------


def read_cells(data: bytes, filename: str) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the first sheet or the CSV, blank rows included."""
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data)
    return _csv_rows(data)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    if b"\x00" in data:
        raise ImportUnreadable("The file holds NUL bytes: it is not a CSV text file.",
                               code=ReportingErrorCode.UNREADABLE_FILE, field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel in China saves CSV as GBK unless told otherwise
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ImportUnreadable("The CSV is neither UTF-8 nor GB18030 text.",
                                   code=ReportingErrorCode.UNREADABLE_FILE, field="file") from exc
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            yield number, cells
    except csv.Error as exc:
        raise ImportUnreadable(f"The CSV cannot be read: {exc}.", code=ReportingErrorCode.UNREADABLE_FILE,
                               field="file") from exc


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED:
            raise ImportUnreadable(f"The XLSX unpacks to {unpacked} bytes; at most "
                                   f"{MAX_XLSX_UNPACKED}.", code=ReportingErrorCode.FILE_TOO_LARGE,
                                   field="file")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to open is an unreadable file
        raise ImportUnreadable("The file is not a readable XLSX workbook.",
                               code=ReportingErrorCode.UNREADABLE_FILE, field="file") from exc
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except ImportUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed sheet part
        raise ImportUnreadable("The XLSX worksheet cannot be read.", code=ReportingErrorCode.UNREADABLE_FILE,
                               field="file") from exc
    finally:
        workbook.close()


def _text(value: Any) -> str | None:
    """A text cell as a stripped string (None when empty); a whole number as digits."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def parse_yuan(value: Any) -> int | None:
    """元 with at most two decimals → fen, exactly; None for an empty cell.  Raises
    ValueError(code, message) for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("invalid_amount", "not an amount")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("invalid_amount", "not an amount")
        amount = Decimal(repr(value))
        if len(amount.as_tuple().digits) > 15:
            raise ValueError("imprecise_amount", f"{value!r} has more than 15 significant "
                             "digits, more than a number cell holds exactly; enter it as text")
        amount = amount if amount.as_tuple().exponent < 0 else amount.quantize(Decimal(1))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("元").strip()
        text = text.replace(",", "")  # thousands separators (full-width ones too, by NFKC)
        if text.startswith("-"):
            raise ValueError("negative_amount", f"{value!r} is negative")
        if not AMOUNT.fullmatch(text):
            raise ValueError("invalid_amount", f"{value!r} is not an amount in 元")
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
            raise ValueError("invalid_amount", f"{value!r} is not an amount") from exc
    else:
        raise ValueError("invalid_amount", f"{value!r} is not an amount in 元")
    if amount < 0:
        raise ValueError("negative_amount", f"{value!r} is negative")
    if amount.as_tuple().exponent < -2:
        raise ValueError("too_many_decimals", f"{value!r} has more than two decimals (元 are "
                         "given to the fen)")
    fen = int(amount * 100)
    if fen > MAX_FEN:
        raise ValueError("amount_too_large", f"{value!r} exceeds {MAX_FEN // 100:,} 元")
    return fen


def _county(text: str, counties: dict[str, County]) -> County:
    """A county by code (360722) or name (信丰县, 信丰); ValueError(code, message)."""
    county = counties.get(text) or next(
        (c for c in counties.values() if text in (c.name, c.name[:-1])), None)
    if county is None:
        raise ValueError("unknown_county", f"{text!r} is not a county-level division of "
                         "Ganzhou")
    if county.retired:
        successor = counties.get(county.replaced_by or "")
        hint = f"; use {successor.code} {successor.name}" if successor else ""
        raise ValueError("retired_county", f"{county.code} {county.name} is retired{hint}")
    return county


# --- planning -------------------------------------------------------------------------------


def _header(cells: list[Any], number: int, plan: Plan) -> dict[int, str]:
    positions: dict[int, str] = {}
    for index, cell in enumerate(cells):
        text = _text(cell)
        if text is None:
            continue
        key = HEADERS.get(_normal(text))
        if key is None:
            plan.problems.append(Problem(number, text, "unknown_column",
                                         f"Unknown column {text!r}; the template's columns: "
                                         + ", ".join(c.header for c in COLUMNS)))
        elif key in positions.values():
            plan.problems.append(Problem(number, key, "duplicate_column",
                                         f"Column {key} appears twice."))
        else:
            positions[index] = key
    for column in COLUMNS:
        if column.key not in positions.values():
            plan.problems.append(Problem(number, column.key, "missing_column",
                                         f"Column {column.header} is missing."))
    return positions


def _row(number: int, cells: dict[str, Any], plan: Plan, counties: dict[str, County],
         bases: dict[str, list[int]]) -> Row | None:
    problems: list[Problem] = []

    def problem(column: str, code: str, message: str) -> None:
        problems.append(Problem(number, column, code, message))

    uscc = _text(cells.get("uscc"))
    if uscc is None:
        problem("uscc", "missing_value", "The USCC is missing.")
    else:
        try:
            uscc = uscc_std.validate(uscc)
        except StdnumError as exc:
            problem("uscc", "invalid_uscc",
                    f"{uscc!r} is not a valid unified social credit code: {exc.message}")
            uscc = None
    name = _text(cells.get("name"))
    if name is None:
        problem("name", "missing_value", "The name is missing.")
    elif len(name) > MAX_NAME:
        problem("name", "too_long", f"The name has more than {MAX_NAME} characters.")
    kind_text = _text(cells.get("kind"))
    kind = KINDS.get(kind_text.casefold() if kind_text else "")
    if kind is None:
        problem("kind", "unknown_kind" if kind_text else "missing_value",
                f"Kind {kind_text!r} is none of " + ", ".join(KINDS))
    county_text = _text(cells.get("county"))
    county = None
    if county_text is None:
        problem("county", "missing_value", "The county is missing.")
    else:
        try:
            county = _county(county_text, counties)
        except ValueError as error:
            problem("county", *error.args)
    values: dict[str, int | None] = {}
    for column in COLUMNS:
        if column.figure:
            try:
                values[column.figure] = parse_yuan(cells.get(column.key))
            except ValueError as error:
                problem(column.key, *error.args)
                values[column.figure] = None
    note = _text(cells.get("note"))
    if note is not None and len(note) > MAX_NOTE:
        problem("note", "too_long", f"The note has more than {MAX_NOTE} characters.")
    if kind is not None and uscc is not None:
        unreadable = any(p.column in COLUMN_OF_FIGURE.values() for p in problems)
        for figure, code, message in figure_problems(kind, values,
                                                     len(bases.get(uscc, []))):
            if not (code == "no_figures" and unreadable):
                problem(COLUMN_OF_FIGURE[figure], code, message)
        if kind is ApplicantKind.PLATFORM and is_this_platform(uscc):
            problem("uscc", "this_platform", "This platform's award (1) comes from its own "
                                             "ledger; import other platforms only.")
    plan.problems.extend(problems)
    if problems:
        return None
    return Row(number, uscc, name, kind, county.code, values, note)


def plan_import(data: bytes, filename: str, year: int) -> Plan:
    """Read the whole file, check every row, and compare it with the register."""
    plan = Plan(year=year, filename=filename, sha256=hashlib.sha256(data).hexdigest())
    counties = {c.code: c for c in db.session.scalars(db.select(County))}
    bases = bases_by_operator()
    positions: dict[int, str] | None = None
    first_row_of: dict[str, int] = {}
    count = 0
    for number, cells in read_cells(data, filename):
        if all(_text(c) is None for c in cells):
            continue
        if positions is None:
            positions = _header(cells, number, plan)
            if plan.problems:
                return plan
            continue
        count += 1
        plan.data_rows = count
        if count > MAX_ROWS:
            plan.problems.append(Problem(number, None, "too_many_rows",
                                         f"At most {MAX_ROWS} rows in one file."))
            break
        by_key = {key: cells[i] if i < len(cells) else None for i, key in positions.items()}
        extra = [c for i, c in enumerate(cells) if i not in positions and _text(c) is not None]
        if extra:
            plan.problems.append(Problem(number, None, "cell_outside_columns",
                                         f"Cells outside the columns: {extra[:3]!r}"))
        row = _row(number, by_key, plan, counties, bases)
        uscc = row.uscc if row else _valid_uscc(by_key.get("uscc"))
        if uscc is not None and uscc in first_row_of:
            plan.problems.append(Problem(number, "uscc", "duplicate_row",
                                         f"USCC {uscc} is also in row {first_row_of[uscc]}."))
            continue
        if uscc is not None:
            first_row_of[uscc] = number
        if row is not None:
            plan.rows.append(row)
    if positions is None:
        plan.problems.append(Problem(None, None, "empty_file",
                                     "The file has no header row and no data."))
    elif not plan.rows and not plan.problems:
        plan.problems.append(Problem(None, None, "empty_file", "The file has no data rows."))
    if not plan.problems:
        _compare(plan)
    return plan


def _valid_uscc(value: Any) -> str | None:
    try:
        return uscc_std.validate(_text(value) or "")
    except StdnumError:
        return None


def _compare(plan: Plan) -> None:
    """What applying the rows would create and change, against the register."""
    # plain rows of the columns compared, not ORM objects: a year holds thousands
    applicants: dict[str, Any] = {}
    usccs = [r.uscc for r in plan.rows]
    columns = (Applicant.id, Applicant.uscc, Applicant.name, Applicant.kind,
               Applicant.county_code)
    for start in range(0, len(usccs), 5_000):  # bounded IN lists on any database
        applicants.update((a.uscc, a) for a in db.session.execute(
            db.select(*columns).where(Applicant.uscc.in_(usccs[start:start + 5_000]))))
    recorded = {f.applicant_id: f for f in db.session.execute(
        db.select(CertifiedFigures.id, CertifiedFigures.applicant_id, CertifiedFigures.note,
                  *(getattr(CertifiedFigures, name) for name in FIGURES))
        .where(CertifiedFigures.year == plan.year))}
    for row in plan.rows:
        applicant = applicants.get(row.uscc)
        row.applicant_id = applicant.id if applicant else None
        if applicant is None:
            plan.new_applicants.append(row)
        else:
            changes = applicant_changes(applicant, {"name": row.name, "kind": row.kind,
                                                    "county_code": row.county_code})
            if changes:
                plan.changed_applicants.append((applicant, row, changes))
                plan.warnings.append(Problem(row.number, None, "applicant_changes",
                                             f"The register's {', '.join(changes)} of "
                                             f"{row.uscc} will change."))
        figures = recorded.get(applicant.id) if applicant else None
        changes = figure_changes(figures, row.values, row.note)
        if figures is None:
            plan.new_figures.append((row, changes))
        elif changes:
            plan.changed_figures.append((figures, row, changes))


# --- applying -------------------------------------------------------------------------------


def apply_import(plan: Plan, actor: User, reason: str | None) -> dict[str, Any]:
    """Write the plan in one transaction.  A plan with problems, or one that corrects
    the register without a reason, writes nothing."""
    if plan.problems:
        raise ValidationFailed(f"The file has {len(plan.problems)} problem(s); nothing was "
                               "imported.", code=ReportingErrorCode.IMPORT_INVALID,
                               problems=[p.to_dict() for p in plan.problems])
    reason = reason.strip() if reason and reason.strip() else None
    if plan.changes_existing and reason is None:
        raise ValidationFailed("This file changes recorded figures or applicants: say why "
                               "(reason).", code=ReportingErrorCode.CHANGE_REASON_REQUIRED, field="reason",
                               changes=plan.summary()["changes"])
    summary = plan.summary()
    if not plan.changes_anything:
        return {**summary, "applied": True, "import_id": None}
    record = FigureImport(year=plan.year, filename=plan.filename[:255], sha256=plan.sha256,
                          rows=len(plan.rows), applicants_created=len(plan.new_applicants),
                          applicants_changed=len(plan.changed_applicants),
                          figures_created=len(plan.new_figures),
                          figures_changed=len(plan.changed_figures), reason=reason,
                          actor_id=actor.id)
    db.session.add(record)
    db.session.flush()
    audit: list[dict[str, Any]] = []

    def log(applicant_id: int, year: int | None, changes: dict, why: str) -> None:
        audit.append({"applicant_id": applicant_id, "year": year, "changes": changes,
                      "reason": why, "actor_id": actor.id, "import_id": record.id})

    # Core inserts of the table: batched into multi-row statements on every database (the
    # ORM's bulk insert splits them into thousands of round trips on PostgreSQL)
    ids = _insert_applicants(plan.new_applicants)
    for row in plan.new_applicants:
        log(ids[row.uscc], None, {"name": [None, row.name], "kind": [None, row.kind.value],
                                  "county_code": [None, row.county_code]},
            reason or "registered by import")
    if plan.changed_applicants:
        db.session.execute(update(Applicant), [
            {"id": a.id, "name": r.name, "kind": r.kind, "county_code": r.county_code}
            for a, r, _ in plan.changed_applicants])
        for applicant, row, changes in plan.changed_applicants:
            log(applicant.id, None, changes, reason)
    new_figures = [{"applicant_id": r.applicant_id or ids[r.uscc], "year": plan.year,
                    **r.values, "note": r.note, "recorded_by_id": actor.id}
                   for r, _ in plan.new_figures]
    if new_figures:
        db.session.execute(insert(CertifiedFigures.__table__), new_figures)
    for values, (row, changes) in zip(new_figures, plan.new_figures):
        log(values["applicant_id"], plan.year, changes, reason or "first recorded by import")
    if plan.changed_figures:
        db.session.execute(update(CertifiedFigures), [
            {"id": f.id, **r.values, **({"note": r.note} if r.note is not None else {}),
             "recorded_by_id": actor.id, "recorded_at": utcnow()}
            for f, r, _ in plan.changed_figures])
        for figures, row, changes in plan.changed_figures:
            log(figures.applicant_id, plan.year, changes, reason)
    db.session.execute(insert(RegisterChange.__table__), audit)
    db.session.commit()
    return {**summary, "applied": True, "import_id": record.id}


def _insert_applicants(rows: list[Row]) -> dict[str, int]:
    if not rows:
        return {}
    result = db.session.execute(
        insert(Applicant.__table__).returning(Applicant.uscc, Applicant.id,
                                              sort_by_parameter_order=True),
        [{"uscc": r.uscc, "name": r.name, "kind": r.kind, "county_code": r.county_code}
         for r in rows])
    return {uscc: applicant_id for uscc, applicant_id in result}


# --- the template ---------------------------------------------------------------------------

INSTRUCTIONS = (
    ("每行一个申报主体；第一行为表头，请勿改动。", "One applicant per row; keep the header row as it is."),
    ("统一社会信用代码：18位，按文本输入。", "USCC: 18 characters, entered as text."),
    ("类型：企业、合作社、平台、直播基地运营方（或 enterprise, cooperative, platform, "
     "livestream_base_operator）。", "Kind: one of the four, in Chinese or English."),
    ("县区：赣州市县级行政区划代码（如 360722）或名称（如 信丰县）。",
     "County: the GB/T 2260 code (360722) or the name (信丰县)."),
    ("金额：单位为元，最多两位小数；空白表示未报送（不是 0）。",
     "Amounts in 元 with at most two decimals; an empty cell is not reported (not 0)."),
    ("直播销售额仅限直播基地运营方填写。", "Live-stream sales only for a base's operator."),
    ("农产品上行 ≤ 农产品网络零售额 ≤ 网络零售额；赣州特色产品销售额 ≤ 网络零售额。",
     "Upstream ≤ agricultural ≤ online retail; Ganzhou specialty ≤ online retail."),
)


def template_csv() -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([c.header for c in COLUMNS])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "认定数据 figures"
    sheet.append([c.header for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, len(column.header) * 1.6)
        # text columns stay text: a USCC typed as digits would become a rounded number
        style = "@" if column.figure is None else "#,##0.00"
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = style
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明 instructions")
    for zh, en in INSTRUCTIONS:
        notes.append([zh, en])
    notes.column_dimensions["A"].width = 70
    notes.column_dimensions["B"].width = 70
    out = io.BytesIO()
    workbook.save(out)
    return _deterministic_zip(out.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """The same template bytes on every download: fixed timestamps in the archive and
    no creation date in the workbook's properties."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"",
                              body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, body)
    return out.getvalue()


def run_import(actor: User, data: bytes, filename: str, year: int, reason: str | None,
               dry_run: bool) -> dict[str, Any]:
    """Check a file (dry run: every row's problems, what would change) or apply it."""
    plan = plan_import(data, filename, year)
    if dry_run:
        return {**plan.summary(), "applied": False, "import_id": None}
    return apply_import(plan, actor, reason)
