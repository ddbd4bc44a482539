"""Pinyin for Chinese text, through pypinyin, with Ganzhou place names taught to it.

pypinyin reads 都 in 宁都/于都 as "dou"; the places are Níngdū and Yúdū.  Such
readings are given to pypinyin as phrases (its own mechanism), so every caller —
county listings now, the search index later — gets the same, correct romanisation.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin, load_phrases_dict

PLACE_PHRASES = {
    "宁都": [["níng"], ["dū"]],
    "于都": [["yú"], ["dū"]],
    "赣南": [["gàn"], ["nán"]],
}


@lru_cache(maxsize=1)
def _ready() -> bool:
    load_phrases_dict(PLACE_PHRASES)
    return True


def syllables(text: str) -> list[str]:
    """Toneless syllables of the Chinese characters; other characters pass through."""
    _ready()
    return lazy_pinyin(text, style=Style.NORMAL, errors="default", v_to_u=False)


def full_pinyin(text: str) -> str:
    return "".join(syllables(text)).replace(" ", "").lower()


def initials(text: str) -> str:
    _ready()
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
