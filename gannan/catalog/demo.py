"""Demo listings for ``make run``: each approved demo seller gets its products, made
through the same services sellers use, so every rule (brand licences, batches) holds."""

from __future__ import annotations

from datetime import date, timedelta

from gannan.catalog.models import Product
from gannan.catalog.services import certificates, products, trace
from gannan.platform.extensions import db
from gannan.platform.models import Seller, SellerStatus
from gannan.platform.types import shanghai_today

# seller name -> listings; each listing: product fields, SKUs, certificate or None
LISTINGS = {
    "信丰县绿源脐橙专业合作社": [
        ({"title": "赣南脐橙 特级 5kg 礼盒", "category": "navel_orange",
          "origin_county_code": "360722", "origin_township": "安西镇", "regional_brand": "赣南脐橙",
          "description": "信丰县安西镇脐橙基地，树上熟，果径80-85mm，现摘现发。"},
         [("QC-5KG-T", "5kg 特级 80-85mm", 6880, 300, 5200),
          ("QC-10KG-Y", "10kg 一级 75-80mm", 9900, 120, 10400)],
         {"kind": "brand_licence", "number": "GNQC-SQ-2025-0317", "issuer": "赣州市赣南脐橙协会",
          "brand": "赣南脐橙"}),
        ({"title": "脐橙 家庭装 果径70-75mm 9斤", "category": "navel_orange",
          "origin_county_code": "360722", "description": "小果也甜，自家吃实惠。"},
         [("QC-9J", "4.5kg 家庭装 70-75mm", 3990, 0, 4700)], None),
    ],
    "兴国县山茶油有限公司": [
        ({"title": "赣南茶油 冷榨山茶油 5L", "category": "camellia_oil",
          "origin_county_code": "360732", "regional_brand": "赣南茶油",
          "description": "兴国县高山油茶籽，物理冷榨，一级压榨茶油。"},
         [("CY-5L", "5L 铁罐", 39800, 80, 4800), ("CY-1L", "1L 玻璃瓶", 9800, 200, 1300)],
         {"kind": "geographical_indication", "number": "AGI02321", "issuer": "农业农村部",
          "brand": "赣南茶油"}),
    ],
    "会昌县客家米粉厂": [
        ({"title": "会昌米粉 客家手工晒制 2.5kg", "category": "rice_noodles",
          "origin_county_code": "360733", "description": "本地早籼米，石磨水浸，日晒米粉。"},
         [("MF-25", "2.5kg 袋装", 4590, 500, 2600)],
         {"kind": "green_food", "number": "GF360733250019", "issuer": "中国绿色食品发展中心"}),
    ],
    "上犹县梅岭茶叶家庭农场": [
        ({"title": "上犹绿茶 梅岭明前 250g", "category": "green_tea",
          "origin_county_code": "360724", "origin_township": "梅水乡",
          "description": "海拔800米茶园，明前一芽一叶。"},
         [("LC-250", "250g 罐装", 16800, 60, 400)],
         {"kind": "organic", "number": "227OP2500315", "issuer": "中绿华夏有机产品认证中心"}),
        ({"title": "上犹 红茶 工夫红茶 250g", "category": "black_tea",
          "origin_county_code": "360724", "description": "梅岭高山，传统工夫红茶工艺。"},
         [("HC-250", "250g 盒装", 12800, 40, 400)], None),
    ],
}


def _batch(product: Product) -> dict:
    today = shanghai_today()
    return {
        "harvest_date": today - timedelta(days=7), "production_date": None,
        "quantity": 1000, "unit": "kg", "base": f"{product.origin_county.name}生产基地",
        "producer": product.seller.name, "producer_kind": "cooperative",
        "farm_inputs": [{"name": "有机肥", "kind": "fertilizer", "amount": "50kg/亩",
                         "applied_on": today - timedelta(days=200)}],
        "inspections": [{"lab": "赣州市农产品质量安全检测中心",
                         "report_number": f"GZJC-{today.year}-{product.id:04d}",
                         "passed": True, "inspected_on": today - timedelta(days=5)}],
        "compliance_certificate": {
            "product": product.title, "quantity": "1000kg", "producer": product.seller.name,
            "origin": product.origin_county.name, "contact": product.seller.contact_phone,
            "issued_on": today - timedelta(days=4),
            "commitments": ["no_banned_pesticides_or_veterinary_drugs",
                            "pesticide_residues_within_limits",
                            "withdrawal_periods_respected"],
        },
    }


def demo_catalogue_message() -> str | None:
    """``demo load``'s line for the catalogue (registered by the catalog's init_app)."""
    listings = load_demo_catalogue()
    if listings:
        return f"Demo catalogue: {listings} products listed, with certificates and batches."
    return None


def load_demo_catalogue() -> int:
    """Create the demo listings of sellers that have none; returns how many were made."""
    made = 0
    for seller_name, listings in LISTINGS.items():
        seller = db.session.scalar(db.select(Seller).where(Seller.name == seller_name))
        if seller is None or seller.status is not SellerStatus.APPROVED or db.session.scalar(
                db.select(Product.id).where(Product.seller_id == seller.id).limit(1)):
            continue
        for fields, skus, certificate in listings:
            product = products.create_product({
                **fields, "seller_id": seller.id,
                "skus": [{"code": c, "spec": s, "price_fen": p, "stock": n, "weight_g": w}
                         for c, s, p, n, w in skus],
            })
            if certificate:
                certificates.add_certificate(seller.id, {
                    "brand": None, **certificate, "valid_from": date(2025, 1, 1),
                    "valid_until": date(2028, 12, 31), "product_ids": [product.id]})
            products.publish_product(product.id)
            trace.add_batch(product.id, _batch(product))
            made += 1
    return made
