"""Where uploaded files live: one interface, chosen by ``MEDIA_STORAGE``.

``local`` (the default) keeps files under ``MEDIA_ROOT`` (the instance folder's
``media/`` unless set).  Another backend (an S3-compatible store) implements the same
three methods and is added to :data:`BACKENDS`; callers only ever see keys.
Images are checked and re-encoded here before they are stored (:func:`clean_image`).
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Protocol

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


class LocalStorage:
    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise FileNotFoundError(key)
        return self.root / key

    def save(self, data: bytes, suffix: str) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        key = f"{secrets.token_hex(16)}{suffix}"
        self._path(key).write_bytes(data)
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


BACKENDS = {"local": lambda config: LocalStorage(config["MEDIA_ROOT"])}


def storage() -> Storage:
    """The configured storage of the current app."""
    name = current_app.config["MEDIA_STORAGE"]
    if name not in BACKENDS:
        raise ConfigError(f"MEDIA_STORAGE={name!r}: known backends are {sorted(BACKENDS)}")
    return BACKENDS[name](current_app.config)


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
