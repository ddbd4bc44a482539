"""The register's actions: applicants, their certified figures, look-up.

Plain arguments in, domain objects out; every action commits or changes nothing, and
every change leaves a :class:`RegisterChange` saying who, when, why and what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from gannan.platform.counties import require_current_county
from gannan.platform.errors import Conflict, NotFound, ValidationFailed
from gannan.platform.extensions import db
from gannan.platform.models import Seller, SellerKind, User
from gannan.platform.services import validate_uscc
from gannan.platform.types import utcnow
from gannan.reporting import metrics
from gannan.reporting.metrics import L, Month
from gannan.reporting.errors import ReportingErrorCode
from gannan.reporting.models import LivestreamBase
from gannan.reporting.register.models import (
    FIGURES,
    Applicant,
    ApplicantKind,
    CertifiedFigures,
    FigureImport,
    RegisterChange,
)

MAX_FEN = 10**15  # 10,000,000,000,000 元: far above any applicant, far below BIGINT
LOOKUP_LIMIT = 20
ENTERPRISE_KINDS = (ApplicantKind.ENTERPRISE, ApplicantKind.COOPERATIVE)
# figure: the figures it cannot exceed when both are reported
AT_MOST = {
    "specialty_fen": ("online_retail_fen",),
    "agricultural_fen": ("online_retail_fen",),
    "upstream_fen": ("agricultural_fen", "specialty_fen"),
}
LABELS = {"online_retail_fen": "online retail", "specialty_fen": "Ganzhou specialty",
          "agricultural_fen": "agricultural", "upstream_fen": "agricultural upstream",
          "livestream_fen": "live-stream"}


def yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d} 元"


# --- applicants ---------------------------------------------------------------------------


def get_applicant(applicant_id: int, county_code: str | None = None) -> Applicant:
    """The applicant, or 404; with ``county_code``, only an applicant of that county."""
    applicant = db.session.get(Applicant, applicant_id)
    if applicant is None or (county_code and applicant.county_code != county_code):
        raise NotFound("No such applicant.", code=ReportingErrorCode.APPLICANT_NOT_FOUND)
    return applicant


def sellers_by_uscc(usccs: Iterable[str]) -> dict[str, Seller]:
    usccs = list(set(usccs))
    if not usccs:
        return {}
    return {s.uscc: s for s in db.session.scalars(db.select(Seller).where(Seller.uscc.in_(usccs)))}


def kind_of_seller(seller: Seller) -> ApplicantKind:
    return (ApplicantKind.COOPERATIVE if seller.kind is SellerKind.COOPERATIVE
            else ApplicantKind.ENTERPRISE)


def is_this_platform(uscc: str) -> bool:
    return uscc == current_app.config["PLATFORM_OPERATOR_USCC"]


def _audit(actor: User, applicant: Applicant, year: int | None, changes: dict[str, list],
           reason: str, import_id: int | None = None) -> None:
    db.session.add(RegisterChange(applicant=applicant, year=year, changes=changes,
                                  reason=reason, actor_id=actor.id, import_id=import_id))


def _check_kind(uscc: str, kind: ApplicantKind) -> None:
    if kind is ApplicantKind.PLATFORM and is_this_platform(uscc):
        raise ValidationFailed("This platform's award (1) comes from its own ledger; register "
                               "other platforms only.", code=ReportingErrorCode.THIS_PLATFORM, field="uscc")


def register_applicant(actor: User, data: Mapping[str, Any]) -> Applicant:
    """Register an applicant.  For a seller of this platform the name, kind and county
    default to the seller's."""
    uscc = validate_uscc(data["uscc"])
    seller = sellers_by_uscc([uscc]).get(uscc)
    missing = [k for k in ("name", "kind", "county_code") if not data.get(k)]
    if missing and seller is None:
        raise ValidationFailed(f"{missing[0]} is required: no seller has this USCC to take "
                               f"it from.", code=ReportingErrorCode.APPLICANT_DETAILS_REQUIRED,
                               field=missing[0])
    name = (data.get("name") or seller.name).strip()
    kind = ApplicantKind(data.get("kind") or kind_of_seller(seller))
    county = require_current_county(data.get("county_code") or seller.county_code)
    _check_kind(uscc, kind)
    if db.session.scalar(db.select(Applicant.id).where(Applicant.uscc == uscc)):
        raise Conflict("An applicant with this USCC is already registered.",
                       code=ReportingErrorCode.APPLICANT_EXISTS)
    applicant = Applicant(uscc=uscc, name=name, kind=kind, county_code=county.code)
    db.session.add(applicant)
    _audit(actor, applicant, None, {"name": [None, name], "kind": [None, kind.value],
                                    "county_code": [None, county.code]},
           data.get("reason") or "registered")
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent registration won
        db.session.rollback()
        raise Conflict("An applicant with this USCC is already registered.",
                       code=ReportingErrorCode.APPLICANT_EXISTS) from exc
    return applicant


