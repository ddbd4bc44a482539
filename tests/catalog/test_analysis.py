"""The terms Chinese and pinyin text is indexed and searched under (both backends use them)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from gannan.catalog.search.analysis import (
    MAX_TOKEN_LENGTH,
    epoch_millis,
    field_tokens,
    index_tokens,
    query_tokens,
)
from gannan.catalog.search.base import SearchDocument

SAFE_TOKEN = re.compile(r"[a-z0-9]+|[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003ffff]{1,2}")


def test_a_two_character_word_is_its_bigram_its_characters_and_their_pinyin():
    assert index_tokens("脐橙") == ["脐橙", "脐", "橙", "qicheng", "qi", "cheng", "qc"]
    assert query_tokens("脐橙") == ["脐橙"]


def test_a_longer_run_adds_full_pinyin_and_initials():
    tokens = index_tokens("赣南脐橙")
    assert tokens[:3] == ["赣南", "南脐", "脐橙"]
    assert {"gannan", "nanqi", "qicheng", "gannanqicheng", "gnqc"} <= set(tokens)
    assert query_tokens("赣南脐橙") == ["赣南", "南脐", "脐橙"]


def test_a_single_character_is_a_unigram_without_initials():
    assert index_tokens("茶") == ["茶", "cha"]
    assert query_tokens("茶") == ["茶"]


@pytest.mark.parametrize(("place", "pinyin"), [("宁都", "ningdu"), ("于都", "yudu")])
def test_ganzhou_place_names_are_read_correctly(place, pinyin):
    assert pinyin in index_tokens(place)
    assert pinyin.replace("du", "dou") not in index_tokens(place)


def test_polyphones_are_read_in_the_context_of_their_run():
    assert "yinhang" in index_tokens("银行")  # 行 as háng, not xíng


def test_full_width_text_is_normalised():
    assert query_tokens("ＱＩＣＨＥＮＧ") == ["qicheng"]
    assert index_tokens("脐橙５ｋｇ")[-1] == "5kg"
    assert query_tokens("赣南　脐橙") == ["赣南", "脐橙"]  # ideographic space separates


def test_tone_marks_are_dropped_and_u_umlaut_is_written_v():
    assert query_tokens("Qíchéng") == ["qicheng"]
    assert query_tokens("lǜchá") == ["lvcha"]
    assert "lvcha" in index_tokens("绿茶")


def test_mixed_chinese_and_pinyin():
    assert query_tokens("赣南 qicheng") == ["赣南", "qicheng"]
    assert query_tokens("赣南qicheng") == ["赣南", "qicheng"]


def test_punctuation_splits_runs():
    tokens = index_tokens("红茶、绿茶")
    assert {"红茶", "绿茶"} <= set(tokens)
    assert "茶绿" not in tokens
    assert "hongchalvcha" not in tokens


def test_query_terms_are_distinct():
    assert query_tokens("脐橙脐橙 脐橙") == ["脐橙", "橙脐"]


@pytest.mark.parametrize("text", [
    "赣南脐橙（特级）5kg装！", "𪜀𪜁茶叶 ＆ rice-noodles", "ひらがな 한국어 🍊 café",
    "  \t\n", "〇茶 嗯", "信丰县·嘉定镇/安远",
])
def test_every_term_is_a_plain_word_or_a_han_bigram(text):
    for token in index_tokens(text) + query_tokens(text):
        assert SAFE_TOKEN.fullmatch(token), token


def test_a_character_without_a_reading_keeps_its_grams_and_gets_no_pinyin():
    tokens = index_tokens("𪜀𪜁茶叶")
    assert tokens[:7] == ["𪜀𪜁", "𪜁茶", "茶叶", "𪜀", "𪜁", "茶", "叶"]
    assert tokens[7:] == ["chaye", "cha", "ye"]  # no pinyin for grams it is part of


def test_overlong_terms_are_not_indexed():
    run = "赣南脐橙特级果" * 6  # 42 characters: its full pinyin is far past the limit
    tokens = index_tokens(run)
    assert "qicheng" in tokens
    assert max(map(len, tokens)) <= MAX_TOKEN_LENGTH
    assert all(not token.startswith("gannanqicheng") for token in tokens)


def make_doc(**changes) -> SearchDocument:
    values = dict(
        product_id=1, title="信丰脐橙", description="果肉细嫩", brand="赣南脐橙",
        category_slugs=("fruit", "navel_orange"), category_names=("水果", "脐橙"),
        county_code="360722", county_name="信丰县", township="嘉定镇", seller_id=3,
        seller_name="绿源合作社", min_price_fen=5990, in_stock=True,
        published_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
    )
    return SearchDocument(**{**values, **changes})


def test_brand_field_gathers_brand_categories_place_and_seller_without_cross_part_bigrams():
    fields = field_tokens(make_doc())
    brand = fields["brand"].split()
    assert {"gnqc", "水果", "信丰", "xinfeng", "嘉定", "绿源", "合作"} <= set(brand)
    assert "县嘉" not in brand  # 信丰县 | 嘉定镇 are separate parts
    assert fields["title"].split() == index_tokens("信丰脐橙")
    assert fields["body"].split() == index_tokens("果肉细嫩")


def test_missing_brand_and_township_are_skipped():
    brand = field_tokens(make_doc(brand=None, township=None))["brand"].split()
    assert "gnqc" not in brand
    assert "嘉定" not in brand
    assert "信丰" in brand


def test_epoch_millis_truncates_to_milliseconds_and_reads_naive_as_utc():
    moment = datetime(2025, 1, 1, 8, 0, 0, 999_999, tzinfo=timezone.utc)
    assert epoch_millis(moment) == 1_735_718_400_999
    assert epoch_millis(moment.replace(tzinfo=None)) == epoch_millis(moment)
    shanghai = timezone(timedelta(hours=8))
    assert epoch_millis(moment.astimezone(shanghai)) == epoch_millis(moment)


@pytest.mark.parametrize("text", ["银行行长", "重庆的长江长又长", "宁都县于都县赣南脐橙", "了解了就好",
                                  "会昌米粉 2kg 客家特产", "lǜchá 绿茶 𪜀茶", "ＡＢＣ 人民银行"])
def test_remembered_word_readings_equal_pypinyins_own(text):
    """syllables() reads each word once and remembers it; the result must not change."""
    from pypinyin import Style, lazy_pinyin

    from gannan.platform.pinyin import syllables

    for _ in range(2):  # the second time from the cache
        assert syllables(text) == lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)
