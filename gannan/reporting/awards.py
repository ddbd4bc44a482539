"""The award engine: the action plan's awards (POLICY.md, seed section 三) for one year.

Pure: plain dataclasses in (:class:`AwardInputs`, :class:`AwardSettings`), an
:class:`AwardReport` out; no Flask, no database.  Money is integer fen, rates are
:class:`~fractions.Fraction`, never float.

A line goes through four stages, each shown in the report:

1. ``computed_fen``: the award's own rule and cap ((1), (2), (3) or (5));
2. ``after_preference_fen``: 就高不就低 — an enterprise due both (3) and (5) keeps the
   higher (growth on a tie);
3. ``capped_fen``: at most ``enterprise_yearly_cap_fen`` per enterprise (one USCC)
   over all its lines, filled in clause order (platform, bases, growth, agricultural);
4. ``allocated_fen``: the city budget, served applicant by applicant from the highest
   sales down (ties by USCC).

Readings of the open points are fields of :class:`AwardSettings`; the fixed ones:

* An applicant is a legal entity, identified by its USCC: the platform operator, a
  live-streaming base's operator and a seller are one applicant when they share it.
* An applicant's sales for the budget order are the highest of its lines' figures:
  the platform's online retail sales, a base's live-stream sales, a seller's
  certified online sales.
* "First exceeds" for bases is judged like (3): a tier's sales threshold exceeded in
  an earlier counted year (base year on) cannot be first exceeded again.
"""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

FEN_PER_YUAN = 100
AGRICULTURAL_MAX_RATE = Fraction(1, 100)  # (5) "1%以内": the bureau may only go lower


def yuan(amount: int) -> int:
    """Whole yuan in fen."""
    return amount * FEN_PER_YUAN


def _require_counts(row: LivestreamTier | GrowthThreshold) -> None:
    """Every field of ``row`` is a non-negative integer."""
    for f in fields(row):
        value = getattr(row, f.name)
        if type(value) is not int or value < 0:
            raise ValueError(f"{f.name} must be a non-negative integer, not {value!r}")


class Rounding(str, enum.Enum):
    """How a percentage becomes fen.  POLICY: rounded down to the fen."""

    DOWN = "down"
    HALF_UP = "half_up"


class LivestreamUpgrade(str, enum.Enum):
    """What a base that already received a tier gets when it meets a higher one.

    * ``DIFFERENCE`` (default): the tiers are levels of one one-time award; a base is
      paid the highest tier met less what it already received for lower tiers, so
      over the plan it never gets more than the highest tier's award.
    * ``EACH_TIER``: each tier is its own one-time award, paid in full once (meeting
      both in one year pays both).
    * ``ONCE``: one award per base over the plan; after any tier, nothing more.
    """

    DIFFERENCE = "difference"
    EACH_TIER = "each_tier"
    ONCE = "once"


class AwardKind(str, enum.Enum):
    PLATFORM = "platform"  # (1)
    LIVESTREAM_BASE = "livestream_base"  # (2)
    GROWTH = "growth"  # (3)
    AGRICULTURAL = "agricultural"  # (5)


@dataclass(frozen=True)
class LivestreamTier:
    """(2): facilities at least (≥) these, and live-stream sales first exceeding (>)
    ``sales_exceed_fen``, earn ``award_fen`` once."""

    tier: int
    min_area_m2: int
    min_rooms: int
    min_resident_enterprises: int
    min_hosts: int
    sales_exceed_fen: int
    award_fen: int

    def __post_init__(self) -> None:
        _require_counts(self)


@dataclass(frozen=True)
class GrowthThreshold:
    """(3): certified online sales first exceeding (>) ``exceed_fen`` earn ``award_fen``."""

    exceed_fen: int
    award_fen: int

    def __post_init__(self) -> None:
        _require_counts(self)


DEFAULT_LIVESTREAM_TIERS = (
    LivestreamTier(1, 500, 10, 20, 20, yuan(20_000_000), yuan(100_000)),
    LivestreamTier(2, 1_000, 20, 30, 30, yuan(50_000_000), yuan(200_000)),
)
DEFAULT_GROWTH_THRESHOLDS = (
    GrowthThreshold(yuan(100_000_000), yuan(200_000)),
    GrowthThreshold(yuan(200_000_000), yuan(300_000)),
    GrowthThreshold(yuan(300_000_000), yuan(400_000)),
    GrowthThreshold(yuan(400_000_000), yuan(500_000)),
)