def update_applicant(actor: User, applicant_id: int, data: Mapping[str, Any]) -> Applicant:
    """Change name, kind or county; a change needs a reason and is audited."""
    applicant = get_applicant(applicant_id)
    new = {"name": data["name"].strip() if data.get("name") else applicant.name,
           "kind": data.get("kind") or applicant.kind,
           "county_code": require_current_county(data["county_code"]).code
           if data.get("county_code") else applicant.county_code}
    _check_kind(applicant.uscc, new["kind"])
    changes = applicant_changes(applicant, new)
    if changes:
        _require_reason(data.get("reason"))
        for key, value in new.items():
            setattr(applicant, key, value)
        _audit(actor, applicant, None, changes, data["reason"].strip())
        db.session.commit()
    return applicant


def applicant_changes(applicant: Applicant, new: Mapping[str, Any]) -> dict[str, list]:
    changes = {}
    for key, value in new.items():
        old = getattr(applicant, key)
        if old != value:
            changes[key] = [_plain(old), _plain(value)]
    return changes


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, ApplicantKind) else value


def _require_reason(reason: str | None) -> None:
    if not (reason and reason.strip()):
        raise ValidationFailed("Say why the register changes (reason).",
                               code=ReportingErrorCode.CHANGE_REASON_REQUIRED, field="reason")


def list_applicants(*, q: str | None = None, county: str | None = None,
                    kind: ApplicantKind | None = None):
    query = db.select(Applicant).order_by(Applicant.name, Applicant.id)
    if q:
        query = query.where(_prefix(Applicant, q))
    if county:
        query = query.where(Applicant.county_code == county)
    if kind is not None:
        query = query.where(Applicant.kind == kind)
    return query


def _prefix(model, q: str):
    """USCC or name starting with ``q`` (LIKE wildcards in ``q`` are plain characters)."""
    text = q.strip()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(model.uscc.like(escaped.upper() + "%", escape="\\"),
               model.name.like(escaped + "%", escape="\\"))


def lookup(q: str, county: str | None = None) -> list[dict[str, Any]]:
    """Applicants and sellers whose USCC or name starts with ``q``: a seller of this
    platform is an applicant too, registered or not (one entry per USCC)."""
    applicants = {a.uscc: a for a in db.session.scalars(
        list_applicants(q=q, county=county).limit(LOOKUP_LIMIT))}
    query = db.select(Seller).where(_prefix(Seller, q)).order_by(Seller.name, Seller.id)
    if county:
        query = query.where(Seller.county_code == county)
    sellers = {s.uscc: s for s in db.session.scalars(query.limit(LOOKUP_LIMIT))}
    unmatched = [uscc for uscc in sellers if uscc not in applicants]
    if unmatched:  # a seller found by its own name may be registered under another
        applicants.update((a.uscc, a) for a in db.session.scalars(
            db.select(Applicant).where(Applicant.uscc.in_(unmatched))))
    sellers.update(sellers_by_uscc(u for u in applicants if u not in sellers))
    found = [_entry(applicants.get(uscc), sellers.get(uscc))
             for uscc in set(applicants) | set(sellers)]
    found.sort(key=lambda e: (e["name"], e["uscc"]))
    return found[:LOOKUP_LIMIT]


def _entry(applicant: Applicant | None, seller: Seller | None) -> dict[str, Any]:
    subject = applicant or seller
    return {
        "applicant_id": applicant.id if applicant else None,
        "registered": applicant is not None,
        "uscc": subject.uscc, "name": subject.name,
        "kind": (applicant.kind if applicant else kind_of_seller(seller)).value,
        "county_code": subject.county_code, "county": subject.county.name,
        "seller": {"id": seller.id, "name": seller.name, "status": seller.status.value}
        if seller else None,
    }


# --- figures --------------------------------------------------------------------------------


