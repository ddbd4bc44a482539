"""Every problem a console page can meet is told in Chinese, not in the generic sentence."""

from __future__ import annotations

import re
from pathlib import Path

import gannan
from gannan.web import messages as shared
from gannan.web.console.messages import MESSAGES

ROOT = Path(gannan.__file__).parent
# The services, rules and validators the console pages call.
SOURCES = ["platform/services.py", "platform/counties.py", "platform/auth.py",
           "catalog/access.py", "catalog/categories.py", "catalog/labels.py",
           "catalog/services/products.py", "catalog/services/certificates.py",
           "catalog/services/trace.py", "catalog/services/spot_checks.py",
           "orders/access.py", "orders/services/fulfilment.py", "orders/services/refunds.py",
           "orders/services/batch_flow.py",
           "reporting/monthly.py", "reporting/metrics_service.py"]
# Codes only the API meets (tokens) or that a console form cannot send.
NOT_ON_PAGES = {"invalid_token", "token_expired", "invalid_credentials", "seller_id_required",
                "not_order_buyer", "order_not_found", "already_shipped", "report_immutable"}


def codes_raised() -> set[str]:
    """The codes the sources name: as strings (code="...") or as members of an error-code
    enum (Code.NAME), whichever the code base spells them as."""
    import enum
    import importlib

    found: set[str] = set()
    for source in SOURCES:
        text = (ROOT / source).read_text()
        found |= set(re.findall(r'code="([a-z_]+)"', text))
        for enum_name, member in re.findall(r"\b(\w+ErrorCode)\.([A-Z_]+)\b", text):
            for module in ("platform", "catalog", "orders", "reporting"):
                try:
                    errors = importlib.import_module(f"gannan.{module}.errors")
                except ImportError:
                    continue
                codes = getattr(errors, enum_name, None)
                if isinstance(codes, type) and issubclass(codes, enum.Enum):
                    found.add(codes[member].value)
    return found


def test_every_code_the_consoles_services_raise_has_a_sentence():
    codes = codes_raised()
    assert len(codes) >= 40, sorted(codes)  # the scan found the services' codes
    missing = sorted(codes - set(MESSAGES) - set(shared.MESSAGES) - NOT_ON_PAGES)
    assert not missing, missing
