"""Photos of after-sales requests and reviews: at most :data:`MAX_PHOTOS` each,
re-encoded without EXIF, stored through the storage interface, one row per photo."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.exc import IntegrityError

from gannan.orders.errors import OrderErrorCode
from gannan.platform.errors import Conflict
from gannan.platform.extensions import db
from gannan.platform.storage import clean_image, storage

MAX_PHOTOS = 6


def attach_photo(photos: Sequence[object], data: bytes, row: Callable[..., object]) -> None:
    """Store ``data`` as the next of ``photos`` and commit ``row(position=, storage_key=,
    content_type=)``; the unique position decides between concurrent uploads, and the
    loser's stored file is removed."""
    if len(photos) >= MAX_PHOTOS:
        raise Conflict(f"At most {MAX_PHOTOS} photos.", code=OrderErrorCode.TOO_MANY_PHOTOS)
    cleaned, mimetype = clean_image(data)
    store = storage()
    key = store.save(cleaned, "." + mimetype.split("/")[1])
    db.session.add(row(position=len(photos), storage_key=key, content_type=mimetype))
    try:
        db.session.commit()
    except IntegrityError:  # another upload took the place (or the last one)
        db.session.rollback()
        store.delete(key)
        raise Conflict(f"At most {MAX_PHOTOS} photos; try again.",
                       code=OrderErrorCode.TOO_MANY_PHOTOS) from None
