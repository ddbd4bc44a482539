"""Where uploaded files live: one interface, chosen by ``MEDIA_STORAGE``.

``local`` (the default) keeps files under ``MEDIA_ROOT`` (the instance folder's
``media/`` unless set).  ``s3`` keeps them in a bucket of any S3-compatible store (AWS,
MinIO, Ceph, a cloud's object storage): ``MEDIA_S3_ENDPOINT_URL`` (empty for AWS itself),
``MEDIA_S3_BUCKET``, ``MEDIA_S3_ACCESS_KEY_ID``, ``MEDIA_S3_SECRET_ACCESS_KEY``,
``MEDIA_S3_REGION`` and an optional ``MEDIA_S3_PREFIX`` for the keys.  Both implement
the same three methods; callers only ever see keys.
Images are checked and re-encoded here before they are stored (:func:`clean_image`).
"""

from __future__ import annotations

import io
import secrets
from functools import lru_cache
from pathlib import Path
from typing import NoReturn, Protocol

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from gannan.platform.config import ConfigError
from gannan.platform.errors import PlatformErrorCode, ProblemError, ValidationFailed

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


class Storage(Protocol):
    def save(self, data: bytes, suffix: str) -> str:
        """Store ``data`` under a new unguessable key (ending in ``suffix``); return it."""

    def read(self, key: str) -> bytes:
        """The stored bytes; :class:`FileNotFoundError` when there is no such key."""

    def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens when it is not there)."""


def _checked(key: str) -> str:
    """A key this module made: a plain name, never a path."""
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise FileNotFoundError(key)
    return key


class LocalStorage:
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def save(self, data: bytes, suffix: str) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        key = f"{secrets.token_hex(16)}{suffix}"
        self._path(key).write_bytes(data)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class StorageUnavailable(ProblemError):
    status, code = 503, PlatformErrorCode.STORAGE_UNAVAILABLE
    title = "Photo storage unavailable"


def _unavailable(exc: Exception) -> NoReturn:
    raise StorageUnavailable("The photo store did not answer; nothing was changed. "
                             "Retry in a moment.") from exc


class S3Storage:
    """A bucket of an S3-compatible store, through boto3.  Keys are the same
    unguessable names as on disk (under ``prefix``); the bucket is not created here.
    A store that does not answer (or refuses) is a 503 ``storage_unavailable``."""

    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        if not bucket:
            raise ConfigError("MEDIA_STORAGE=s3 needs MEDIA_S3_BUCKET")
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def save(self, data: bytes, suffix: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        key = f"{secrets.token_hex(16)}{suffix}"
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)
        except (BotoCoreError, ClientError) as exc:
            _unavailable(exc)
        return key

    def read(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket,
                                          Key=self._name(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            _unavailable(exc)
        except BotoCoreError as exc:
            _unavailable(exc)

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except (BotoCoreError, ClientError) as exc:
            _unavailable(exc)


@lru_cache(maxsize=8)
def _s3_client(endpoint_url: str | None, access_key: str | None, secret_key: str | None,
               region: str | None):
    """One client per store (boto3 clients are thread-safe and slow to make)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=endpoint_url, aws_access_key_id=access_key,
        aws_secret_access_key=secret_key, region_name=region,
        config=Config(connect_timeout=5, read_timeout=30,
                      retries={"max_attempts": 3, "mode": "standard"},
                      # other stores than AWS answer on one host: bucket in the path
                      s3={"addressing_style": "path" if endpoint_url else "auto"}))


def s3_storage(config) -> S3Storage:
    client = _s3_client(config.get("MEDIA_S3_ENDPOINT_URL") or None,
                        config.get("MEDIA_S3_ACCESS_KEY_ID") or None,
                        config.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
                        config.get("MEDIA_S3_REGION") or None)
    return S3Storage(client, config["MEDIA_S3_BUCKET"], config.get("MEDIA_S3_PREFIX") or "")


BACKENDS = {"local": lambda config: LocalStorage(config["MEDIA_ROOT"]), "s3": s3_storage}


def storage() -> Storage:
    """The configured storage of the current app."""
    name = current_app.config["MEDIA_STORAGE"]
    if name not in BACKENDS:
        raise ConfigError(f"MEDIA_STORAGE={name!r}: known backends are {sorted(BACKENDS)}")
    return BACKENDS[name](current_app.config)


# What the methods of the store it returns may end in (calls on objects are not
# followed when the OpenAPI document lists an operation's problems: platform.raises).
storage.raises_like = (_unavailable,)


class ImageTooLarge(ProblemError):
    status, code, title = 413, PlatformErrorCode.PAYLOAD_TOO_LARGE, "Image too large"


class UnsupportedImage(ProblemError):
    status, code = 415, PlatformErrorCode.UNSUPPORTED_IMAGE
    title = "Unsupported image"


def clean_image(data: bytes) -> tuple[bytes, str]:
    """A JPEG, PNG or WebP of at most 5 MB, re-encoded without its metadata (EXIF: GPS
    position, camera, time), turned upright first; returns (bytes, mimetype)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLarge("A photo may be at most 5 MB.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if kind not in IMAGE_TYPES:
                raise UnsupportedImage("Photos must be JPEG, PNG or WebP.")
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise ValidationFailed("The photo has too many pixels.", field="photo")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            if kind == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, format=kind)  # no exif=, no pnginfo=: metadata is dropped
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise UnsupportedImage("The file is not a readable JPEG, PNG or WebP image.") from exc
    return out.getvalue(), IMAGE_TYPES[kind]
