"""The award engine: :func:`compute_awards` and its four stages (see the package
docstring), with the arithmetic and wording of the report's rules and notes."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from gannan.reporting.awards.model import (
    AwardInputs,
    AwardLine,
    AwardReport,
    EnterpriseYear,
    LivestreamBase,
    PlatformYear,
    SalesParts,
)
from gannan.reporting.awards.settings import (
    FEN_PER_YUAN,
    AwardKind,
    AwardSettings,
    LivestreamTier,
    LivestreamUpgrade,
    Rounding,
)

# --- the engine ---------------------------------------------------------------------


def compute_awards(inputs: AwardInputs, settings: AwardSettings) -> AwardReport:
    _validate(inputs, settings)
    lines = _prefer_higher(_claims(inputs, settings))
    lines = _cap_per_enterprise(lines, settings.enterprise_yearly_cap_fen)
    lines, served = _allocate_budget(lines, settings)
    eligible = sum(line.capped_fen for line in lines)
    allocated = sum(line.allocated_fen for line in lines)
    return AwardReport(inputs.year, settings, tuple(lines), served, eligible, allocated,
                       settings.budget_fen - allocated)


def _validate(inputs: AwardInputs, settings: AwardSettings) -> None:
    if not settings.base_year <= inputs.year <= settings.last_year:
        raise ValueError(f"{inputs.year} is outside the plan "
                         f"({settings.base_year}–{settings.last_year})")
    platforms = [*([inputs.platform] if inputs.platform else []), *inputs.other_platforms]
    for label, ids in (("enterprise", [e.ref for e in inputs.enterprises]),
                       ("base", [b.id for b in inputs.bases]),
                       ("platform", [p.ref for p in platforms])):
        if len(set(ids)) != len(ids):
            raise ValueError(f"a {label} appears twice")
    histories = [e.online_history for e in inputs.enterprises]
    histories += [b.livestream_history for b in inputs.bases]
    if any(year >= inputs.year for history in histories for year in history):
        raise ValueError(f"history must hold only years before {inputs.year}")
    recipients = [*inputs.enterprises, *inputs.bases, *platforms]
    if not all(r.uscc for r in recipients):
        raise ValueError("every recipient needs its USCC")
    tiers = {t.tier for t in settings.livestream_tiers}
    if any(not b.received_tiers <= tiers for b in inputs.bases):
        raise ValueError("a base has received a tier the settings do not define")


def _claims(inputs: AwardInputs, s: AwardSettings) -> list[AwardLine]:
    """Stage 1, in report order: this platform, other platforms by ref, bases by id,
    sellers by id, then applicants that are not sellers by id."""
    lines = [_platform_line(inputs.platform, s)] if inputs.platform else []
    lines += [_platform_line(p, s) for p in sorted(inputs.other_platforms, key=_order)]
    lines += [_base_line(b, inputs.year, s) for b in sorted(inputs.bases, key=lambda b: b.id)]
    for e in sorted(inputs.enterprises, key=_order):
        lines += [_growth_line(e, inputs.year, s), _agricultural_line(e, s)]
    return lines


def _order(subject: EnterpriseYear | PlatformYear) -> tuple[str, int]:
    """"seller:2" before "seller:10"; sellers before applicants."""
    kind, _, number = subject.ref.partition(":")
    return kind != "seller", int(number) if number.isdigit() else 0


def _not_reported(what: str, name: str, year: int | None = None) -> str:
    when = f" for {year}" if year else ""
    return (f"{what} not reported{when} for {name}: no award until the bureau records "
            f"them")


def _platform_line(p: PlatformYear, s: AwardSettings) -> AwardLine:
    figures = {"online_retail_fen": p.online_retail_fen, "specialty_fen": p.specialty_fen}
    if p.online_retail_fen is None:
        return AwardLine(p.ref, p.uscc, p.name, AwardKind.PLATFORM, figures, (),
                         "(1) " + _not_reported("online retail sales", p.name), 0, 0)
    head = f"(1) online retail sales {_money(p.online_retail_fen)}"
    if p.online_retail_fen >= s.platform_min_online_fen and p.specialty_fen is None:
        amount, rule = 0, (f"{head} ≥ {_money(s.platform_min_online_fen)}, but "
                           + _not_reported("Ganzhou specialty sales", p.name))
    elif p.online_retail_fen >= s.platform_min_online_fen:
        amount, rule = _rated(s.platform_rate, p.specialty_fen, s.platform_cap_fen, s.rounding,
                              "Ganzhou specialty sales")
        rule = f"{head} ≥ {_money(s.platform_min_online_fen)}: {rule}"
    else:
        amount, rule = 0, f"{head} < {_money(s.platform_min_online_fen)}: no award"
    return AwardLine(p.ref, p.uscc, p.name, AwardKind.PLATFORM, figures, (), rule,
                     p.online_retail_fen, amount)


def _base_line(b: LivestreamBase, year: int, s: AwardSettings) -> AwardLine:
    earlier = _highest_earlier(b.livestream_history, year, s.base_year)
    sales = _certified(SalesParts(b.livestream_sales_fen, b.external_livestream_sales_fen), s)
    shortfalls = {t.tier: _tier_shortfalls(b, sales or 0, t, earlier)
                  for t in s.livestream_tiers}
    met = [t for t in s.livestream_tiers if not shortfalls[t.tier]]
    head = f"(2) tier {_and([str(t.tier) for t in met])} met in {year}"
    if sales is None:
        met, amount = [], 0
        rule = "(2) " + _not_reported("live-stream sales on other platforms", b.name, year)
    elif met and year == s.base_year and not s.base_year_earns:
        amount, rule = 0, f"{head}, the base year, which earns nothing"
    elif met:
        amount, rule = _livestream_award(b, met, s)
        rule = f"{head}: {rule}"
    else:
        amount = 0
        rule = "(2) " + "; ".join(f"tier {tier} not met ({', '.join(why)})"
                                  for tier, why in shortfalls.items())
    figures = {"area_m2": str(b.area_m2), "rooms": b.rooms,
               "resident_enterprises": b.resident_enterprises, "hosts": b.hosts,
               "platform_livestream_sales_fen": b.livestream_sales_fen,
               "external_livestream_sales_fen": b.external_livestream_sales_fen,
               "livestream_sales_fen": sales,
               "highest_earlier_livestream_sales_fen": earlier,
               "received_tiers": ",".join(str(t) for t in sorted(b.received_tiers))}
    return AwardLine(f"base:{b.id}", b.uscc, b.name, AwardKind.LIVESTREAM_BASE, figures,
                     tuple(t.sales_exceed_fen for t in met), rule,
                     b.livestream_sales_fen if sales is None else sales, amount, notes=b.notes)


def _tier_shortfalls(b: LivestreamBase, sales: int, t: LivestreamTier,
                     earlier: int | None) -> list[str]:
    """Why ``b`` does not meet tier ``t`` this year; empty when it does."""
    why = [f"{label} {have} < {need}" for label, have, need in (
        ("area m²", b.area_m2, t.min_area_m2), ("rooms", b.rooms, t.min_rooms),
        ("resident enterprises", b.resident_enterprises, t.min_resident_enterprises),
        ("hosts", b.hosts, t.min_hosts)) if have < need]
    if sales <= t.sales_exceed_fen:
        why.append(f"live-stream sales {_money(sales)} do not exceed "
                   f"{_money(t.sales_exceed_fen)}")
    elif earlier is not None and earlier > t.sales_exceed_fen:
        why.append(f"{_money(t.sales_exceed_fen)} already exceeded in an earlier year")
    return why


def _livestream_award(b: LivestreamBase, met: list[LivestreamTier],
                      s: AwardSettings) -> tuple[int, str]:
    """The award for the tiers met this year, under the one-time reading."""
    received = [t for t in s.livestream_tiers if t.tier in b.received_tiers]
    mode = s.livestream_upgrade
    if mode is LivestreamUpgrade.EACH_TIER:
        new = [t for t in met if t.tier not in b.received_tiers]
        amount = sum(t.award_fen for t in new)
        text = _sum(t.award_fen for t in new) if new else "every tier met was already received"
        return amount, f"{text} (each tier is its own one-time award)"
    top = met[-1]
    if mode is LivestreamUpgrade.ONCE:
        if received:
            return 0, "a tier was already received (one award per base)"
        return top.award_fen, f"{_money(top.award_fen)} (one award per base)"
    paid = sum(t.award_fen for t in received)
    amount = max(0, top.award_fen - paid)
    less = f" less {_money(paid)} already received" if paid else ""
    return amount, (f"tier {top.tier} pays {_money(top.award_fen)}{less}: {_money(amount)} "
                    f"(tiers are levels of one award)")


def _growth_line(e: EnterpriseYear, year: int, s: AwardSettings) -> AwardLine:
    parts = SalesParts(e.platform_online_fen, e.external_online_fen)
    total = _certified(parts, s)
    history = {y: _certified(p, s) for y, p in e.online_history.items()}
    unknown = sorted(y for y, v in history.items() if v is None and s.base_year <= y < year)
    notes = (f"external online sales of {_and([str(y) for y in unknown])} not reported: "
             f"those years count platform sales only",) if unknown else ()
    history = {y: e.online_history[y].platform_fen if v is None else v
               for y, v in history.items()}
    earlier = _highest_earlier(history, year, s.base_year)
    crossed = [t for t in s.growth_thresholds if total is not None and total > t.exceed_fen
               and (earlier is None or earlier <= t.exceed_fen)]
    head = f"(3) certified online sales {_money(total or 0)}"
    if total is None:
        amount, rule = 0, "(3) " + _not_reported("external online sales", e.name, year)
    elif crossed and year == s.base_year and not s.base_year_earns:
        amount, rule = 0, f"{head} in the base year {year}, which earns nothing"
    elif crossed:
        raw = sum(t.award_fen for t in crossed)
        amount = min(raw, s.growth_yearly_cap_fen)
        rule = (f"{head} first exceeded {_and([_money(t.exceed_fen) for t in crossed])} "
                f"in {year}: {_sum(t.award_fen for t in crossed)}"
                + _capped(raw, s.growth_yearly_cap_fen))
    else:
        amount, rule = 0, f"{head} first exceed no threshold in {year}"
        if earlier is not None:
            rule += f" (highest earlier year: {_money(earlier)})"
    figures = {"platform_online_fen": e.platform_online_fen,
               "external_online_fen": e.external_online_fen, "certified_online_fen": total,
               "highest_earlier_certified_online_fen": earlier}
    return AwardLine(e.ref, e.uscc, e.name, AwardKind.GROWTH, figures,
                     tuple(t.exceed_fen for t in crossed), rule,
                     e.platform_online_fen if total is None else total, amount, notes=notes)


def _agricultural_line(e: EnterpriseYear, s: AwardSettings) -> AwardLine:
    agricultural = _certified(SalesParts(e.platform_agricultural_fen,
                                         e.external_agricultural_fen), s)
    upstream = _certified(SalesParts(e.platform_upstream_fen, e.external_upstream_fen), s)
    head = f"(5) certified agricultural online sales {_money(agricultural or 0)}"
    qualifies = agricultural is not None and agricultural > s.agricultural_exceed_fen
    if agricultural is None:
        amount, rule = 0, "(5) " + _not_reported("external agricultural online sales",
                                                  e.name)
    elif qualifies and upstream is None:
        amount = 0
        rule = (f"{head} > {_money(s.agricultural_exceed_fen)}, but "
                + _not_reported("agricultural upstream sales (农产品上行)", e.name))
    elif qualifies:
        amount, rule = _rated(s.agricultural_rate, upstream, s.agricultural_cap_fen, s.rounding,
                              "agricultural upstream sales")
        rule = f"{head} > {_money(s.agricultural_exceed_fen)}: {rule}"
    else:
        amount = 0
        rule = f"{head} do not exceed {_money(s.agricultural_exceed_fen)}: no award"
    figures = {"platform_agricultural_fen": e.platform_agricultural_fen,
               "external_agricultural_fen": e.external_agricultural_fen,
               "certified_agricultural_fen": agricultural,
               "platform_upstream_fen": e.platform_upstream_fen,
               "external_upstream_fen": e.external_upstream_fen,
               "certified_upstream_fen": upstream}
    ranking = _certified(SalesParts(e.platform_online_fen, e.external_online_fen), s)
    return AwardLine(e.ref, e.uscc, e.name, AwardKind.AGRICULTURAL, figures,
                     (s.agricultural_exceed_fen,) if qualifies else (), rule,
                     e.platform_online_fen if ranking is None else ranking, amount)


def _prefer_higher(lines: list[AwardLine]) -> list[AwardLine]:
    """Stage 2, 就高不就低: a seller due both (3) and (5) keeps only the higher."""
    due = {(line.ref, line.kind): line.computed_fen for line in lines}
    out = []
    for line in lines:
        growth = due.get((line.ref, AwardKind.GROWTH), 0)
        agricultural = due.get((line.ref, AwardKind.AGRICULTURAL), 0)
        both_due = growth > 0 and agricultural > 0
        winner = AwardKind.GROWTH if growth >= agricultural else AwardKind.AGRICULTURAL
        if both_due and line.kind in (AwardKind.GROWTH, AwardKind.AGRICULTURAL) \
                and line.kind is not winner:
            note = (f"就高不就低: (3) {_money(growth)} and (5) {_money(agricultural)} are due; "
                    f"only the higher, {winner.value}, is paid")
            out.append(replace(line, after_preference_fen=0, notes=line.notes + (note,)))
        elif line.after_preference_fen != line.computed_fen:
            out.append(replace(line, after_preference_fen=line.computed_fen))
        else:  # nothing due (most lines): the line is already what replace() would give
            out.append(line)
    return out


def _cap_per_enterprise(lines: list[AwardLine], cap: int) -> list[AwardLine]:
    """Stage 3: an applicant's lines, in report order, share ``cap``."""
    used: dict[str, int] = defaultdict(int)
    out = []
    for line in lines:
        amount = min(line.after_preference_fen, cap - used[line.uscc])
        used[line.uscc] += amount
        notes = line.notes
        if amount < line.after_preference_fen:
            notes += (f"per-enterprise cap {_money(cap)} a year: "
                      f"{_money(amount)} of {_money(line.after_preference_fen)} kept",)
        out.append(line if amount == line.capped_fen and notes is line.notes
                   else replace(line, capped_fen=amount, notes=notes))
    return out


