"""Applicants, their certified figures per year, and the audit trail of both."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gannan.platform.extensions import db
from gannan.platform.models import County, User, _enum
from gannan.platform.types import UTCDateTime, utcnow


class ApplicantKind(str, enum.Enum):
    ENTERPRISE = "enterprise"  # (3) growth, (5) agricultural sales
    COOPERATIVE = "cooperative"  # the same awards as an enterprise
    PLATFORM = "platform"  # (1), for a platform other than this one
    LIVESTREAM_BASE_OPERATOR = "livestream_base_operator"  # (2), through its base


#: The figures the bureau certifies per applicant and year, in fen; None: not reported.
FIGURES = ("online_retail_fen", "specialty_fen", "agricultural_fen", "upstream_fen",
           "livestream_fen")


class Applicant(db.Model):
    __tablename__ = "applicants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[ApplicantKind] = mapped_column(_enum(ApplicantKind, "applicant_kind"))
    county_code: Mapped[str] = mapped_column(ForeignKey("counties.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    county: Mapped[County] = relationship(lazy="joined")


def _non_negative(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IS NULL OR {column} >= 0", name=f"{column}_non_negative")


class CertifiedFigures(db.Model):
    """An applicant's externally certified sales of one year (other shops, other
    platforms, other live rooms).  Each figure is explicit: NULL is "not reported",
    never 0."""

    __tablename__ = "certified_figures"
    __table_args__ = (UniqueConstraint("applicant_id", "year"),
                      *(_non_negative(f) for f in FIGURES))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    online_retail_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    specialty_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    agricultural_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    upstream_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    livestream_fen: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    applicant: Mapped[Applicant] = relationship(lazy="joined")

    def values(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in FIGURES}


class FigureImport(db.Model):
    """One applied import of a year's certified figures (a file that changed nothing
    leaves no row)."""

    __tablename__ = "figure_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    applicants_created: Mapped[int] = mapped_column(Integer)
    applicants_changed: Mapped[int] = mapped_column(Integer)
    figures_created: Mapped[int] = mapped_column(Integer)
    figures_changed: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegisterChange(db.Model):
    """Audit record of one change to the register, like a seller decision: who, when,
    why, and each changed field's value before and after ({field: [old, new]}).
    ``year`` None: the applicant itself (name, kind, county); else its figures of
    that year."""

    __tablename__ = "register_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("figure_imports.id"), nullable=True,
                                                  index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    applicant: Mapped[Applicant] = relationship()
    actor: Mapped[User] = relationship(lazy="joined")
