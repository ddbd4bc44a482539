"""The award engine: the action plan's awards (docs/awards.md) for one year.

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

from gannan.reporting.awards.engine import compute_awards
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
    AwardKind,
    AwardSettings,
    GrowthThreshold,
    LivestreamUpgrade,
    Rounding,
    yuan,
)

__all__ = [
    "AwardInputs",
    "AwardKind",
    "AwardLine",
    "AwardReport",
    "AwardSettings",
    "EnterpriseYear",
    "GrowthThreshold",
    "LivestreamBase",
    "LivestreamUpgrade",
    "PlatformYear",
    "Rounding",
    "SalesParts",
    "compute_awards",
    "yuan",
]
