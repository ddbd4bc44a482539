"""The CLI: users create/grant, demo load."""

from gannan.platform.demo import DEMO_PASSWORD, SELLERS
from gannan.platform.extensions import db
from gannan.platform.models import Seller, SellerStatus
from gannan.platform.services import find_user_by_email


def test_users_create_with_role(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "ops@example.cn", "--password",
                                 "s3cret-pass", "--role", "platform_admin"])
    assert result.exit_code == 0, result.output
    assert "roles=consumer,platform_admin" in result.output
    token = client.post("/api/v1/auth/token",
                        json={"email": "ops@example.cn", "password": "s3cret-pass"})
    assert token.status_code == 200

    again = runner.invoke(args=["users", "create", "ops@example.cn", "--password", "x" * 9])
    assert again.exit_code != 0
    assert "already exists" in again.output

    granted = runner.invoke(args=["users", "grant", "ops@example.cn", "bureau"])
    assert granted.exit_code == 0
    assert find_user_by_email("ops@example.cn").roles == ["consumer", "bureau", "platform_admin"]


def test_users_create_rejects_bad_role_and_short_password(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "a@b.cn", "--password", "longenough",
                               "--role", "root"]).exit_code != 0
    assert runner.invoke(args=["users", "create", "a@b.cn", "--password", "short"]).exit_code != 0
    assert find_user_by_email("a@b.cn") is None


def test_demo_load_is_idempotent_and_its_accounts_log_in(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output and "admin@demo.gannan.test" in first.output
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    sellers = db.session.scalars(db.select(Seller)).all()
    assert len(sellers) == len(SELLERS)
    assert len({s.county_code for s in sellers}) == len(SELLERS)
    approved = [s for s in sellers if s.status is SellerStatus.APPROVED]
    assert len(approved) >= 3

    token = client.post("/api/v1/auth/token", json={"email": "admin@demo.gannan.test",
                                                    "password": DEMO_PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    queue = client.get("/api/v1/admin/sellers?status=pending", headers=headers).get_json()
    assert queue["total"] == 1
    public = client.get("/api/v1/sellers").get_json()
    assert public["total"] == len(approved)


def test_demo_refuses_production(app):
    app.config["GANNAN_ENV"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
    finally:
        app.config["GANNAN_ENV"] = "testing"
    assert result.exit_code != 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Seller)) == 0
