from decimal import Decimal

import pytest

from bot.core.figures import Formula, format_number, parse_period, parse_value, round_significant


@pytest.mark.parametrize("raw, value, scale", [
    (82400, Decimal(82400), None),
    ("1,753.18 million", Decimal("1753180000"), "million"),
    ("1.2657 trillion", Decimal("1265700000000"), "trillion"),
    ("33.43 million", Decimal("33430000"), "million"),
    (25216, Decimal(25216), None),
])
def test_values_are_read_exactly_as_the_source_writes_them(raw, value, scale):
    assert parse_value(raw) == (value, scale)


@pytest.mark.parametrize("raw", ["about 5", "1.2 gazillion", True, "", "1,75,3"])
def test_unreadable_values_are_errors(raw):
    with pytest.raises(ValueError):
        parse_value(raw)


@pytest.mark.parametrize("value, lang, scale, text", [
    (Decimal("1265700000000"), "en", None, "1.2657 trillion"),
    (Decimal("1265700000000"), "zh", None, "1.2657万亿"),
    (Decimal("10650000000"), "zh", None, "106.5亿"),
    (Decimal("1753180000"), "en", "million", "1,753.18 million"),
    (Decimal("1753180000"), "zh", None, "17.5318亿"),
    (Decimal("33430000"), "zh", None, "3343万"),
    (Decimal("82400"), "en", None, "82,400"),
    (Decimal("82400"), "zh", "万", "8.24万"),
    (Decimal("25216"), "zh", "plain", "25216"),
])
def test_numbers_follow_each_languages_conventions(value, lang, scale, text):
    assert format_number(value, lang, scale) == text


def test_rounding_keeps_significant_digits():
    assert round_significant(Decimal("15.50218"), 3) == Decimal("15.5")
    assert round_significant(Decimal("37861.2"), 3) == Decimal("3.79E+4")


@pytest.mark.parametrize("raw, en, zh", [
    ("2013", "in 2013", "2013年"),
    ("end-2013", "as of end-2013", "截至2013年底"),
    ("2013-05", "in May 2013", "2013年5月"),
])
def test_dates_are_said_in_both_languages(raw, en, zh):
    period = parse_period(raw)
    assert period.phrase("en") == en and period.phrase("zh") == zh


def test_undated_figures_say_when_the_source_stated_them():
    published = parse_period("2014-10-27")
    assert parse_period("as-published").phrase("en", published) == "as stated in the brief of October 2014"


@pytest.mark.parametrize("raw", ["13/2013", "end of 2013", "2013-13"])
def test_bad_dates_are_errors(raw):
    with pytest.raises(ValueError):
        parse_period(raw)


def test_formulas_compute_and_describe_themselves():
    formula = Formula("a - b")
    assert formula.evaluate({"a": Decimal(9), "b": Decimal(2)}) == 7
    assert formula.describe(lambda name: name.upper()) == "A − B"
    assert formula.names == ["a", "b"]


@pytest.mark.parametrize("source, described", [
    ("a / (b + c)", "A ÷ (B + C)"),  # the parentheses change the value: A ÷ B + C would be another figure
    ("(a + b) / c", "(A + B) ÷ C"),
    ("a - (b - c)", "A − (B − C)"),
    ("a / (b * c)", "A ÷ (B × C)"),
    ("a + b * c", "A + B × C"),  # none needed: none added
    ("(a * b) + c", "A × B + C"),
    ("a - b - c", "A − B − C"),
    ("100 * (a - b) / b", "100 × (A − B) ÷ B"),
    ("((a))", "A"),
])
def test_a_formula_is_described_with_the_parentheses_its_order_of_operations_needs(source, described):
    assert Formula(source).describe(lambda name: name.upper()) == described


def test_a_described_formula_computes_the_same_value_as_the_formula():
    values = {"a": Decimal(12), "b": Decimal(3), "c": Decimal(1)}
    for source in ("a / (b + c)", "a - (b - c)", "a / (b * c)", "(a - b) / (b + c) * a", "a - b * (c + a) / b"):
        formula = Formula(source)
        described = formula.describe(str).replace("÷", "/").replace("×", "*").replace("−", "-")
        assert Formula(described).evaluate(values) == formula.evaluate(values), (source, described)


@pytest.mark.parametrize("source", ["__import__('os').system('true')", "a ** 2", "a if b else c", "a.b", "a +"])
def test_formulas_are_arithmetic_only(source):
    with pytest.raises(ValueError):
        Formula(source)
