"""Passwords, access tokens and the per-blueprint access policy.

Authorization lives in one place per blueprint: a :class:`Policy` bound to the
blueprint runs before every view and checks the rule declared for that view and
method.  Views themselves never check roles or membership.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import jwt
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request
from flask_smorest import Blueprint

from gannan.platform.errors import (
    AuthenticationRequired,
    Forbidden,
    NotFound,
    PlatformErrorCode,
    ProblemError,
)
from gannan.platform.extensions import PREPARE_AT_ONCE, db
from gannan.platform.fields import parse_id
from gannan.platform.models import MemberRole, Role, Seller, SellerMember, SellerStatus, User

TOKEN_ALGORITHM = "HS256"
_hashers: dict[str, tuple[PasswordHasher, str]] = {}


def _hasher() -> tuple[PasswordHasher, str]:
    """argon2id with the profile named by ``PASSWORD_HASH_PROFILE`` (RFC 9106 by default;
    tests choose argon2's CHEAPEST), and a dummy hash made with the same parameters."""
    name = current_app.config.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY")
    if name not in _hashers:
        hasher = PasswordHasher.from_parameters(getattr(profiles, name))
        _hashers[name] = (hasher, hasher.hash("not-a-real-password"))
    return _hashers[name]


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check a password; an unknown account costs as much as a wrong password."""
    hasher, dummy = _hasher()
    try:
        return hasher.verify(user.password_hash if user else dummy, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user: User) -> tuple[str, int]:
    ttl = int(current_app.config["ACCESS_TOKEN_TTL_SECONDS"])
    now = datetime.now(timezone.utc)
    claims = {"sub": str(user.id), "iat": now, "exp": now + timedelta(seconds=ttl)}
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=TOKEN_ALGORITHM), ttl


def _user_from_token(token: str) -> User:
    user_id, expires = _verified(token, current_app.config["SECRET_KEY"])
    if expires <= _now():
        raise _expired()
    user = db.session.get(User, user_id, execution_options=PREPARE_AT_ONCE) \
        if user_id is not None else None
    if user is None or not user.is_active:
        raise AuthenticationRequired("The account is not active.",
                                     code=PlatformErrorCode.INVALID_TOKEN)
    return user


def _now() -> float:
    return time.time()


def _expired() -> AuthenticationRequired:
    return AuthenticationRequired("The access token has expired.",
                                  code=PlatformErrorCode.TOKEN_EXPIRED)


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> tuple[int | None, float]:
    """The subject (our id, or None) and expiry of a token whose signature and claims
    check out under ``secret``.  Remembered: every request of a session brings the same
    token back, and its signature and claims need checking once (PyJWT's decode was 4%
    of the app's CPU in the checkout contention benchmark); the caller compares the
    expiry with the clock every time.  A token that fails raises, and failures are not
    remembered.
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[TOKEN_ALGORITHM],
            options={"require": ["sub", "exp", "iat"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _expired() from exc
    except jwt.InvalidTokenError as exc:
        raise AuthenticationRequired("The access token is not valid.", code=PlatformErrorCode.INVALID_TOKEN) from exc
    return parse_id(claims["sub"]), claims["exp"]  # a subject not one of our ids: no one


_UNSET = object()


def current_user() -> User | None:
    """The caller named by the ``Authorization: Bearer`` header, or None.

    Cached on the request (not on ``g``, which outlives a request when an app context
    was already pushed, as in tests and tasks).
    """
    cached = getattr(request, "_gannan_user", _UNSET)
    if cached is not _UNSET:
        return cached
    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationRequired(
                "Use 'Authorization: Bearer <token>'.", code=PlatformErrorCode.INVALID_TOKEN
            )
        user = _user_from_token(token.strip())
    request._gannan_user = user
    return user


def set_request_user(user: User | None) -> None:
    """Name the caller of this request when it is not a bearer token: the pages
    (gannan.web) sign people in with a session cookie and hand the account over here,
    so every Policy rule applies to pages unchanged."""
    request._gannan_user = user


def require_user() -> User:
    user = current_user()
    if user is None:
        raise AuthenticationRequired("This endpoint needs an access token.")
    return user


def membership(user: User | None, seller_id: int) -> SellerMember | None:
    if user is None:
        return None
    return next((m for m in user.memberships if m.seller_id == seller_id), None)


# ---------------------------------------------------------------------------
# Rules: callables (view_args) -> None that raise when access is denied.

Rule = Callable[[dict[str, Any]], None]


def public(view_args: dict[str, Any]) -> None:
    current_user()  # a malformed token is still an error, even where none is needed


def authenticated(view_args: dict[str, Any]) -> None:
    require_user()


def role(required: Role) -> Rule:
    def check(view_args: dict[str, Any]) -> None:
        if not require_user().has_role(required):
            raise Forbidden(f"This endpoint needs the {required.value} role.")

    check.__name__ = f"role_{required.value}"
    return check


def _county_in_path(view_args: dict[str, Any]) -> str:
    return view_args["county_code"]


def county_officer(county_of: Callable[[dict[str, Any]], str] = _county_in_path) -> Rule:
    """The caller is the commerce office of the county ``county_of(view_args)`` names (by
    default the ``county_code`` in the path); an office sees its own county only."""

    def check(view_args: dict[str, Any]) -> None:
        if require_user().county_office != county_of(view_args):
            raise Forbidden("This is for the county's own commerce office.",
                            code=PlatformErrorCode.NOT_COUNTY_OFFICER)

    return check


def _seller_in_path(view_args: dict[str, Any]) -> int:
    seller_id = view_args["seller_id"]
    if db.session.get(Seller, seller_id) is None:
        raise NotFound("No such seller.", code=PlatformErrorCode.SELLER_NOT_FOUND)
    return seller_id


def seller_member(
    min_role: MemberRole = MemberRole.STAFF,
    seller_of: Callable[[dict[str, Any]], int] = _seller_in_path,
) -> Rule:
    """The caller acts for the seller ``seller_of(view_args)`` names (by default the
    ``seller_id`` in the path): as staff, or only as its owner."""

    def check(view_args: dict[str, Any]) -> SellerMember:
        user = require_user()
        seller_id = seller_of(view_args)
        member = membership(user, seller_id)
        if member is None:
            raise Forbidden("You do not act for this seller.",
                            code=PlatformErrorCode.NOT_SELLER_MEMBER)
        return member

    def check_owner(view_args: dict[str, Any]) -> None:
        if check(view_args).role is not MemberRole.OWNER:
            raise Forbidden("Only the seller's owner may do this.",
                            code=PlatformErrorCode.NOT_SELLER_OWNER)

    # Two rules, not one with a branch on min_role: the API document reads which
    # errors a rule can raise from its code, and staff-level rules never raise
    # not_seller_owner.
    return check_owner if min_role is MemberRole.OWNER else check


def can_manage(user: User | None, seller_id: int) -> bool:
    """Members of the seller and platform admins see what the public does not."""
    return user is not None and (
        membership(user, seller_id) is not None or user.has_role(Role.PLATFORM_ADMIN)
    )


def seller_visible(view_args: dict[str, Any]) -> None:
    """Approved sellers are public; others only to their members and admins.

    A seller the caller may not see is reported as missing, so pending applications
    of others cannot be probed.
    """
    seller = db.session.get(Seller, view_args["seller_id"])
    user = current_user()
    if seller is None or not (seller.status is SellerStatus.APPROVED or can_manage(user, seller.id)):
        raise NotFound("No such seller.", code=PlatformErrorCode.SELLER_NOT_FOUND)


def any_of(*rules: Rule) -> Rule:
    """Passes when one of the rules passes; otherwise fails as the first one did."""

    def check(view_args: dict[str, Any]) -> None:
        first: ProblemError | None = None
        for rule in rules:
            try:
                rule(view_args)
                return
            except ProblemError as error:
                first = first or error
        assert first is not None
        raise first

    check.raises_like = rules[:1]  # the error, when there is one, is the first rule's
    return check


class Policy:
    """Access rules of one blueprint, enforced by a single ``before_request`` hook.

    Declare with ``@policy.allow(rule)`` on a MethodView class (all its methods) or
    ``@policy.allow(rule, "POST")`` for one method.  Anything not declared falls back
    to ``default``; the default is never "public" by accident.
    """

    def __init__(self, blueprint: Blueprint, default: Rule = authenticated) -> None:
        self.blueprint = blueprint
        self.default = default
        self.rules: dict[tuple[str, str], Rule] = {}
        blueprint.before_request(self._enforce)
        blueprint.policy = self  # the OpenAPI document reads each view's rule from here

    def allow(self, rule: Rule, *methods: str) -> Callable[[Any], Any]:
        def decorate(view: Any) -> Any:
            name = view.__name__
            for method in methods or ("*",):
                self.rules[(name.lower(), method.upper())] = rule
            return view

        return decorate

    def rule_for(self, view_name: str, method: str) -> Rule:
        """The rule of a view (MethodView class or function name) for an HTTP method."""
        view_name, method = view_name.lower(), method.upper()
        return self.rules.get((view_name, method)) or self.rules.get((view_name, "*")) \
            or self.default

    def _enforce(self) -> None:
        req = request._get_current_object()  # every API request: one proxy lookup
        method, endpoint = req.method, req.endpoint
        if method == "OPTIONS" or endpoint is None:
            return
        rule = self.rule_for(endpoint.rsplit(".", 1)[-1], method)
        rule(req.view_args or {})
