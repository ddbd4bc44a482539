"""Ed25519 signatures over the SHA-256 of a report's canonical content.

The private key comes from ``REPORT_SIGNING_KEY`` (PEM, PKCS#8) — required in
production — or, on a development machine, from a key generated once into the
instance folder.  Every key that signs is registered with its public half, so a key
rotation keeps old reports verifiable.  The key id is the first 16 hex digits of the
SHA-256 of the raw public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app

from gannan.reporting.errors import ReportingErrorCode
from gannan.platform.errors import ValidationFailed
from gannan.platform.extensions import db
from gannan.reporting.models import SigningKey

ALGORITHM = "Ed25519"
DEV_KEY_FILE = "report_signing_key.pem"


def canonical(content: dict[str, Any]) -> bytes:
    """The bytes that are hashed and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def _dev_key_path() -> Path:
    return Path(current_app.instance_path) / DEV_KEY_FILE


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def generate_dev_key() -> Ed25519PrivateKey:
    """A new development key in the instance folder (the previous one stays registered)."""
    key = Ed25519PrivateKey.generate()
    path = _dev_key_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_pem(key))
    path.chmod(0o600)
    return key


def private_key() -> Ed25519PrivateKey:
    configured = current_app.config.get("REPORT_SIGNING_KEY")
    if configured:
        key = serialization.load_pem_private_key(configured.encode(), password=None)
    elif current_app.config["GANNAN_ENV"] == "production":
        raise RuntimeError("REPORT_SIGNING_KEY is required in production")
    elif _dev_key_path().exists():
        key = serialization.load_pem_private_key(_dev_key_path().read_bytes(), password=None)
    else:
        key = generate_dev_key()
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError("REPORT_SIGNING_KEY is not an Ed25519 key")
    return key


def register(public_key: Ed25519PublicKey) -> SigningKey:
    key_id = key_id_of(public_key)
    row = db.session.get(SigningKey, key_id)
    if row is None:
        row = SigningKey(key_id=key_id,
                         public_key=base64.b64encode(_raw(public_key)).decode())
        db.session.add(row)
    return row


@dataclass(frozen=True)
class Signature:
    sha256: str
    signature: str  # base64
    key_id: str


def sign(content_bytes: bytes) -> Signature:
    """Sign the SHA-256 digest of the canonical content with the current key."""
    key = private_key()
    register(key.public_key())
    digest = hashlib.sha256(content_bytes).digest()
    return Signature(sha256=digest.hex(), signature=base64.b64encode(key.sign(digest)).decode(),
                     key_id=key_id_of(key.public_key()))


def published_keys() -> dict[str, str]:
    return {k.key_id: k.public_key for k in db.session.scalars(
        db.select(SigningKey).order_by(SigningKey.created_at, SigningKey.key_id))}


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    period: str | None = None
    version: int | None = None
    key_id: str | None = None


def verify_envelope(envelope: Any, keys: dict[str, str]) -> Verdict:
    """Check a downloaded report: its content hashes to the certified SHA-256, and that
    hash carries a valid signature by a published key."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("report"), dict) \
            or not isinstance(envelope.get("certification"), dict):
        return Verdict(False, "not a certified report: needs 'report' and 'certification'")
    cert = envelope["certification"]
    period, version, key_id = cert.get("period"), cert.get("version"), cert.get("key_id")
    if not (isinstance(period, str) and type(version) is int and isinstance(key_id, str)
            and isinstance(cert.get("sha256"), str)
            and isinstance(cert.get("signature", ""), str)):
        raise ValidationFailed(
            "A certification's period, key_id, sha256 and signature are strings and its "
            "version an integer.", code=ReportingErrorCode.MALFORMED_CERTIFICATION, field="certification")
    digest = hashlib.sha256(canonical(envelope["report"])).digest()
    if digest.hex() != cert.get("sha256"):
        return Verdict(False, "the content does not match its SHA-256: it was altered",
                       period, version, key_id)
    if envelope["report"].get("period") != period:
        return Verdict(False, "the certification names another period", period, version, key_id)
    if key_id not in keys:
        return Verdict(False, f"unknown signing key {key_id!r}", period, version, key_id)
    public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(keys[key_id]))
    try:
        public_key.verify(base64.b64decode(str(cert.get("signature", ""))), digest)
    except (InvalidSignature, ValueError):
        return Verdict(False, "the signature does not match", period, version, key_id)
    return Verdict(True, "authentic: signed by the platform and unaltered", period, version,
                   key_id)
