"""The bundled knowledge base is complete and sound; broken edits are reported by file and line."""

import re
from pathlib import Path

import pytest

from bot.core import KnowledgeError, load_knowledge, read_knowledge
from bot.core.checks import check_knowledge
from bot.core.knowledge import default_messages
from bot.core.render import fact_value

ROOT = Path(__file__).resolve().parents[2]

BRIEF_FIGURES = {
    # fact id: how the brief writes it (English rendering must say the same)
    "area": "82,400 km²",
    "population": "33.43 million people",
    "gdp_2013": "1.2657 trillion yuan",
    "total_trade_2013": "USD 68.7 billion",
    "urban_disposable_income_2013": "25,216 yuan",
    "us_trade_2013": "USD 10.65 billion",
    "us_exports_2013": "USD 9.07 billion",
    "us_imports_2013": "USD 1.58 billion",
    "us_funded_enterprises": "535 enterprises",
    "us_contracted_investment": "USD 1,753.18 million",
    "us_utilised_investment": "USD 318.49 million",
    "cq_companies_in_us": "24 companies",
    "cq_investment_in_us": "USD 307.7343 million",
}


def test_every_figure_of_the_brief_is_a_fact_said_as_the_brief_says_it(kb):
    for fact_id, written in BRIEF_FIGURES.items():
        assert fact_value(kb.facts[fact_id], "en") == written


def test_every_date_of_the_brief_is_a_fact(kb):
    periods = {fact.period.label for fact in kb.facts.values() if fact.period}
    assert {"2012", "2013", "2013-05", "2013-08", "end-2013", "2014"} <= periods


def test_every_number_in_the_brief_appears_in_some_fact(kb):
    brief = (ROOT.parent / "shared/brief/chongqing-us-cooperation-2014.txt")
    if not brief.exists():
        pytest.skip("the shared brief is not beside this checkout")
    text = brief.read_text(encoding="utf-8").split("Brief Introduction to Chongqing", 2)[-1]
    numbers = set(re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text))
    rendered = " ".join(fact_value(f, "en") + " " + (f.period.label if f.period else "") for f in kb.facts.values())
    missing = {n for n in numbers if n not in rendered and n not in ("2",)}
    assert not missing, f"figures of the brief with no fact: {missing}"


def test_every_entry_answers_in_both_languages(kb):
    for entry in kb.entries.values():
        assert entry.questions["en"] and entry.questions["zh"], entry.id
        assert entry.answer.en.strip() and entry.answer.zh.strip(), entry.id
        assert re.search(r"[\u4e00-\u9fff]", entry.answer.zh), entry.id


def test_the_bundled_knowledge_checks_clean():
    assert check_knowledge(ROOT / "knowledge") == []


def problems_after(knowledge_copy, relative_path, old, new):
    path = knowledge_copy / relative_path
    text = path.read_text(encoding="utf-8")
    assert old in text, "the test's edit no longer applies"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    kb, problems = read_knowledge(knowledge_copy)
    return kb, [str(p) for p in problems]


def line_of(knowledge_copy, relative_path, needle):
    lines = (knowledge_copy / relative_path).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def test_yaml_syntax_error_names_file_and_line(knowledge_copy):
    kb, problems = problems_after(knowledge_copy, "faq/30-economy.yaml",
                                  "  - id: gdp-per-person", "  - id: [gdp-per-person")
    assert kb is None
    assert len(problems) == 1
    assert re.match(r"knowledge/faq/30-economy\.yaml:\d+: YAML syntax", problems[0])


def test_reference_to_missing_fact(knowledge_copy):
    kb, problems = problems_after(knowledge_copy, "faq/30-economy.yaml", "{gdp_2013}.", "{gdp_2031}.")
    line = line_of(knowledge_copy, "faq/30-economy.yaml", "{gdp_2031}")  # the answer's line, not the entry's
    expected = f"knowledge/faq/30-economy.yaml:{line}: entry 'gdp-2013' (en answer) refers to missing fact 'gdp_2031'"
    assert expected in problems


def test_entry_missing_a_language(knowledge_copy):
    kb, problems = problems_after(knowledge_copy, "faq/30-economy.yaml",
                                  '      zh: "{gdp_2013.when}，重庆地区生产总值（GDP）达到{gdp_2013}。"\n', "")
    assert any(re.match(r"knowledge/faq/30-economy\.yaml:\d+: entry 'gdp-2013'.*'zh'", p) for p in problems), problems


def test_duplicate_entry_ids_across_files(knowledge_copy):
    kb, problems = problems_after(knowledge_copy, "faq/30-economy.yaml", "  - id: gdp-per-person", "  - id: area")
    assert any("duplicate entry id 'area' (first at knowledge/faq/20-chongqing.yaml:" in p for p in problems), problems


def test_duplicate_yaml_keys_are_not_silently_overwritten(knowledge_copy):
    kb, problems = problems_after(knowledge_copy, "facts.yaml",
                                  "    value: 82400\n", "    value: 82400\n    value: 82500\n")
    line = line_of(knowledge_copy, "facts.yaml", "value: 82500")
    syntax = f"knowledge/facts.yaml:{line}: YAML syntax"
    assert any(p.startswith(syntax) and "duplicate key 'value'" in p for p in problems)


