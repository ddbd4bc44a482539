"""Reviews: only the buyer of a completed seller order, once, every line rated; the
seller replies once; hidden reviews stay but stop counting in the product's rating."""

import re

from tests.factories import UserFactory
from tests.helpers import XINFENG, assert_problem, bearer, cod_sale, owner_of


def completed(client, shopper, products):
    order = cod_sale(client, shopper, products, XINFENG)
    part = order["seller_orders"][0]
    confirmed = client.post(f"/api/v1/seller-orders/{part['id']}/confirm-receipt",
                            headers=bearer(shopper))
    assert confirmed.status_code == 200
    return part


def review(client, user, part, stars=5, seller_rating=4, **body):
    payload = {"seller_rating": seller_rating, "text": "果子很甜",
               "lines": [{"line_id": line["id"], "rating": stars} for line in part["lines"]],
               **body}
    return client.post(f"/api/v1/seller-orders/{part['id']}/review", json=payload,
                       headers=bearer(user))


def test_eligibility_once_and_every_line(client, shopper, market, seller):
    delivered = cod_sale(client, shopper, {market["orange"]: 1}, XINFENG)["seller_orders"][0]
    assert_problem(review(client, shopper, delivered), 409, "order_not_completed")
    part = completed(client, shopper, {market["orange"]: 2})
    assert_problem(review(client, UserFactory(), part), 403, "not_order_buyer")
    assert_problem(review(client, shopper, part, lines=[]), 422, "validation_error")
    assert_problem(review(client, shopper, part, lines=[{"line_id": 999999, "rating": 5}]),
                   422, "lines_to_rate")
    assert_problem(review(client, shopper, part, stars=6), 422, "validation_error")
    written = review(client, shopper, part)
    assert written.status_code == 201, written.get_json()
    body = written.get_json()
    assert body["verified_purchase"] is True and body["seller_rating"] == 4
    assert [line["rating"] for line in body["lines"]] == [5]
    assert_problem(review(client, shopper, part), 409, "already_reviewed")


def test_ratings_replies_and_hiding(client, shopper, market, seller, admin):
    product = market["orange"]
    first = completed(client, shopper, {product: 1})
    second = completed(client, shopper, {product: 1})
    one = review(client, shopper, first, stars=5).get_json()
    review(client, shopper, second, stars=2)
    shown = client.get(f"/api/v1/products/{product.id}/reviews").get_json()
    assert (shown["rating"], shown["rating_count"], shown["total"]) == (3.5, 2, 2)

    staff = bearer(owner_of(seller.id))
    replied = client.post(f"/api/v1/reviews/{one['id']}/reply", json={"text": "谢谢惠顾"},
                          headers=staff)
    assert replied.get_json()["reply"] == "谢谢惠顾"
    assert_problem(client.post(f"/api/v1/reviews/{one['id']}/reply", json={"text": "再谢"},
                               headers=staff), 409, "already_replied")
    assert_problem(client.post(f"/api/v1/reviews/{one['id']}/reply", json={"text": "x"},
                               headers=bearer(shopper)), 403, "not_seller_member")

    hidden = client.post(f"/api/v1/admin/reviews/{one['id']}/hide", json={"reason": "广告"},
                         headers=bearer(admin))
    assert hidden.get_json()["hidden"] is True and hidden.get_json()["hidden_reason"] == "广告"
    # hiding twice changes nothing
    client.post(f"/api/v1/admin/reviews/{one['id']}/hide", json={"reason": "again"},
                headers=bearer(admin))
    shown = client.get(f"/api/v1/products/{product.id}/reviews").get_json()
    assert (shown["rating"], shown["rating_count"], shown["total"]) == (2.0, 1, 1)
    assert_problem(client.post(f"/api/v1/admin/reviews/{one['id']}/hide",
                               json={"reason": "x"}, headers=staff), 403, "forbidden")
    assert_problem(client.get("/api/v1/products/999999/reviews"), 404, "product_not_found")