def _allocate_budget(lines: list[AwardLine],
                     s: AwardSettings) -> tuple[list[AwardLine], tuple[str, ...]]:
    """Stage 4: applicants from the highest sales down (ties by USCC) draw on the budget."""
    claims: dict[str, list[int]] = defaultdict(list)  # uscc -> indexes of its lines
    for index, line in enumerate(lines):
        if line.capped_fen:
            claims[line.uscc].append(index)
    served = tuple(sorted(claims, key=lambda uscc: (
        -max(lines[i].ranking_sales_fen for i in claims[uscc]), uscc)))
    out, left, stopped = list(lines), s.budget_fen, False
    for position, uscc in enumerate(served, 1):
        claim = sum(lines[i].capped_fen for i in claims[uscc])
        stopped = stopped or (claim > left and not s.budget_last_served_gets_remainder)
        for i in claims[uscc]:
            line = lines[i]
            amount = 0 if stopped else min(line.capped_fen, left)
            note = (f"budget {_money(s.budget_fen)}: applicant served {position} of "
                    f"{len(served)}; " + ("serving stopped at the first applicant it could "
                                          "not pay in full" if stopped else
                                          f"{_money(left)} was left for this award"))
            left -= amount
            out[i] = replace(line, allocated_fen=amount,
                             notes=line.notes + ((note,) if amount < line.capped_fen else ()))
    return out, served


