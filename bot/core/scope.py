"""Scope guards: noticing a question about something the best entry does not cover.

Word overlap alone answers "What was Chengdu's GDP in 2019?" with Chongqing's
2013 GDP. Each entry's scope records the years, places and kinds of detail its
texts speak of; a question naming another year, place or detail is declined
with a reason the user can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .places import place_name, places_in

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")

# Relative years: the brief is dated, so "last year" is never a year it covers.
_RELATIVE_YEARS = {
    "last year": ("last year", "去年"), "previous year": ("last year", "去年"),
    "next year": ("next year", "明年"), "year before last": ("the year before last", "前年"),
    "去年": ("last year", "去年"), "前年": ("the year before last", "前年"),
    "明年": ("next year", "明年"), "后年": ("the year after next", "后年"), "上一年": ("last year", "去年"),
}
_RELATIVE_PATTERN = re.compile("|".join(sorted(map(re.escape, _RELATIVE_YEARS), key=len, reverse=True)))

# Kinds of detail people ask for that an FAQ answer either gives or does not:
# contacts, prices, schedules, rankings, growth, people in charge, fair logistics,
# subgroups (rural) and comparisons the source does not make (nationwide), "today".
# A question asking for one that the matched entry never mentions is declined.
_DETAILS = """
phone telephone email e-mail contact address opening-hours open-hours price prices cost costs fee fees
fare fares rank ranking ranked growth grew grow increase increased decline declined
forecast prediction predict weather temperature head director chief manager ceo mayor governor
heads headed boss weekly daily per-week a-week frequency timetable schedule employees staff workers jobs unemployment inflation
tax taxes tariff tariffs visa hotel hotels restaurant restaurants booth booths hall wifi wi-fi password
register registration parking profit profits revenue rural countryside villages nationwide national-average
close closes closing what-time today tonight tomorrow next
每周 一周 电话 邮箱 地址 联系方式 营业时间 开放时间 几点 价格 价钱 票价 费用 运费 收费 排名 排第几 增长 增速 增幅
预测 天气 气温 负责人 主任 领导 市长 州长 老板 每周 每天 几班 班次 员工 就业 失业 利润 营收 税 关税 签证
酒店 餐厅 展位 展馆 密码 注册 报名 停车 农村 乡村 农民 全国 今天 明天 今晚 闭幕 开幕 下一届 下届
"""
_LATIN_DETAILS = sorted((w.replace("-", " ") for w in _DETAILS.split() if w.isascii()), key=len, reverse=True)
_HAN_DETAILS = sorted((w for w in _DETAILS.split() if not w.isascii()), key=len, reverse=True)
_DETAIL_PATTERN = re.compile(
    rf"(?<![a-z0-9])(?:{'|'.join(map(re.escape, _LATIN_DETAILS))})(?![a-z0-9])|{'|'.join(map(re.escape, _HAN_DETAILS))}")


# Questions that ask for a number: an entry whose answer gives none cannot answer them.
_ASKS_FOR_FIGURE = re.compile(
    r"(?<![a-z])(?:how (?:much|many|big|large|long|far|often)|number of|amount of|size of|percentage|gdp)(?![a-z])"
    r"|多少|(?<!第)几[个天年次家班]|多大|多长|多远|规模|数量|金额|总额|比例|占比")


@dataclass(frozen=True)
class Scope:
    """What an entry speaks of, gathered from its questions, keywords and answers."""

    years: frozenset[int]
    places: frozenset[str]
    details: frozenset[str]
    has_figures: bool = True  # whether its answer states any number


def details_in(normalised: str) -> set[str]:
    return set(_DETAIL_PATTERN.findall(normalised))


def entry_scope(normalised_texts: list[str], fact_years: set[int], has_figures: bool) -> Scope:
    """`normalised_texts`: the entry's texts as the matcher normalises them."""
    text = "\n".join(normalised_texts)
    years = {int(y) for y in _YEAR.findall(text)} | fact_years
    return Scope(frozenset(years), frozenset(places_in(text)), frozenset(details_in(text)), has_figures)


@dataclass(frozen=True)
class OutOfScope:
    reason: str  # "other-year", "other-place", "other-detail" or "no-figure"
    asked: tuple[str, str]  # what was asked about, in English and Chinese

    def asked_in(self, lang: str) -> str:
        return self.asked[1] if lang == "zh" else self.asked[0]


def out_of_scope(scope: Scope, normalised: str, years, home_places) -> OutOfScope | None:
    """Why the entry with `scope` cannot answer this question, or None if it can."""
    for year in years:
        if year not in scope.years:
            return OutOfScope("other-year", (str(year), f"{year}年"))
    relative = _RELATIVE_PATTERN.search(normalised)
    if relative:
        return OutOfScope("other-year", _RELATIVE_YEARS[relative.group()])
    for place in sorted(places_in(normalised) - scope.places - set(home_places)):
        return OutOfScope("other-place", (place_name(place, "en"), place_name(place, "zh")))
    for detail in sorted(details_in(normalised) - scope.details):
        return OutOfScope("other-detail", (detail, detail))
    if not scope.has_figures and _ASKS_FOR_FIGURE.search(normalised):
        return OutOfScope("no-figure", ("", ""))
    return None
