"""Award settings: every parameter of the rules and every reading of an open point
(:class:`AwardSettings`), its tiers, thresholds and enums, and their JSON form."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from fractions import Fraction
from typing import Any

FEN_PER_YUAN = 100
AGRICULTURAL_MAX_RATE = Fraction(1, 100)  # (5) "1%以内": the bureau may only go lower
#: Every count, year and amount of the settings fits a BIGINT, as money does elsewhere.
MAX_SETTING = 2**63 - 1
#: A rate as written: "1/100" or "0.005" (no exponent, no sign, at most 12 digits a part).
RATE_TEXT = re.compile(r"[0-9]{1,12}(/[0-9]{1,12}|\.[0-9]{1,12})?")


def yuan(amount: int) -> int:
    """Whole yuan in fen."""
    return amount * FEN_PER_YUAN


def _require_counts(row: LivestreamTier | GrowthThreshold) -> None:
    """Every field of ``row`` is a non-negative integer."""
    for f in fields(row):
        value = getattr(row, f.name)
        if type(value) is not int or not 0 <= value <= MAX_SETTING:
            raise ValueError(f"{f.name} must be an integer from 0 to {MAX_SETTING}, "
                             f"not {value!r}")


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
    are the action plan's (docs/awards.md).  Money in fen, rates as exact fractions.

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
            if isinstance(value, int) and not 0 <= value <= MAX_SETTING:
                raise ValueError(f"{f.name} must be from 0 to {MAX_SETTING}")
        if self.base_year > self.last_year:
            raise ValueError("base_year is after last_year")
        if not 2000 <= self.base_year <= self.last_year <= 2100:
            raise ValueError("the plan's years lie between 2000 and 2100")
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
    """A stored rate: "1/100", an exact decimal such as "0.005", or an integer.

    Only these plain forms: ``Fraction`` also reads "1e-5000", whose denominator has
    5,001 digits (more than ``str()`` of an int may have), so it never reaches it."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1:
        return Fraction(value)
    if not isinstance(value, str) or not RATE_TEXT.fullmatch(value):
        raise TypeError(f"a rate must be a string such as '1/100' or '0.005', not {value!r}")
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
