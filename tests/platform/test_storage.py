"""Photo storage: the S3 backend against a real S3-compatible server (moto's, started by
.ci/services.sh; ``S3_ENDPOINT_URL``), the same three methods as the local disk, and a
store that does not answer is a 503, not a 500."""

import io
import uuid

import boto3
import pytest
from PIL import Image

from gannan.orders.models import AfterSalesPhoto
from gannan.platform.config import ConfigError
from gannan.platform.extensions import db
from gannan.platform.storage import LocalStorage, S3Storage, StorageUnavailable, storage
from tests.helpers import XINFENG, assert_problem, bearer, cod_sale, jpeg_with_gps, owner_of
from tests.private_services import free_port
from tests.services import need_s3

KEYS = {"aws_access_key_id": "gannan-test", "aws_secret_access_key": "gannan-test-secret",
        "region_name": "us-east-1"}


@pytest.fixture
def bucket():
    """A new bucket on the S3-compatible server, emptied and removed afterwards."""
    endpoint = need_s3()
    client = boto3.client("s3", endpoint_url=endpoint, **KEYS)
    name = f"gannan-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    yield endpoint, client, name
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture
def s3_media(app, bucket):
    """The app stores photos in ``bucket`` (under a prefix) for this test."""
    endpoint, client, name = bucket
    settings = {"MEDIA_STORAGE": "s3", "MEDIA_S3_ENDPOINT_URL": endpoint,
                "MEDIA_S3_BUCKET": name, "MEDIA_S3_PREFIX": "photos/",
                "MEDIA_S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
                "MEDIA_S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
                "MEDIA_S3_REGION": KEYS["region_name"]}
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield client, name
    app.config.update(saved)


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_both_backends_keep_read_and_forget(backend, tmp_path, request):
    if backend == "local":
        store = LocalStorage(str(tmp_path))
    else:
        endpoint, _, name = request.getfixturevalue("bucket")
        store = S3Storage(boto3.client("s3", endpoint_url=endpoint, **KEYS), name, "p/")
    key = store.save(b"\x89PNG not really", ".png")
    assert key.endswith(".png") and "/" not in key and len(key) == 32 + 4
    assert store.read(key) == b"\x89PNG not really"
    assert store.save(b"other", ".png") != key  # a new key each time
    store.delete(key)
    store.delete(key)  # forgetting twice is fine
    with pytest.raises(FileNotFoundError):
        store.read(key)
    for hostile in ("", "../secret", "a/b.png", ".hidden"):
        with pytest.raises(FileNotFoundError):
            store.read(hostile)


def test_after_sales_photos_go_to_the_bucket(client, shopper, seller, market, s3_media,
                                             app, tmp_path):
    s3, name = s3_media
    part = cod_sale(client, shopper, {market["orange"]: 2}, XINFENG)["seller_orders"][0]
    request = client.post(f"/api/v1/seller-orders/{part['id']}/after-sales", headers=bearer(
        shopper), json={"kind": "refund_only", "reason": "quality", "description": "烂了",
                        "amount_fen": 2000}).get_json()
    path = f"/api/v1/after-sales/{request['id']}/photos"
    uploaded = client.post(path, data={"photo": (io.BytesIO(jpeg_with_gps()), "a.jpg")},
                           headers=bearer(shopper), content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    stored = db.session.scalar(db.select(AfterSalesPhoto))
    objects = [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]]
    assert objects == [f"photos/{stored.storage_key}"]
    kept = s3.get_object(Bucket=name, Key=objects[0])["Body"].read()
    assert not Image.open(io.BytesIO(kept)).getexif()  # re-encoded before it was stored
    got = client.get(f"{path}/0", headers=bearer(owner_of(seller.id)))
    assert got.status_code == 200 and got.get_data() == kept
    assert isinstance(storage(), S3Storage)


def test_a_store_that_does_not_answer_is_a_503(client, shopper, market, app):
    settings = {"MEDIA_STORAGE": "s3", "MEDIA_S3_BUCKET": "photos",
                "MEDIA_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
                "MEDIA_S3_ACCESS_KEY_ID": "k", "MEDIA_S3_SECRET_ACCESS_KEY": "s"}
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    try:
        part = cod_sale(client, shopper, {market["orange"]: 1}, XINFENG)["seller_orders"][0]
        request = client.post(f"/api/v1/seller-orders/{part['id']}/after-sales",
                              headers=bearer(shopper),
                              json={"kind": "refund_only", "reason": "quality",
                                    "description": "烂了", "amount_fen": 100}).get_json()
        png = io.BytesIO()
        Image.new("RGB", (8, 8)).save(png, format="PNG")
        assert_problem(client.post(f"/api/v1/after-sales/{request['id']}/photos",
                                   data={"photo": (io.BytesIO(png.getvalue()), "a.png")},
                                   headers=bearer(shopper), content_type="multipart/form-data"),
                       503, "storage_unavailable")
        assert db.session.scalar(db.select(db.func.count()).select_from(AfterSalesPhoto)) == 0
        with pytest.raises(StorageUnavailable):
            storage().read("0123456789abcdef0123456789abcdef.png")
    finally:
        app.config.update(saved)


def test_s3_needs_a_bucket(app):
    app.config.update(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET="")
    try:
        with pytest.raises(ConfigError, match="MEDIA_S3_BUCKET"):
            storage()
    finally:
        app.config.update(MEDIA_STORAGE="local")
