"""Pinyin for Chinese text, through pypinyin, with Ganzhou place names taught to it.

pypinyin reads 都 in 宁都/于都 as "dou"; the places are Níngdū and Yúdū.  Such
readings are given to pypinyin as phrases (its own mechanism), so every caller —
county listings now, the search index later — gets the same, correct romanisation.

pypinyin cuts a text into words (forward maximum matching over its phrase
dictionary, where the context of polyphones lives) and then reads each word on its
own; :func:`syllables` does the same two steps but remembers the reading of each word,
because the search index reads the same few thousand words again and again (a
catalogue's titles share a small vocabulary) and the reading is most of the cost.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin, load_phrases_dict
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

PLACE_PHRASES = {
    "宁都": [["níng"], ["dū"]],
    "于都": [["yú"], ["dū"]],
    "赣南": [["gàn"], ["nán"]],
}
# What lazy_pinyin(text, style=Style.NORMAL, v_to_u=False) builds on every call.
_PINYIN = Pinyin(UltimateConverter(v_to_u=False, neutral_tone_with_five=False,
                                   tone_sandhi=False))
WORD_CACHE_SIZE = 1 << 14


@lru_cache(maxsize=1)
def _ready() -> bool:
    load_phrases_dict(PLACE_PHRASES)
    return True


def warm_up() -> None:
    """Load pypinyin's dictionaries now (~0.5 s) rather than in the first call that
    needs them: a server's master does it before forking its workers."""
    _ready()
    syllables("赣南脐橙")


def syllables(text: str) -> list[str]:
    """Toneless syllables of the Chinese characters; other characters pass through.

    The same result as ``lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)``: the text
    is cut into words as pypinyin cuts it, and each word is read as pypinyin reads it.
    """
    _ready()
    out: list[str] = []
    for word in _PINYIN.seg(text):
        out.extend(_word_syllables(word))
    return out


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_syllables(word: str) -> tuple[str, ...]:
    # A list is taken as already cut into words: the word is read whole, not cut again.
    return tuple(_PINYIN.lazy_pinyin([word], style=Style.NORMAL, errors="default"))


def full_pinyin(text: str) -> str:
    return "".join(syllables(text)).replace(" ", "").lower()


def initials(text: str) -> str:
    _ready()
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