# --- arithmetic and wording -----------------------------------------------------------


def _certified(parts: SalesParts, s: AwardSettings) -> int | None:
    """Platform + external part; None when the external part counts but is not reported."""
    if not s.count_external_sales:
        return parts.platform_fen
    return None if parts.external_fen is None else parts.platform_fen + parts.external_fen


def _highest_earlier(history: Mapping[int, int], year: int, base_year: int) -> int | None:
    """The highest figure of the counted years before ``year`` (base year on), if any."""
    return max((v for y, v in history.items() if base_year <= y < year), default=None)


def _apply_rate(rate: Fraction, base_fen: int, rounding: Rounding) -> int:
    exact = rate * base_fen
    fen = math.floor(exact) if rounding is Rounding.DOWN else math.floor(exact + Fraction(1, 2))
    return max(0, fen)


def _rated(rate: Fraction, base_fen: int, cap_fen: int, rounding: Rounding,
           label: str) -> tuple[int, str]:
    raw = _apply_rate(rate, base_fen, rounding)
    amount = min(raw, cap_fen)
    return amount, (f"{_percent(rate)} of {label} {_money(base_fen)} = {_money(raw)}"
                    + _capped(raw, cap_fen))


def _sum(awards: Iterable[int]) -> str:
    """Awards and their total, as "200,000 + 300,000 = 500,000 元"; one award alone as
    "300,000 元"."""
    amounts = list(awards)
    total = _money(sum(amounts))
    return total if len(amounts) == 1 else " + ".join(map(_amount, amounts)) + f" = {total}"


def _and(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _capped(raw: int, cap: int) -> str:
    return f", capped at {_money(cap)}" if raw > cap else ""


def _percent(rate: Fraction) -> str:
    percent = rate * 100
    as_decimal = Decimal(percent.numerator) / percent.denominator
    if Fraction(as_decimal) == percent:
        return f"{as_decimal.normalize():f}%"
    return f"{rate.numerator}/{rate.denominator}"


def _amount(fen: int) -> str:
    """Fen as yuan with thousands separators: 1234500 -> "12,345", 1 -> "0.01"."""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    return ("-" if fen < 0 else "") + f"{whole:,}" + (f".{cents:02d}" if cents else "")


def _money(fen: int) -> str:
    return f"{_amount(fen)} 元"