def bases_by_operator(usccs: Iterable[str] | None = None) -> dict[str, list[int]]:
    query = db.select(LivestreamBase.operator_uscc, LivestreamBase.id).order_by(LivestreamBase.id)
    if usccs is not None:
        query = query.where(LivestreamBase.operator_uscc.in_(list(set(usccs))))
    out: dict[str, list[int]] = {}
    for uscc, base_id in db.session.execute(query):
        out.setdefault(uscc, []).append(base_id)
    return out


def figure_problems(kind: ApplicantKind, values: Mapping[str, int | None],
                    bases: int) -> list[tuple[str, str, str]]:
    """(field, code, message) for each rule the figures break; ``bases``: how many
    live-streaming bases the applicant operates."""
    problems = []
    for name, ceilings in AT_MOST.items():
        for ceiling in ceilings:
            low, high = values.get(name), values.get(ceiling)
            if low is not None and high is not None and low > high:
                code = f"{name.removesuffix('_fen')}_exceeds_{ceiling.removesuffix('_fen')}"
                problems.append((name, code, f"{LABELS[name]} sales ({yuan(low)}) exceed "
                                             f"{LABELS[ceiling]} sales ({yuan(high)})."))
    if values.get("livestream_fen") is not None:
        if kind is not ApplicantKind.LIVESTREAM_BASE_OPERATOR:
            problems.append(("livestream_fen", "livestream_not_a_base",
                             "Only the operator of a live-streaming base reports live-stream "
                             "sales."))
        elif bases == 0:
            problems.append(("livestream_fen", "no_livestream_base",
                             "No live-streaming base has this operator; record the base "
                             "first (/api/v1/bureau/livestream-bases)."))
        elif bases > 1:
            problems.append(("livestream_fen", "several_livestream_bases",
                             f"This operator runs {bases} bases; live-stream sales cannot be "
                             f"assigned to one of them."))
    if all(values.get(name) is None for name in FIGURES):
        problems.append(("online_retail_fen", "no_figures", "No figure is reported."))
    return problems


def refuse_figures(problems: list[tuple[str, str, str]]) -> None:
    """422 ``invalid_figures``: every rule the figures break, each with its own code (the
    codes of an import's rows) in ``problems`` and by field in ``errors``."""
    errors: dict[str, list[str]] = {}
    for field, _, message in problems:
        errors.setdefault(field, []).append(message)
    raise ValidationFailed("; ".join(message for _, _, message in problems),
                           code=ReportingErrorCode.INVALID_FIGURES, errors=errors,
                           problems=[{"field": f, "code": c, "message": m}
                                     for f, c, m in problems])


def figures_of(applicant_id: int, year: int | None = None) -> list[CertifiedFigures]:
    query = db.select(CertifiedFigures).where(CertifiedFigures.applicant_id == applicant_id)
    if year is not None:
        query = query.where(CertifiedFigures.year == year)
    return list(db.session.scalars(query.order_by(CertifiedFigures.year)))


def figure_changes(row: Any, values: Mapping[str, int | None],
                   note: str | None) -> dict[str, list]:
    """{field: [old, new]} of what ``values`` and ``note`` change in ``row`` (figures, or
    a row of their columns; None: nothing recorded yet)."""
    old = {k: getattr(row, k) for k in FIGURES} if row is not None else dict.fromkeys(FIGURES)
    changes = {k: [old[k], values[k]] for k in FIGURES if k in values and old[k] != values[k]}
    if note is not None and (row.note if row else None) != note:
        changes["note"] = [row.note if row else None, note]
    return changes


def record_figures(actor: User, applicant: Applicant, year: int,
                   values: Mapping[str, int | None], note: str | None = None,
                   reason: str | None = None) -> CertifiedFigures:
    """Set the applicant's figures of ``year`` (the fields given; None: not reported).
    Correcting recorded figures needs a reason; the same figures again change nothing."""
    row = db.session.scalar(db.select(CertifiedFigures).where(
        CertifiedFigures.applicant_id == applicant.id, CertifiedFigures.year == year))
    merged = {**(row.values() if row else dict.fromkeys(FIGURES)), **values}
    bases = len(bases_by_operator([applicant.uscc]).get(applicant.uscc, []))
    problems = figure_problems(applicant.kind, merged, bases)
    if problems:
        refuse_figures(problems)
    changes = figure_changes(row, values, note)
    if not changes:
        return row
    if row is not None:
        _require_reason(reason)
    row = row or CertifiedFigures(applicant=applicant, year=year)
    for key, (_, new) in changes.items():
        setattr(row, key, new)
    row.recorded_by_id, row.recorded_at = actor.id, utcnow()
    db.session.add(row)
    _audit(actor, applicant, year, changes,
           reason.strip() if reason and reason.strip() else "first recorded")
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent first recording of the same year
        db.session.rollback()
        raise Conflict("These figures were recorded at the same time by someone else; "
                       "reload and try again.", code=ReportingErrorCode.CONCURRENT_CHANGE) from exc
    return row


