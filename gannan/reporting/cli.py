"""``flask --app gannan reports …``: build, verify, rotate the signing key."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

reports_cli = AppGroup("reports", help="Monthly reports for the commerce bureau.")


@reports_cli.command("build")
@click.argument("period")
def build(period: str) -> None:
    """Build PERIOD (YYYY-MM) now, in this process."""
    from gannan.reporting.monthly import generate

    report = generate(period)
    click.echo(f"{report.period} version {report.version} {report.status.value} "
               f"sha256={report.sha256}")


@reports_cli.command("verify")
@click.argument("file", type=click.File("rb"))
@click.option("--keys", type=click.File("rb"), default=None,
              help="JSON of GET /api/v1/reports/signing-keys; default: this platform's keys.")
def verify(file, keys) -> None:
    """Tell whether a downloaded report (the JSON download) is authentic."""
    from gannan.platform.errors import ProblemError
    from gannan.reporting.signing import published_keys, verify_envelope

    raw = file.read()
    kind = _other_download(raw)
    if kind:
        raise click.ClickException(
            f"{file.name} is the {kind} download of a report. Only the JSON download carries "
            "the signature: fetch GET /api/v1/reports/monthly/YYYY-MM (the JSON link in the "
            "bureau dashboard) and verify that file.")
    try:
        envelope = json.loads(raw)
    except ValueError:
        envelope = None
    known = ({k["key_id"]: k["public_key"] for k in json.load(keys)["keys"]} if keys
             else published_keys())
    try:
        verdict = verify_envelope(envelope, known)
    except ProblemError as exc:
        click.echo(f"INVALID: {exc.detail}")
        raise SystemExit(1) from exc
    click.echo(f"{'VALID' if verdict.valid else 'INVALID'}: {verdict.reason}"
               + (f" ({verdict.period} v{verdict.version}, key {verdict.key_id})"
                  if verdict.period else ""))
    raise SystemExit(0 if verdict.valid else 1)


def _other_download(raw: bytes) -> str | None:
    """PDF, XLSX or CSV: the report's other formats, which carry no signature."""
    if raw.startswith(b"%PDF"):
        return "PDF"
    if raw.startswith(b"PK\x03\x04"):
        return "XLSX"
    text = raw.lstrip(b"\xef\xbb\xbf").lstrip()
    if text[:1] not in (b"{", b"[", b"") and any(b"," in line for line in text.split(b"\n")[:5]):
        return "CSV"
    return None


@reports_cli.command("rotate-key")
def rotate_key() -> None:
    """Development: sign from now on with a new key; earlier keys stay published."""
    from flask import current_app

    from gannan.platform.extensions import db
    from gannan.reporting.signing import generate_dev_key, key_id_of, register

    if current_app.config.get("REPORT_SIGNING_KEY"):
        raise click.ClickException("REPORT_SIGNING_KEY is set: rotate it where it is kept, "
                                   "then certify once so the new key is published.")
    key = generate_dev_key()
    register(key.public_key())
    db.session.commit()
    click.echo(f"new signing key {key_id_of(key.public_key())}")
