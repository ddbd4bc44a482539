"""Text analysis shared by both search backends: Chinese and pinyin in, index terms out.

Elasticsearch as CI runs it has no ``analysis-common`` module (no ``cjk`` analyzer) and
SQLite has no Chinese tokenizer, so the analysis is done here, once, and both backends
index and query the *same* terms.  Each backend only splits the stored strings on
whitespace.

Text is normalised first (NFKC, so full-width ``ＡＢＣ１２３`` becomes ``abc123``;
lower case; tone marks dropped and ``ü`` written ``v``, as pinyin keyboards do), then
split into runs of Han characters and Latin/digit words; everything else separates.

A Han run is indexed as

* its character bigrams and its characters: ``赣南 南脐 脐橙 赣 南 脐 橙``;
* the pinyin of each of those: ``gannan nanqi qicheng gan nan qi cheng``;
* the pinyin of the whole run: ``gannanqicheng``;
* the initials of the whole run (two or more characters): ``gnqc``.

A query's Han run becomes its bigrams (a one-character run: the character), and a
Latin word stays as typed, so ``脐橙``, ``qicheng``, ``gnqc`` and ``赣南 qicheng`` all
find 赣南脐橙.  The single characters are indexed so that a one-character query (茶,
橙, 蜜, common in Chinese) finds the words containing it, as Elasticsearch's
``cjk_bigram`` filter does with ``output_unigrams``; a longer query never produces
them, so they do not blur its matches.  Pinyin comes from one
:func:`gannan.platform.pinyin.syllables` call per run, so polyphones are read in
context (银行 ``yinhang``) and the Ganzhou place names are right (宁都 ``ningdu``).

A document matches when every query term occurs in one of its fields; its score is the
sum, over query terms, of :data:`FIELD_WEIGHTS` of the fields holding the term.  Both
backends compute exactly that (see each backend for how), which is what makes their
orderings identical.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from gannan.catalog.search.base import SearchDocument
from gannan.platform.pinyin import syllables

# Weight of a query term found in each field.  A title hit outweighs a term found in
# the brand *and* the description (10 > 4 + 1), a brand hit a description hit.
FIELD_WEIGHTS: Final = MappingProxyType({"title": 10, "brand": 4, "body": 1})
MAX_TOKEN_LENGTH: Final = 64
# Han runs whose index terms are kept in memory.  Titles and descriptions are composed
# from a small vocabulary (produce, grades, places, shop words), so the same runs come
# back again and again; pypinyin is ~90% of the cost of analysing one.  A run's terms
# depend on the run alone (polyphones are read within it), so the cache is exact.
RUN_CACHE_SIZE: Final = 1 << 15

# Han: CJK Extension A, the unified block, compatibility ideographs, and all of planes
# 2 and 3 (Extensions B to H and beyond), so no Han character splits a run.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_RUN = re.compile(f"([{_HAN}]+)|([a-z0-9]+)")
# After NFKC: text with none of these has nothing to decompose and no combining mark
# (ASCII, the middle dot, CJK punctuation but its tone marks U+302A-302F, unified Han).
_MAY_DECOMPOSE = re.compile(r"[^\x00-\x7f\u00b7\u3000-\u3029\u3030-\u303f\u3400-\u4dbf\u4e00-\u9fff]")
# Short texts that recur in every document of a seller or county (category, county,
# township and seller names) are analysed once.
_PART_CACHE_SIZE: Final = 1 << 12
_SHORT: Final = 32
_SYLLABLE = re.compile("[a-z]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLISECOND = timedelta(milliseconds=1)


def normalise(text: str) -> str:
    """NFKC, lower case, ``ü`` as ``v``, combining marks (pinyin tone marks) removed."""
    text = unicodedata.normalize("NFKC", text).lower()
    if not _MAY_DECOMPOSE.search(text):
        return text  # ASCII and unified Han only: nothing to decompose or drop
    decomposed = unicodedata.normalize("NFD", text).replace("u\u0308", "v")  # ü, ǘ, ǚ, ǜ
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", bare)


def index_tokens(text: str) -> list[str]:
    """The distinct terms a field containing ``text`` is indexed under, in first-seen order.

    Terms longer than :data:`MAX_TOKEN_LENGTH` (the pinyin of a long run, a pasted
    code) are left out: nobody types them, and Elasticsearch's whitespace tokenizer
    would cut them where SQLite would not.
    """
    tokens: list[str] = []
    for han, word in _runs(text):
        if han:
            tokens.extend(_han_index_tokens(han))
        elif len(word) <= MAX_TOKEN_LENGTH:
            tokens.append(word)
    return list(dict.fromkeys(tokens))


def query_tokens(text: str) -> list[str]:
    """The distinct terms a query must all match: Han bigrams and Latin words as typed."""
    tokens: list[str] = []
    for han, word in _runs(text):
        tokens.extend(_grams(han) if han else [word])
    return list(dict.fromkeys(tokens))


def field_tokens(doc: SearchDocument) -> dict[str, str]:
    """The space-joined terms of each field in :data:`FIELD_WEIGHTS`, as both backends store them.

    ``brand`` gathers what names the product besides its title: the regional brand,
    category names, county, township and seller.  Each part is analysed on its own so
    that no bigram spans two parts.
    """
    brand_parts = (doc.brand, *doc.category_names, doc.county_name, doc.township, doc.seller_name)
    return {
        "title": " ".join(index_tokens(doc.title)),
        "brand": _joined(part for part in brand_parts if part),
        "body": " ".join(index_tokens(doc.description)),
    }


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since the epoch, the resolution Elasticsearch keeps; naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // _MILLISECOND


def _joined(parts: Iterable[str]) -> str:
    tokens: dict[str, None] = {}
    for part in parts:
        tokens.update(dict.fromkeys(_short_part_tokens(part) if len(part) <= _SHORT
                                    else index_tokens(part)))
    return " ".join(tokens)


@lru_cache(maxsize=_PART_CACHE_SIZE)
def _short_part_tokens(text: str) -> tuple[str, ...]:
    return tuple(index_tokens(text))


def _runs(text: str) -> Iterator[tuple[str, str]]:
    """(han, "") or ("", word) for each Han run and Latin/digit word of the normalised text."""
    for match in _RUN.finditer(normalise(text)):
        yield match.group(1) or "", match.group(2) or ""


def _grams(run: str) -> list[str]:
    """Character bigrams of a Han run; a one-character run is its own unigram."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=RUN_CACHE_SIZE)