def test_review_photos_lose_their_exif_and_hide_with_the_review(client, shopper, market,
                                                                 seller, admin):
    import io

    from PIL import Image

    image = Image.new("RGB", (32, 32), (240, 150, 30))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (25.0, 50.0, 0.0), 3: "E", 4: (114.0, 56.0, 0.0)}
    original = io.BytesIO()
    image.save(original, format="PNG", exif=exif)
    assert Image.open(io.BytesIO(original.getvalue())).getexif()

    part = completed(client, shopper, {market["orange"]: 1})
    written = review(client, shopper, part).get_json()
    path = f"/api/v1/reviews/{written['id']}/photos"
    assert_problem(client.post(path, data={"photo": (io.BytesIO(original.getvalue()), "a.png")},
                               headers=bearer(owner_of(seller.id)),
                               content_type="multipart/form-data"), 403, "not_order_buyer")
    added = client.post(path, data={"photo": (io.BytesIO(original.getvalue()), "a.png")},
                        headers=bearer(shopper), content_type="multipart/form-data")
    assert added.status_code == 201, added.get_json()
    assert added.get_json()["photos"] == [{"position": 0, "content_type": "image/png"}]
    shown = client.get(f"{path}/0")  # anyone may see a visible review's photos
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert not Image.open(io.BytesIO(shown.get_data())).getexif()
    client.post(f"/api/v1/admin/reviews/{written['id']}/hide", json={"reason": "广告"},
                headers=bearer(admin))
    assert_problem(client.get(f"{path}/0"), 404, "not_found")


def test_a_products_rating_follows_its_reviews_everywhere(client, shopper, market, admin):
    """Writing, hiding and unhiding a review move the product's rating columns in the
    same transaction and reindex it: product, listing and search agree."""
    from gannan.catalog.indexing import queue_reindex
    from gannan.platform.extensions import db

    product = market["orange"]
    queue_reindex(p.id for p in market.values())
    db.session.commit()

    def shown():
        page = client.get(f"/api/v1/products/{product.id}").get_json()
        listed = client.get("/api/v1/products", query_string={"sort": "rating"}).get_json()
        hit = next(i for i in listed["items"] if i["id"] == product.id)
        filtered = client.get("/api/v1/products", query_string={"min_rating": "4"}).get_json()
        assert (hit["rating"], hit["rating_count"]) == (page["rating"], page["rating_count"])
        return page["rating"], page["rating_count"], [i["id"] for i in filtered["items"]]

    assert shown() == (None, 0, [])
    one = review(client, shopper, completed(client, shopper, {product: 1}), stars=5).get_json()
    review(client, shopper, completed(client, shopper, {product: 1}), stars=4)
    review(client, shopper, completed(client, shopper, {product: 1}), stars=4)
    assert shown() == (4.33, 3, [product.id])
    first = client.get("/api/v1/products", query_string={"sort": "rating"}).get_json()
    assert first["items"][0]["id"] == product.id  # the only rated product leads

    hide = client.post(f"/api/v1/admin/reviews/{one['id']}/hide", json={"reason": "刷单"},
                       headers=bearer(admin))
    assert hide.status_code == 200
    assert shown() == (4.0, 2, [product.id])
    review(client, shopper, completed(client, shopper, {product: 1}), stars=1)
    assert shown() == (3.0, 3, [])

    shown_again = client.post(f"/api/v1/admin/reviews/{one['id']}/unhide",
                              headers=bearer(admin))
    assert shown_again.status_code == 200
    assert shown_again.get_json()["hidden"] is False
    assert shown_again.get_json()["hidden_reason"] is None  # on record, not on display
    assert shown() == (3.5, 4, [])
    # unhiding twice changes nothing
    client.post(f"/api/v1/admin/reviews/{one['id']}/unhide", headers=bearer(admin))
    assert shown() == (3.5, 4, [])
    assert_problem(client.post(f"/api/v1/admin/reviews/{one['id']}/unhide",
                               headers=bearer(shopper)), 403, "forbidden")
    assert_problem(client.post("/api/v1/admin/reviews/999999/unhide", headers=bearer(admin)),
                   404, "review_not_found")


def test_a_rating_cannot_be_taken_out_twice(app, market):
    """The relative UPDATE is conditional: it never takes out more than was counted."""
    import pytest

    from gannan.catalog.services.ratings import add_rating
    from gannan.platform.extensions import db

    product = market["orange"]
    add_rating(product.id, 4)
    db.session.commit()
    with pytest.raises(RuntimeError):
        add_rating(product.id, -4, -1)
        add_rating(product.id, -4, -1)
    db.session.rollback()
    db.session.refresh(product)
    assert (product.rating_count, product.rating_sum) == (1, 4)


def test_the_rating_costs_the_product_page_no_statement(client, shopper, market,
                                                         count_queries):
    """Rating and count are columns of the product: reading them is part of loading it."""
    product = market["orange"]

    def statements_of_the_page():
        with count_queries() as statements:
            body = client.get(f"/api/v1/products/{product.id}").get_json()
        assert not [s for s in statements if re.search(r"\b(reviews|review_lines)\b", s)]
        return len(statements), body

    unrated, body = statements_of_the_page()
    assert (body["rating"], body["rating_count"]) == (None, 0)
    review(client, shopper, completed(client, shopper, {product: 1}), stars=4)
    rated, body = statements_of_the_page()
    assert (body["rating"], body["rating_count"]) == (4.0, 1)
    assert rated == unrated
