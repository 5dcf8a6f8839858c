"""The numbers a question states ("more than 30 million", "三十多家", "half"): each a `Claim`
with its comparator and scale, for checking against a figure (agreement.check_claim)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .lexicon import Lexicon


@dataclass(frozen=True)
class Claim:
    """A number a question asserts: "Is trade USD 68.7 billion?", "over 30 million?"."""

    value: Decimal
    comparator: str  # "equal", "about", "more", "less"
    percent: bool
    scaled: bool  # a scale word was given (billion, 亿)
    text: str  # as written


_NUMBER = re.compile(
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*"
    r"(%|percent|per cent|trillion|billion|million|thousand|bn|mn|tn|[mbk](?![a-z])|万亿|亿|万|千)?")
_SCALE_OF = {"%": 1, "percent": 1, "per cent": 1, "trillion": 10**12, "billion": 10**9, "million": 10**6,
             "thousand": 10**3, "bn": 10**9, "mn": 10**6, "tn": 10**12, "m": 10**6, "b": 10**9, "k": 10**3,
             "万亿": 10**12, "亿": 10**8, "万": 10**4, "千": 10**3}


_HAN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HAN_UNITS = {"十": 10, "百": 100, "千": 1000}
_HAN_SCALES = {"万": 10**4, "亿": 10**8}
_EN_NUMBERS = {w: n for n, w in
               enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
_EN_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_WORD_NUMBER = re.compile(
    r"(?<![a-z])(?:(" + "|".join(_EN_NUMBERS) + r"|a|half a) (hundred|thousand|million|billion|trillion)"
    r"|(" + "|".join(_EN_NUMBERS) + r")(?= (?:consecutive|years|times|companies|enterprises|firms|offices|cities|"
    r"flights)\b))"
    r"|([一二两三四五六七八九十百千]+)(多)?([万亿]*)(?![一二两三四五六七八九十百千万亿])")
_HAN_COUNTERS = "家个人次届座年倍位名"


def _han_number(text: str) -> int:
    """一 .. 九千九百九十九, with 万 and 亿: 三千 3000, 五百 500, 一万 10000, 十二 12."""
    total, section, digit = 0, 0, 0
    for char in text:
        if char in _HAN_DIGITS:
            digit = _HAN_DIGITS[char]
        elif char in _HAN_UNITS:
            section += (digit or 1) * _HAN_UNITS[char]
            digit = 0
        elif char in _HAN_SCALES:
            total = (total + section + digit) * _HAN_SCALES[char]
            section = digit = 0
    return total + section + digit


def _small_numbers(cleaned: str, lexicon: Lexicon) -> list[Claim]:
    """Numbers written in words: "one trillion yuan", "three consecutive years", "三千多万人",
    "五百多家" (多: more than), "连续三年"."""
    found = []
    for match in _WORD_NUMBER.finditer(cleaned):
        english, scale, count, han, more, han_scale = match.groups()
        if english or scale:
            value = Decimal("0.5") if english == "half a" else Decimal(_EN_NUMBERS.get(english, 1))
            value *= _EN_SCALES[scale]
        elif count:
            value = Decimal(_EN_NUMBERS[count])
        else:
            after = cleaned[match.end():match.end() + 1]
            ordinal = "第" in cleaned[max(0, match.start() - 1):match.start()]
            if ordinal or not (set(han + (han_scale or "")) & set("十百千万亿") or after in _HAN_COUNTERS) or (
                    han == "一" and not han_scale):
                continue  # 第一 is an ordinal; a lone digit counts only before a counter (三年, 五家)
            value = Decimal(_han_number(han + (han_scale or "")))
        before = cleaned[max(0, match.start() - 24):match.start()]
        comparator = next((kind for kind, phrases in lexicon.comparators.items() if phrases.find(before)),
                          "more" if more else "equal")
        found.append(Claim(value, comparator, False, bool(scale or han_scale), match.group()))
    return found


def _claims(cleaned: str, lexicon: Lexicon) -> tuple[Claim, ...]:
    """Numbers the question states, with the comparator before them; years are not claims."""
    found = _small_numbers(cleaned, lexicon)
    for match in _NUMBER.finditer(cleaned):
        digits, decimals, scale = match.group(1), match.group(2) or "", (match.group(3) or "").strip()
        after = cleaned[match.end():match.end() + 1]
        if not scale and not decimals and len(digits) == 4 and digits[:2] in ("19", "20"):
            continue  # a year
        if after in ("年", "月", "日", "号", "届", "次") and not scale:
            continue
        value = Decimal(digits.replace(",", "") + decimals) * _SCALE_OF.get(scale, 1)
        before = cleaned[max(0, match.start() - 24):match.start()]
        comparator = "equal"
        for kind, phrases in lexicon.comparators.items():
            if phrases.find(before) or phrases.find(cleaned[match.end():match.end() + 4]):
                comparator = kind
        found.append(Claim(value, comparator, scale in ("%", "percent", "per cent"),
                           bool(scale) and scale not in ("%", "percent", "per cent"), match.group().strip()))
    for word in ("half", "一半", "过半"):
        if word in cleaned:
            before = cleaned[:cleaned.index(word)][-24:]
            comparator = next((kind for kind, phrases in lexicon.comparators.items() if phrases.find(before)), "about")
            found.append(Claim(Decimal(50), comparator, True, False, word))
    return tuple(found)
