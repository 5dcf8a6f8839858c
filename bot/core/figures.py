"""Figures, dates and formulas: how a fact's value is read, computed and written.

Values are exact `Decimal`s so that "USD 1,753.18 million" in the brief comes
back out as written.  English uses million/billion/trillion; Chinese uses
万/亿/万亿, which is what a Chinese reader expects.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

EN_SCALES = {"thousand": Decimal(10) ** 3, "million": Decimal(10) ** 6,
             "billion": Decimal(10) ** 9, "trillion": Decimal(10) ** 12}
ZH_SCALES = {"万": Decimal(10) ** 4, "亿": Decimal(10) ** 8, "万亿": Decimal(10) ** 12}
ZH_AUTO = (("万亿", ZH_SCALES["万亿"]), ("亿", ZH_SCALES["亿"]), ("万", Decimal(10) ** 5))
EN_AUTO = (("trillion", EN_SCALES["trillion"]), ("billion", EN_SCALES["billion"]),
           ("million", EN_SCALES["million"]))
PLAIN = "plain"  # a display hint: no scale word at all

_NUMBER_WITH_SCALE = re.compile(
    r"^\s*(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<scale>[a-z]+)?\s*$"
)


def parse_value(raw: object) -> tuple[Decimal, str | None]:
    """Read a fact's value: a number, or text such as "1,753.18 million".

    Returns the exact value and the English scale word the maintainer used (so
    the bot can say it back the same way), or raises ValueError.
    """
    if isinstance(raw, bool):
        raise ValueError("a value must be a number, not true/false")
    if isinstance(raw, (int, float)):
        return Decimal(str(raw)), None
    match = _NUMBER_WITH_SCALE.match(str(raw))
    if not match:
        raise ValueError(f"cannot read {raw!r} as a number (write e.g. 82400 or \"1,753.18 million\")")
    scale = match["scale"]
    if scale and scale not in EN_SCALES:
        raise ValueError(f"unknown scale {scale!r} in {raw!r} (use thousand, million, billion or trillion)")
    number = Decimal(match["number"].replace(",", ""))
    return number * EN_SCALES[scale] if scale else number, scale


def round_significant(value: Decimal, digits: int) -> Decimal:
    """Round to `digits` significant digits, halves away from zero."""
    if value == 0:
        return value
    quantum = Decimal(1).scaleb(value.adjusted() - digits + 1)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def _plain(number: Decimal, separators: bool) -> str:
    normal = number.normalize()
    text = format(normal, ",f" if separators else "f")
    return text


def format_number(value: Decimal, lang: str, scale: str | None = None) -> str:
    """Write a number the way a reader of `lang` expects, e.g. 1.2657 trillion / 1.2657万亿."""
    scales, auto = (EN_SCALES, EN_AUTO) if lang == "en" else (ZH_SCALES, ZH_AUTO)
    if scale is None:
        scale = next((name for name, threshold in auto if abs(value) >= threshold), PLAIN)
    if scale == PLAIN or scale not in scales:
        return _plain(value, separators=lang == "en")
    scaled = _plain(value / scales[scale], separators=lang == "en")
    return f"{scaled} {scale}" if lang == "en" else f"{scaled}{scale}"


# --- dates ------------------------------------------------------------------

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December")
AS_PUBLISHED = "as-published"


@dataclass(frozen=True)
class Period:
    """The time a figure describes: a year, a month, the end of a year, or
    'as stated when the source was published' for figures the source leaves undated."""

    kind: str  # "year" | "month" | "year-end" | "as-published"
    year: int = 0
    month: int = 0

    @property
    def label(self) -> str:
        """The short, language-neutral form used in JSON and lint messages."""
        return {"year": f"{self.year}", "month": f"{self.year}-{self.month:02d}",
                "year-end": f"end-{self.year}"}.get(self.kind, AS_PUBLISHED)

    def phrase(self, lang: str, published: Period | None = None, event: bool = False) -> str:
        """'in 2013', 'as of end-2013', 'in May 2013' / '2013年', '截至2013年底', '2013年5月'.

        An `event` (something that happened, not a figure that stood) at the end
        of a year happened 'at the end of 2013' / '2013年底', not 'as of' it."""
        if self.kind == "year":
            return f"in {self.year}" if lang == "en" else f"{self.year}年"
        if self.kind == "month":
            return (f"in {MONTHS_EN[self.month - 1]} {self.year}" if lang == "en"
                    else f"{self.year}年{self.month}月")
        if self.kind == "year-end" and event:
            return f"at the end of {self.year}" if lang == "en" else f"{self.year}年底"
        if self.kind == "year-end":
            return f"as of end-{self.year}" if lang == "en" else f"截至{self.year}年底"
        when = published or Period("month", 0, 0)
        if lang == "en":
            return f"as stated in the brief of {MONTHS_EN[when.month - 1]} {when.year}"
        return f"据{when.year}年{when.month}月发布的简介"


_PERIOD_FORMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Period]], ...] = (
    (re.compile(r"^(\d{4})$"), lambda m: Period("year", int(m[1]))),
    (re.compile(r"^(\d{4})-(\d{2})$"), lambda m: Period("month", int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-(\d{2})-\d{2}$"), lambda m: Period("month", int(m[1]), int(m[2]))),
    (re.compile(r"^end-(\d{4})$"), lambda m: Period("year-end", int(m[1]))),
    (re.compile(rf"^{AS_PUBLISHED}$"), lambda m: Period(AS_PUBLISHED)),
)


def parse_period(raw: object) -> Period:
    """Read "2013", "2013-05", "end-2013" or "as-published"; raise ValueError otherwise."""
    text = str(raw).strip()
    for pattern, build in _PERIOD_FORMS:
        match = pattern.match(text)
        if match:
            period = build(match)
            if period.kind == "month" and not 1 <= period.month <= 12:
                break
            return period
    raise ValueError(f"cannot read date {raw!r} (use 2013, 2013-05, end-2013 or {AS_PUBLISHED})")


# --- formulas ---------------------------------------------------------------

_Arithmetic = Callable[[Decimal, Decimal], Decimal]
_OPERATORS: dict[type[ast.operator], tuple[str, _Arithmetic]] = {
    ast.Add: ("+", lambda a, b: a + b), ast.Sub: ("−", lambda a, b: a - b),
    ast.Mult: ("×", lambda a, b: a * b), ast.Div: ("÷", lambda a, b: a / b)}
# How tightly each operator binds, to put back the parentheses a description needs.
_PRECEDENCE: dict[type[ast.operator], int] = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}


class Formula:
    """Arithmetic over fact ids, e.g. ``us_exports_2013 - us_imports_2013``.

    Parsed with `ast` and limited to + − × ÷, numbers and names: a maintainer's
    typo is an error at load time, never code that runs.
    """

    MAX_LENGTH = 300  # characters; longer is a mistake, and deep nesting would exhaust the parser
    MAX_NESTING = 10  # parentheses inside each other

    def __init__(self, source: str):
        if len(source) > self.MAX_LENGTH:
            raise ValueError(f"formula is {len(source)} characters long, more than {self.MAX_LENGTH}")
        depth = deepest = 0
        for char in source:
            depth += {"(": 1, ")": -1}.get(char, 0)
            deepest = max(deepest, depth)
        if deepest > self.MAX_NESTING:
            raise ValueError(f"formula nests parentheses {deepest} deep, more than {self.MAX_NESTING}")
        try:
            tree = ast.parse(source, mode="eval").body
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            reason = getattr(error, "msg", None) or str(error) or type(error).__name__
            raise ValueError(f"formula {source[:60]!r} is not valid arithmetic: {reason}") from None
        self._check(tree)
        self.source = source
        self._tree = tree

    def _check(self, node: ast.expr) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.Name):
            pass
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            assert isinstance(node.value, (int, float))  # narrows the type for mypy: `type(...) in` does not
            if len(str(node.value)) > 30 or not math.isfinite(node.value):
                raise ValueError(f"formula uses a number too large to be exact: {ast.unparse(node)[:20]}")
        else:
            raise ValueError(f"formula may only use fact ids, numbers and + - * /, not {ast.unparse(node)!r}")

    def binary(self) -> tuple[str, str, str] | None:
        """(operator, left fact id, right fact id) for a formula of two fact ids ("a / b"), else None."""
        tree = self._tree
        if isinstance(tree, ast.BinOp) and isinstance(tree.left, ast.Name) and isinstance(tree.right, ast.Name):
            return {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(tree.op)], tree.left.id, tree.right.id
        return None

    @property
    def names(self) -> list[str]:
        return [node.id for node in ast.walk(self._tree) if isinstance(node, ast.Name)]

    def evaluate(self, values: dict[str, Decimal]) -> Decimal:
        def walk(node: ast.expr) -> Decimal:
            if isinstance(node, ast.BinOp):
                return _OPERATORS[type(node.op)][1](walk(node.left), walk(node.right))
            if isinstance(node, ast.Name):
                return values[node.id]
            return Decimal(str(_constant(node)))

        try:
            return walk(self._tree)
        except (ZeroDivisionError, InvalidOperation):
            raise ValueError(f"formula {self.source!r} divides by zero") from None

    def describe(self, render_name: Callable[[str], str]) -> str:
        """The formula with each fact written out, e.g. 'USD 9.07 billion − USD 1.58 billion'.

        Parentheses come back where the order of operations needs them: `a / (b + c)` is
        'a ÷ (b + c)', never 'a ÷ b + c'."""
        def walk(node: ast.expr) -> str:
            if isinstance(node, ast.BinOp):
                left = walk_operand(node.left, node.op, right_side=False)
                right = walk_operand(node.right, node.op, right_side=True)
                return f"{left} {_OPERATORS[type(node.op)][0]} {right}"
            if isinstance(node, ast.Name):
                return render_name(node.id)
            return str(_constant(node))

        def walk_operand(node: ast.expr, parent: ast.operator, right_side: bool) -> str:
            text = walk(node)
            if not isinstance(node, ast.BinOp):
                return text
            inner, outer = _PRECEDENCE[type(node.op)], _PRECEDENCE[type(parent)]
            # On the right, an equal precedence needs them too: a − (b − c) is not a − b − c.
            return f"({text})" if inner < outer or (right_side and inner == outer) else text

        return walk(self._tree)


def _constant(node: ast.expr) -> int | float:
    """A number of a checked formula (`Formula._check` lets no other leaf through)."""
    assert isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
    return node.value
