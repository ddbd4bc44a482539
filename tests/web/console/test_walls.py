"""Role walls: every console route, as every kind of account.

The routes are read from the app's URL map, so a page added later is walled or this
test fails.  Who may open what is the API's rule for the same data: a seller's pages
for its owner and staff (staff management for the owner alone), the admin console for
platform admins, the bureau's dashboard for the bureau and platform admins (who can do
all the bureau can, as in the API); every other account is refused, and a visitor who
is not signed in is sent to sign in.
"""

from __future__ import annotations

import re

import pytest

from tests.web.console.conftest import csrf_token, sign_in

ROLES = ("anonymous", "consumer", "owner", "staff", "other_owner", "admin", "bureau")
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
MEMBERS = frozenset({"owner", "staff"})
ANY_ACCOUNT = {"console.choose", "console_seller.home", "console_seller.apply",
               "console_seller.check_uscc", "console_seller.apply_submit"}
OWNER_ONLY = {"console_seller.staff_add", "console_seller.staff_remove"}


def allowed(endpoint: str) -> frozenset[str]:
    if endpoint in ANY_ACCOUNT:
        return SIGNED_IN
    if endpoint in OWNER_ONLY:
        return frozenset({"owner"})
    blueprint = endpoint.split(".")[0]
    return {"console_seller": MEMBERS, "console_admin": frozenset({"admin"}),
            "console_bureau": frozenset({"admin", "bureau"})}[blueprint]


def console_routes(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every console route."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("console", "console_seller", "console_admin",
                                           "console_bureau"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, rule.rule))
    return sorted(routes)


def _routes():
    from gannan import create_app
    from tests.conftest import TEST_CONFIG

    return console_routes(create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"}))


ROUTES = _routes()


def test_the_consoles_have_the_routes_this_test_walls():
    assert len(ROUTES) >= 50
    assert {e.split(".")[0] for e, _, _ in ROUTES} == {"console", "console_seller",
                                                       "console_admin", "console_bureau"}


def path_of(rule: str, world) -> str:
    values = {"seller_id": world.seller_id, "product_id": world.product_id,
              "sku_id": world.sku_id, "batch_id": world.batch_id,
              "seller_order_id": world.seller_order_id, "certificate_id": world.certificate_id,
              "user_id": world.staff.id, "period": "2026-10", "task_id": "task-1",
              "action": "approve", "name": "2026-10.pdf"}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


@pytest.mark.parametrize("endpoint, method, rule", ROUTES, ids=[f"{m} {r}" for _, m, r in ROUTES])
def test_each_console_route_refuses_the_other_roles(client, world, endpoint, method, rule):
    path = path_of(rule, world)
    may = allowed(endpoint)
    accounts = {"anonymous": None, "consumer": world.consumer, "owner": world.owner,
                "staff": world.staff, "other_owner": world.other_owner, "admin": world.admin,
                "bureau": world.bureau}
    # the refused first: an allowed POST may change what the next request sees
    for role in sorted(ROLES, key=lambda r: r in may):
        sign_in(client, accounts[role])
        form = {"csrf_token": csrf_token(client)} if method == "POST" else None
        response = client.open(path, method=method, data=form)
        where = f"{role} {method} {path}"
        assert response.status_code < 500, where
        if role == "anonymous":
            assert response.status_code == 302, where
            assert response.headers["Location"].startswith("/login?next="), where
        elif role not in may:
            assert response.status_code == 403, where
            assert "无权访问" in response.get_data(as_text=True), where
        else:
            assert response.status_code not in (401, 403), where
            assert "/login" not in response.headers.get("Location", ""), where


def test_a_console_form_without_its_csrf_token_is_refused(client, world):
    sign_in(client, world.owner)
    response = client.post(f"/seller/{world.seller_id}/shipping",
                            data={"flat_fee_fen": "0"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    page = client.get(f"/seller/{world.seller_id}/shipping").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/seller/{world.seller_id}/shipping",
                           data={"flat_fee_fen": "0", "csrf_token": token})
    assert response.status_code == 302
