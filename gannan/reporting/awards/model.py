"""The award engine's inputs (:class:`AwardInputs` and its parts) and output
(:class:`AwardReport` of :class:`AwardLine`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from gannan.reporting.awards.settings import AwardKind, AwardSettings

# --- inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesParts:
    """A certified figure in its two parts: on this platform, and recorded externally
    by the bureau (other shops, other platforms).  ``external_fen`` None: the bureau
    recorded the applicant's figures for the year but not this one (not reported)."""

    platform_fen: int
    external_fen: int | None = 0


@dataclass(frozen=True)
class PlatformYear:
    """(1): a platform and its year's sales: this platform's operator with its ledger's
    sales (``ref`` "platform"), or another platform the bureau registered, with the
    figures certified for it (None: not reported)."""

    uscc: str
    name: str
    online_retail_fen: int | None
    specialty_fen: int | None
    ref: str = "platform"


@dataclass(frozen=True)
class EnterpriseYear:
    """(3) and (5): an enterprise's year: a seller of this platform, an applicant of the
    bureau's register, or both (one USCC).  ``online_history`` holds its certified
    online sales for earlier years; only years from ``base_year`` on count.

    An external figure of 0 means nothing recorded; None means the bureau recorded the
    applicant's figures for the year without this one: not reported."""

    seller_id: int | None
    uscc: str
    name: str
    platform_online_fen: int
    external_online_fen: int | None = 0
    platform_agricultural_fen: int = 0
    external_agricultural_fen: int | None = 0
    platform_upstream_fen: int = 0
    external_upstream_fen: int | None = 0
    online_history: Mapping[int, SalesParts] = field(default_factory=dict)
    applicant_id: int | None = None

    @property
    def ref(self) -> str:
        """"seller:<id>" for a seller of this platform, else "applicant:<id>"."""
        if self.seller_id is not None:
            return f"seller:{self.seller_id}"
        return f"applicant:{self.applicant_id}"


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
    # certified live-stream sales on other platforms (None: not reported); they add to
    # ``livestream_sales_fen``, the sales in this platform's own live rooms
    external_livestream_sales_fen: int | None = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AwardInputs:
    year: int
    platform: PlatformYear | None = None
    enterprises: Sequence[EnterpriseYear] = ()
    bases: Sequence[LivestreamBase] = ()
    other_platforms: Sequence[PlatformYear] = ()  # registered by the bureau, for (1)


# --- output -------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardLine:
    """One award to one recipient.  ``ref`` names the subject ("platform",
    "base:<id>", "seller:<id>", "applicant:<id>"); ``uscc`` the applicant that is paid."""

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
