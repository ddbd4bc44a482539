"""Role walls: every console route, as every kind of account.

The routes are read from the app's URL map, so a page added later is walled or this
test fails.  Who may open what is the API's rule for the same data: a seller's pages
for its owner and staff (staff management for the owner alone), the admin console for
platform admins, the bureau's dashboard for the bureau and platform admins (who can do
all the bureau can, as in the API), a county's pages for its commerce office, the
bureau and platform admins (the office alone recommends); every other account is
refused, and a visitor who is not signed in is sent to sign in.
"""

from __future__ import annotations

import re

import pytest

from tests.web.console.pages import ROLES, allowed, console_routes, csrf_token, path_of, sign_in

ROUTES = console_routes()


def test_the_consoles_have_the_routes_this_test_walls():
    assert len(ROUTES) >= 50
    assert {e.split(".")[0] for e, _, _ in ROUTES} == {"console", "console_seller",
                                                       "console_admin", "console_bureau",
                                                       "console_county"}


@pytest.mark.parametrize("endpoint, method, rule", ROUTES, ids=[f"{m} {r}" for _, m, r in ROUTES])
def test_each_console_route_refuses_the_other_roles(client, world, endpoint, method, rule):
    path = path_of(rule, world)
    may = allowed(endpoint)
    accounts = {"anonymous": None, "consumer": world.consumer, "owner": world.owner,
                "staff": world.staff, "other_owner": world.other_owner, "admin": world.admin,
                "bureau": world.bureau, "officer": world.officer,
                "other_officer": world.other_officer}
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