@dataclass(frozen=True)
class AwardSettings:
    """Every parameter of the rules and every reading of an open point; the defaults
    are POLICY.md's.  Money in fen, rates as exact fractions.

    ``to_dict``/``from_dict`` give a JSON form: fen as integers, rates as
    ``"numerator/denominator"`` strings (``from_dict`` also takes exact decimal strings
    such as ``"0.005"``, never a float), enums as their values, tiers and thresholds as
    lists of objects.  Keys missing from stored settings take the default.
    """

    base_year: int = 2024  # (2), (3): "first exceeds" is judged from this year on
    last_year: int = 2026  # the plan's last year; later years are refused
    base_year_earns: bool = True  # the base year itself can earn (2) and (3)
    count_external_sales: bool = True  # certified = platform + external parts
    rounding: Rounding = Rounding.DOWN
    # (1) platform award
    platform_min_online_fen: int = yuan(5_000_000)  # 以上: ≥
    platform_rate: Fraction = Fraction(1, 100)  # of Ganzhou specialty sales
    platform_cap_fen: int = yuan(300_000)
    # (2) live-streaming base award
    livestream_tiers: tuple[LivestreamTier, ...] = DEFAULT_LIVESTREAM_TIERS
    livestream_upgrade: LivestreamUpgrade = LivestreamUpgrade.DIFFERENCE
    # (3) enterprise growth award
    growth_thresholds: tuple[GrowthThreshold, ...] = DEFAULT_GROWTH_THRESHOLDS
    growth_yearly_cap_fen: int = yuan(500_000)
    # (5) agricultural sales award
    agricultural_exceed_fen: int = yuan(10_000_000)  # 超: >
    agricultural_rate: Fraction = Fraction(1, 100)  # "up to 1%": exactly 1% unless lowered
    agricultural_cap_fen: int = yuan(200_000)
    # all awards
    enterprise_yearly_cap_fen: int = yuan(1_000_000)
    budget_fen: int = yuan(10_000_000)
    # True: the last applicant served gets what is left.  False: an applicant the
    # budget cannot pay in full gets nothing, and neither does anyone after it.
    budget_last_served_gets_remainder: bool = True

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(f.default, Fraction) and type(value) is not type(f.default):
                raise TypeError(f"{f.name} must be {type(f.default).__name__}, not {value!r}")
            if isinstance(value, int) and value < 0:
                raise ValueError(f"{f.name} must not be negative")
        if self.base_year > self.last_year:
            raise ValueError("base_year is after last_year")
        _require_rate("platform_rate", self.platform_rate, Fraction(1))
        _require_rate("agricultural_rate", self.agricultural_rate, AGRICULTURAL_MAX_RATE)
        if not _strictly_ascending([t.tier for t in self.livestream_tiers]):
            raise ValueError("livestream_tiers must be in ascending tier order")
        if not _strictly_ascending([t.exceed_fen for t in self.growth_thresholds]):
            raise ValueError("growth_thresholds must be in ascending order")

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AwardSettings:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown award settings: {', '.join(sorted(unknown))}")
        return cls(**{name: _DECODERS.get(name, _plain)(value) for name, value in data.items()})


def _require_rate(name: str, rate: object, highest: Fraction) -> None:
    if not isinstance(rate, (Fraction, int)) or isinstance(rate, bool):
        raise TypeError(f"{name} must be a Fraction, not {rate!r}")
    if not 0 <= rate <= highest:
        raise ValueError(f"{name} must be between 0 and {highest}")


def _strictly_ascending(values: Sequence[int]) -> bool:
    return all(a < b for a, b in zip(values, values[1:]))


def _encode(value: object) -> object:
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return [asdict(item) for item in value]
    return value


def _fraction(value: object) -> Fraction:
    """A stored rate: "1/100", an exact decimal such as "0.005", or an integer."""
    if not isinstance(value, (str, int)) or isinstance(value, bool) or len(str(value)) > 40:
        raise TypeError(f"a rate must be a string such as '1/100', not {value!r}")
    try:
        return Fraction(value)
    except ZeroDivisionError as exc:
        raise ValueError(f"a rate cannot divide by zero: {value!r}") from exc


def _plain(value: object) -> object:
    return value