def changes_of(applicant_id: int) -> list[RegisterChange]:
    return list(db.session.scalars(db.select(RegisterChange).where(
        RegisterChange.applicant_id == applicant_id).order_by(RegisterChange.id)))


def figures_by_uscc(years: Iterable[int]) -> dict[int, dict[str, tuple[Applicant, CertifiedFigures]]]:
    """{year: {uscc: (applicant, figures)}} for the years, in one query."""
    out: dict[int, dict[str, tuple[Applicant, CertifiedFigures]]] = {y: {} for y in years}
    query = db.select(CertifiedFigures).where(CertifiedFigures.year.in_(list(out)))
    for row in db.session.scalars(query):
        out[row.year][row.applicant.uscc] = (row.applicant, row)
    return out


# --- the applicant's two parts ----------------------------------------------------------------

PARTS = ("online_retail_fen", "specialty_fen", "agricultural_fen", "upstream_fen")


def with_sellers(applicants: list[Applicant]) -> list[Applicant]:
    """Attach each applicant's seller of this platform (same USCC) as ``platform_seller``,
    in one query for the whole list."""
    sellers = sellers_by_uscc(a.uscc for a in applicants)
    for applicant in applicants:
        applicant.platform_seller = sellers.get(applicant.uscc)
    return applicants


def two_parts(applicant: Applicant, years: Iterable[int]) -> list[dict[str, Any]]:
    """Per year: the sales on this platform (as a seller; for a base's operator, the
    sales in the base's live rooms), the certified external figures, and their sum; a
    figure not reported makes its sum unknown (None)."""
    seller = sellers_by_uscc([applicant.uscc]).get(applicant.uscc)
    rooms = [room for base in db.session.scalars(db.select(LivestreamBase).where(
        LivestreamBase.operator_uscc == applicant.uscc)) for room in base.live_rooms]
    recorded = {f.year: f for f in figures_of(applicant.id)}
    out = []
    for year in years:
        start, end = metrics.month_range(Month(year, 1), Month(year, 12))
        platform = dict.fromkeys(FIGURES, 0)
        if seller is not None:
            row = db.session.execute(db.select(
                *(metrics.MEASURES[k].label(k) for k in PARTS)).where(
                L.seller_id == seller.id, L.business_time >= start, L.business_time < end)).one()
            platform.update({k: int(v) for k, v in row._mapping.items()})
        if rooms:
            by_room = metrics.livestream_sales_by_room(start, end)
            platform["livestream_fen"] = sum(by_room.get(room, 0) for room in rooms)
        external = recorded[year].values() if year in recorded else None
        total = {k: platform[k] if external is None else
                 (None if external[k] is None else platform[k] + external[k]) for k in FIGURES}
        out.append({"year": year, "platform": platform, "external": external,
                    "note": recorded[year].note if year in recorded else None,
                    "certified": total})
    return out


def applicant_detail(applicant_id: int, county_code: str | None = None) -> Applicant:
    """The applicant, its seller here, and its two parts for each year of the plan."""
    from gannan.reporting.inputs import current_settings

    applicant = with_sellers([get_applicant(applicant_id, county_code)])[0]
    settings = current_settings()
    applicant.years = two_parts(applicant, range(settings.base_year, settings.last_year + 1))
    return applicant


def figures_query(year: int, county_code: str | None = None):
    query = (db.select(CertifiedFigures).join(Applicant)
             .where(CertifiedFigures.year == year).order_by(Applicant.name, Applicant.id))
    if county_code:
        query = query.where(Applicant.county_code == county_code)
    return query


def recent_imports(limit: int = 100) -> list[FigureImport]:
    return list(db.session.scalars(db.select(FigureImport).order_by(FigureImport.id.desc())
                                   .limit(limit)))
