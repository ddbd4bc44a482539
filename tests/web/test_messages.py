"""Every problem a shopper can meet on a page has a Chinese sentence, not a code."""

import ast
from pathlib import Path

import pytest

from gannan.catalog.errors import CatalogErrorCode
from gannan.orders.errors import OrderErrorCode
from gannan.platform.errors import Conflict, PlatformErrorCode, ProblemError
from gannan.web.filters import label, yuan
from gannan.web.messages import GENERIC, MESSAGES, field_message, problem_message

GANNAN = Path(__file__).resolve().parents[2] / "gannan"
# The services pages call; every code they raise must read as Chinese on a page.
SHOPPER_FACING = ["orders/services/cart.py", "orders/services/checkout.py",
                  "orders/addresses.py", "orders/services/refunds.py",
                  "orders/services/fulfilment.py", "catalog/services/search.py",
                  "catalog/access.py", "catalog/categories.py", "platform/counties.py",
                  "orders/access.py"]
# Raised only to sellers, admins or API clients (refunds, delivery, channels), never on
# a shopper's page.
NOT_ON_PAGES = {"seller_id_required", "refund_exceeds_paid", "unknown_line", "cash_not_collected",
                "channel_ref_required",
                "batch_not_found"}  # label sheets: sellers (gannan/web/console/messages.py)


ENUMS = {e.__name__: e for e in (CatalogErrorCode, OrderErrorCode, PlatformErrorCode)}


def raised_codes(path: Path) -> set[str]:
    """The codes a module raises: ``code=SomeErrorCode.MEMBER`` (or a plain string)."""
    codes = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.keyword) and node.arg == "code"):
            continue
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            codes.add(value.value)
        elif isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) \
                and value.value.id in ENUMS:
            codes.add(ENUMS[value.value.id][value.attr].value)
    return codes


@pytest.mark.parametrize("module", SHOPPER_FACING)
def test_every_code_of_the_services_behind_the_pages_has_a_sentence(module):
    codes = raised_codes(GANNAN / module)
    assert codes, f"{module}: found no code=…"
    missing = {getattr(c, "value", c) for c in codes} - set(MESSAGES) - NOT_ON_PAGES
    assert not missing, f"{module}: no Chinese sentence for {sorted(missing)}"


def test_a_code_without_a_sentence_gets_a_generic_one_never_english():
    assert problem_message(ProblemError("Something odd.", code="brand_new_code")) == GENERIC
    message = problem_message(Conflict("Only 2 left.", code="out_of_stock", available=2),
                              item="山茶油 · 1L")
    assert message == "「山茶油 · 1L」库存不足（只剩 2 件），请减少数量或移除后再结算。"


@pytest.mark.parametrize("field, english, chinese", [
    ("address.phone", "Not a mainland China phone number.", "请填写正确的手机号"),
    ("recipient", "Missing data for required field.", "请填写收货人。"),
    ("quantity", "Must be greater than or equal to 1 and less than or equal to 999.",
     "数量须在 1 到 999 之间。"),
    ("detail", "Length must be between 1 and 255.", "详细地址最多 255 个字。"),
    ("email", "Not a valid email address.", "请填写正确的邮箱地址。"),
    ("mystery", "Something marshmallow never said.", "mystery填写有误。"),
])
def test_schema_messages_in_chinese(field, english, chinese):
    assert field_message(field, english).startswith(chinese)


@pytest.mark.parametrize("fen, shown", [(0, "0.00"), (5, "0.05"), (6880, "68.80"),
                                        (1234567, "12,345.67"), (-990, "-9.90"),
                                        (None, "—")])
def test_money_is_shown_in_yuan_exactly(fen, shown):
    assert yuan(fen) == shown


def test_enums_read_as_chinese():
    from gannan.orders.models import SellerOrderStatus

    assert label(SellerOrderStatus.SHIPPED) == "已发货"
    assert label("brand_licence") == "区域公用品牌授权"
    assert label("unheard_of") == "unheard_of"