_DECODERS: dict[str, Callable[[Any], object]] = {
    "rounding": Rounding,
    "livestream_upgrade": LivestreamUpgrade,
    "platform_rate": _fraction,
    "agricultural_rate": _fraction,
    "livestream_tiers": lambda rows: tuple(LivestreamTier(**row) for row in rows),
    "growth_thresholds": lambda rows: tuple(GrowthThreshold(**row) for row in rows),
}


# --- inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesParts:
    """A certified figure in its two parts: on this platform, and recorded externally
    by the bureau (other shops, other platforms)."""

    platform_fen: int
    external_fen: int = 0


@dataclass(frozen=True)
class PlatformYear:
    """(1): the platform operator and this year's platform-wide sales."""

    uscc: str
    name: str
    online_retail_fen: int
    specialty_fen: int


@dataclass(frozen=True)
class EnterpriseYear:
    """(3) and (5): a seller's year.  ``online_history`` holds its certified online
    sales for earlier years; only years from ``base_year`` on count."""

    seller_id: int
    uscc: str
    name: str
    platform_online_fen: int
    external_online_fen: int = 0
    platform_agricultural_fen: int = 0
    external_agricultural_fen: int = 0
    platform_upstream_fen: int = 0
    external_upstream_fen: int = 0
    online_history: Mapping[int, SalesParts] = field(default_factory=dict)


@dataclass(frozen=True)
class LivestreamBase:
    """(2): a base, its operator, its resident enterprises' live-stream sales this year
    and in earlier years, and the tiers it has already been awarded."""

    id: int
    uscc: str
    name: str
    area_m2: int | Decimal
    rooms: int
    resident_enterprises: int
    hosts: int
    livestream_sales_fen: int
    livestream_history: Mapping[int, int] = field(default_factory=dict)
    received_tiers: frozenset[int] = frozenset()


@dataclass(frozen=True)
class AwardInputs:
    year: int
    platform: PlatformYear | None = None
    enterprises: Sequence[EnterpriseYear] = ()
    bases: Sequence[LivestreamBase] = ()


# --- output -------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardLine:
    """One award to one recipient.  ``ref`` names the subject ("platform",
    "base:<id>", "seller:<id>"); ``uscc`` the applicant that is paid."""

    ref: str
    uscc: str
    name: str
    kind: AwardKind
    figures: Mapping[str, int | str | None]
    thresholds_crossed_fen: tuple[int, ...]
    rule: str
    ranking_sales_fen: int
    computed_fen: int
    after_preference_fen: int = 0
    capped_fen: int = 0
    allocated_fen: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(kind=self.kind.value, figures=dict(self.figures),
                   thresholds_crossed_fen=list(self.thresholds_crossed_fen),
                   notes=list(self.notes))
        return out


@dataclass(frozen=True)
class AwardReport:
    year: int
    settings: AwardSettings
    lines: tuple[AwardLine, ...]
    served_order: tuple[str, ...]  # USCCs, in the order the budget served them
    eligible_total_fen: int  # after the per-enterprise cap
    allocated_total_fen: int
    budget_left_fen: int

    @property
    def awarded_lines(self) -> tuple[AwardLine, ...]:
        return tuple(line for line in self.lines if line.allocated_fen > 0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year, "settings": self.settings.to_dict(),
            "lines": [line.to_dict() for line in self.lines],
            "served_order": list(self.served_order),
            "eligible_total_fen": self.eligible_total_fen,
            "allocated_total_fen": self.allocated_total_fen,
            "budget_fen": self.settings.budget_fen, "budget_left_fen": self.budget_left_fen,
        }


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
    for label, ids in (("seller", [e.seller_id for e in inputs.enterprises]),
                       ("base", [b.id for b in inputs.bases])):
        if len(set(ids)) != len(ids):
            raise ValueError(f"a {label} appears twice")
    histories = [e.online_history for e in inputs.enterprises]
    histories += [b.livestream_history for b in inputs.bases]
    if any(year >= inputs.year for history in histories for year in history):
        raise ValueError(f"history must hold only years before {inputs.year}")
    recipients = [*inputs.enterprises, *inputs.bases]
    if not all(r.uscc for r in recipients) or (inputs.platform and not inputs.platform.uscc):
        raise ValueError("every recipient needs its USCC")
    tiers = {t.tier for t in settings.livestream_tiers}
    if any(not b.received_tiers <= tiers for b in inputs.bases):
        raise ValueError("a base has received a tier the settings do not define")