def test_unknown_unit_bad_date_and_bad_formula(knowledge_copy):
    path = knowledge_copy / "facts.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    unit: km2\n", "    unit: acres\n", 1)
    text = text.replace("    date: end-2013\n", "    date: late 2013\n", 1)
    text = text.replace("formula: population / area", "formula: population / areas")
    path.write_text(text, encoding="utf-8")
    _, problems = read_knowledge(knowledge_copy)
    joined = "\n".join(map(str, problems))
    assert "unknown unit 'acres'" in joined
    assert "cannot read date 'late 2013'" in joined
    assert "formula uses unknown fact 'areas'" in joined
    assert all(re.match(r"knowledge/facts\.yaml:\d+: ", str(p)) for p in problems), joined


def test_loading_a_broken_directory_raises_with_every_problem(knowledge_copy):
    (knowledge_copy / "faq/30-economy.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_copy)
    assert "knowledge/faq/30-economy.yaml:" in str(raised.value)


def test_a_corrected_figure_changes_every_answer_that_uses_it(knowledge_copy):
    path = knowledge_copy / "facts.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 9.07 billion", "value: 9.08 billion"),
                    encoding="utf-8")
    kb = load_knowledge(knowledge_copy)
    from bot.core import render_answer
    users = [e.id for e in kb.entries.values() if "{us_exports_2013" in e.answer.en]
    assert len(users) >= 3
    for entry_id in users:
        assert "USD 9.08 billion" in render_answer(kb, entry_id, "en").body


LINES_TOPIC = """\
topic:
  id: lines
  name: {en: Lines, zh: 行}
entries:
  - id: folded-answer
    questions:
      en: [what does the folded answer say]
      zh: [折叠的答案说什么]
    answer:
      en: >-
        The first line of a long answer,
        and the second one, which names {no_such_fact}.
      zh: 答案。
    related:
      - area
      - no-such-entry
"""


def test_each_problem_points_at_the_line_of_its_field(knowledge_copy):
    (knowledge_copy / "faq" / "99-lines.yaml").write_text(LINES_TOPIC, encoding="utf-8")
    facts = knowledge_copy / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("formula: population / area",
                                                               "formula: population / areas"), encoding="utf-8")
    _, problems = read_knowledge(knowledge_copy)
    problems = [str(p) for p in problems]
    assert ("knowledge/faq/99-lines.yaml:12: entry 'folded-answer' (en answer) refers to missing fact "
            "'no_such_fact'") in problems
    assert "knowledge/faq/99-lines.yaml:16: entry 'folded-answer': related entry 'no-such-entry' does not exist" \
        in problems
    formula = line_of(knowledge_copy, "facts.yaml", "formula: population / areas")
    assert any(p.startswith(f"knowledge/facts.yaml:{formula}: ") and "unknown fact 'areas'" in p
               for p in problems), problems


def test_an_example_that_misses_is_reported_at_its_own_line(knowledge_copy):
    text = LINES_TOPIC.replace("{no_such_fact}", "nothing").replace("      - no-such-entry\n", "")
    text += "    examples:\n      - what does the folded answer say\n      - recipe for chocolate cake\n"
    (knowledge_copy / "faq" / "99-lines.yaml").write_text(text, encoding="utf-8")
    problems = [str(p) for p in check_knowledge(knowledge_copy) if p.severity == "error"]
    assert len(problems) == 1 and problems[0].startswith("knowledge/faq/99-lines.yaml:18: "), problems
    assert "example 'recipe for chocolate cake'" in problems[0]


def test_without_messages_yaml_the_default_catalogue_speaks(knowledge_copy):
    (knowledge_copy / "messages.yaml").unlink()
    kb = load_knowledge(knowledge_copy)
    for key in ("welcome", "help", "decline", "did_you_mean", "ask_usage", "lang_prompt"):
        assert kb.message(key, "en") and kb.message(key, "zh"), key


def test_messages_yaml_overrides_single_messages(knowledge_copy):
    (knowledge_copy / "messages.yaml").write_text(
        "help:\n  en: Ask away.\n  zh: 请提问。\n", encoding="utf-8")
    kb = load_knowledge(knowledge_copy)
    assert kb.message("help", "en") == "Ask away."
    assert kb.message("welcome", "en") == default_messages()["welcome"].en


def test_check_reports_unknown_messages_and_placeholders_by_line(knowledge_copy):
    (knowledge_copy / "messages.yaml").write_text(
        "welcom:\n  en: Hi\n  zh: 你好\n"                                   # a typo: no such message
        "decline_year:\n  en: Only {years}.\n  zh: 只有{years}年，没有{asked}的。\n"  # drops {asked}
        "topics:\n  en: 'Ask about {subjects}.'\n  zh: 可以问：{topics}。\n", encoding="utf-8")  # invents one
    problems = [str(p) for p in check_knowledge(knowledge_copy)]
    assert any(p.startswith("knowledge/messages.yaml:1: unknown message 'welcom'") for p in problems), problems
    assert "knowledge/messages.yaml:8: message 'topics' (en): unknown placeholder {subjects} " \
           "(this message has: {topics})" in problems, problems
    assert "knowledge/messages.yaml:5: warning: message 'decline_year' (en) leaves out {asked}" in problems, problems
    assert not any("decline_year' (zh)" in p for p in problems), problems
