"""``flask --app gannan users …`` and ``flask --app gannan demo …``."""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from gannan.platform.errors import ProblemError
from gannan.platform.models import Role
from gannan.platform.schemas import ROLE_CHOICES

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="The demo catalogue for local runs.")


@users_cli.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name", default=None, help="Defaults to the part of EMAIL before @.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLE_CHOICES + ["consumer"]),
              help="platform_admin, bureau or county_officer; repeat for several. Every "
                   "account is a consumer.")
@click.option("--county", "county_code", default=None,
              help="The county (GB/T 2260 code) a county_officer acts for.")
def create_user(email: str, password: str, display_name: str | None, roles: tuple[str, ...],
                county_code: str | None) -> None:
    """Create an account with the given roles."""
    from gannan.platform.services import register_user

    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    try:
        user = register_user(email, password, display_name or email.split("@")[0],
                             [Role(r) for r in roles], county_code)
    except ProblemError as exc:
        raise click.ClickException(exc.detail) from exc
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created user {user.id} {user.email} roles={','.join(user.roles)}")


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLE_CHOICES))
@click.option("--county", "county_code", default=None,
              help="The county (GB/T 2260 code) a county_officer acts for.")
def grant(email: str, role: str, county_code: str | None) -> None:
    """Give an existing account a role (county_officer: of one county, --county)."""
    from gannan.platform.services import find_user_by_email, grant_role

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    try:
        grant_role(user, Role(role), county_code)
    except ProblemError as exc:
        raise click.ClickException(exc.detail) from exc
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    office = f" county={user.county_office}" if user.county_office else ""
    click.echo(f"{user.email} roles={','.join(user.roles)}{office}")


DEMO_LOADERS = "gannan.demo_loaders"


def add_demo_loader(app: Flask, loader: Callable[[], str | None]) -> None:
    """A domain's demo data, loaded after the accounts and sellers by ``demo load``.
    The loader is idempotent and returns a line to print (or None when it added nothing)."""
    app.extensions.setdefault(DEMO_LOADERS, []).append(loader)


@demo_cli.command("load")
def load() -> None:
    """Load demo accounts and sellers (idempotent) and print the credentials."""
    from gannan.platform.demo import DEMO_PASSWORD, load_demo

    if current_app.config["GANNAN_ENV"] == "production":
        raise click.ClickException("demo data is not for production")
    accounts = load_demo()
    for loader in current_app.extensions.get(DEMO_LOADERS, []):
        message = loader()
        if message:
            click.echo(message)
    click.echo("Demo accounts (password for all: %s):" % DEMO_PASSWORD)
    for email, roles in accounts:
        click.echo(f"  {email:<28} {roles}")