def _claims(inputs: AwardInputs, s: AwardSettings) -> list[AwardLine]:
    """Stage 1, in report order: platform, bases by id, sellers by id."""
    lines = [_platform_line(inputs.platform, s)] if inputs.platform else []
    lines += [_base_line(b, inputs.year, s) for b in sorted(inputs.bases, key=lambda b: b.id)]
    for e in sorted(inputs.enterprises, key=lambda e: e.seller_id):
        lines += [_growth_line(e, inputs.year, s), _agricultural_line(e, s)]
    return lines


def _platform_line(p: PlatformYear, s: AwardSettings) -> AwardLine:
    head = f"(1) online retail sales {_money(p.online_retail_fen)}"
    if p.online_retail_fen >= s.platform_min_online_fen:
        amount, rule = _rated(s.platform_rate, p.specialty_fen, s.platform_cap_fen, s.rounding,
                              "Ganzhou specialty sales")
        rule = f"{head} ≥ {_money(s.platform_min_online_fen)}: {rule}"
    else:
        amount, rule = 0, f"{head} < {_money(s.platform_min_online_fen)}: no award"
    figures = {"online_retail_fen": p.online_retail_fen, "specialty_fen": p.specialty_fen}
    return AwardLine("platform", p.uscc, p.name, AwardKind.PLATFORM, figures, (), rule,
                     p.online_retail_fen, amount)


def _base_line(b: LivestreamBase, year: int, s: AwardSettings) -> AwardLine:
    earlier = _highest_earlier(b.livestream_history, year, s.base_year)
    shortfalls = {t.tier: _tier_shortfalls(b, t, earlier) for t in s.livestream_tiers}
    met = [t for t in s.livestream_tiers if not shortfalls[t.tier]]
    head = f"(2) tier {_and([str(t.tier) for t in met])} met in {year}"
    if met and year == s.base_year and not s.base_year_earns:
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
               "livestream_sales_fen": b.livestream_sales_fen,
               "highest_earlier_livestream_sales_fen": earlier,
               "received_tiers": ",".join(str(t) for t in sorted(b.received_tiers))}
    return AwardLine(f"base:{b.id}", b.uscc, b.name, AwardKind.LIVESTREAM_BASE, figures,
                     tuple(t.sales_exceed_fen for t in met), rule, b.livestream_sales_fen,
                     amount)


def _tier_shortfalls(b: LivestreamBase, t: LivestreamTier, earlier: int | None) -> list[str]:
    """Why ``b`` does not meet tier ``t`` this year; empty when it does."""
    why = [f"{label} {have} < {need}" for label, have, need in (
        ("area m²", b.area_m2, t.min_area_m2), ("rooms", b.rooms, t.min_rooms),
        ("resident enterprises", b.resident_enterprises, t.min_resident_enterprises),
        ("hosts", b.hosts, t.min_hosts)) if have < need]
    if b.livestream_sales_fen <= t.sales_exceed_fen:
        why.append(f"live-stream sales {_money(b.livestream_sales_fen)} do not exceed "
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
    earlier = _highest_earlier(history, year, s.base_year)
    crossed = [t for t in s.growth_thresholds
               if total > t.exceed_fen and (earlier is None or earlier <= t.exceed_fen)]
    head = f"(3) certified online sales {_money(total)}"
    if crossed and year == s.base_year and not s.base_year_earns:
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
    return AwardLine(f"seller:{e.seller_id}", e.uscc, e.name, AwardKind.GROWTH, figures,
                     tuple(t.exceed_fen for t in crossed), rule, total, amount)


def _agricultural_line(e: EnterpriseYear, s: AwardSettings) -> AwardLine:
    agricultural = _certified(SalesParts(e.platform_agricultural_fen,
                                         e.external_agricultural_fen), s)
    upstream = _certified(SalesParts(e.platform_upstream_fen, e.external_upstream_fen), s)
    head = f"(5) certified agricultural online sales {_money(agricultural)}"
    qualifies = agricultural > s.agricultural_exceed_fen
    if qualifies:
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
    return AwardLine(f"seller:{e.seller_id}", e.uscc, e.name, AwardKind.AGRICULTURAL, figures,
                     (s.agricultural_exceed_fen,) if qualifies else (), rule, ranking, amount)


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
        else:
            out.append(replace(line, after_preference_fen=line.computed_fen))
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
        out.append(replace(line, capped_fen=amount, notes=notes))
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


def _certified(parts: SalesParts, s: AwardSettings) -> int:
    return parts.platform_fen + (parts.external_fen if s.count_external_sales else 0)


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