def _han_index_tokens(run: str) -> tuple[str, ...]:
    """The terms of one Han run (those no longer than :data:`MAX_TOKEN_LENGTH`)."""
    readings = _readings(run)
    bigrams = [readings[i : i + 2] for i in range(len(run) - 1)]
    unigrams = [[reading] for reading in readings]
    pinyin = [_pinyin(span) for span in [*bigrams, *unigrams, readings]]
    if len(run) > 1:
        pinyin.append(_pinyin(readings, initials=True))
    tokens = _grams(run) + list(run) + [token for token in pinyin if token]
    return tuple(token for token in tokens if len(token) <= MAX_TOKEN_LENGTH)


def _pinyin(readings: Sequence[str | None], initials: bool = False) -> str | None:
    """The readings (or their first letters) joined; None if a character has no reading."""
    if None in readings:
        return None
    return "".join(reading[0] if initials else reading for reading in readings if reading)


def _readings(run: str) -> list[str | None]:
    """One toneless syllable per character, read in context; None where pypinyin has none.

    pypinyin returns characters it cannot read unchanged, and groups adjacent ones, so
    when the count is off each character is read on its own.
    """
    read = syllables(run)
    if len(read) != len(run):
        read = [syllables(char)[0] for char in run]
    return [reading if _SYLLABLE.fullmatch(reading) else None for reading in read]
