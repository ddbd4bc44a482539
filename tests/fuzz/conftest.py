"""Fixtures of the fuzz gate: the demo catalogue, kept for the whole module, and a
bearer token for each role."""

from __future__ import annotations

import pytest

from gannan.platform.auth import issue_token
from gannan.platform.services import find_user_by_email
from tests.helpers import clean_tables

# role -> demo account (None: anonymous)
ROLE_ACCOUNTS = {
    "anonymous": None,
    "consumer": "shopper@demo.gannan.test",
    "seller_owner": "xinfeng@demo.gannan.test",
    "platform_admin": "admin@demo.gannan.test",
    "bureau": "bureau@demo.gannan.test",
}


@pytest.fixture(autouse=True)
def _app_context(app):
    """Overrides the suite's per-test cleaning: the gate runs on one demo catalogue."""
    with app.app_context():
        yield


@pytest.fixture(scope="module")
def demo_catalogue(app):
    saved = app.config["STRIPE_WEBHOOK_SECRET"]
    app.config["STRIPE_WEBHOOK_SECRET"] = "whsec_fuzz"  # webhooks answer (unsigned: 400)
    with app.app_context():
        clean_tables(app)
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
    yield
    app.config["STRIPE_WEBHOOK_SECRET"] = saved
    with app.app_context():
        clean_tables(app)
    from gannan.platform.extensions import limiter

    limiter.reset()


@pytest.fixture(scope="module", params=list(ROLE_ACCOUNTS))
def role(request, demo_catalogue) -> str:
    return request.param


@pytest.fixture(scope="module")
def role_headers(app, role) -> dict[str, str]:
    email = ROLE_ACCOUNTS[role]
    if email is None:
        return {}
    with app.app_context():
        return {"Authorization": f"Bearer {issue_token(find_user_by_email(email))[0]}"}


TALLY_KEY = pytest.StashKey[dict]()


@pytest.fixture(scope="module")
def fuzz_tally(request) -> dict:
    """Counts the cases run and the 5xx answers; pytest's summary shows them."""
    return request.config.stash.setdefault(TALLY_KEY, {"cases": 0, "5xx": 0})


def pytest_terminal_summary(terminalreporter, config) -> None:
    tally = config.stash.get(TALLY_KEY, None)
    if tally:
        phases = ", ".join(f"{k} {v}" for k, v in tally.items() if k not in ("cases", "5xx"))
        terminalreporter.write_line(f"fuzz gate: {tally['cases']} schemathesis cases run "
                                    f"({phases}), {tally['5xx']} answered 5xx")
