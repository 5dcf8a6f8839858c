"""`faqbot check` warnings (variants matched elsewhere, near-duplicates, unused facts, undated
figures) and `--strict`, on a small knowledge base written here, so the bundled one can change."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FACTS = """\
sources:
  brief:
    title: {en: A brief about Riverton, zh: 河城简介}
    publisher: {en: Riverton office, zh: 河城办公室}
    published: 2014-10-27
units:
  people: {en: "{n} people", zh: "{n}人"}
  km2: {en: "{n} km²", zh: "{n}平方公里"}
  percent: {en: "{n}%", zh: "{n}%", multiply: 100}
facts:
  - id: population
    value: 2.5 million
    unit: people
    date: 2013
  - id: area
    value: 8240
    unit: km2
    date: end-2013
  - id: urban_population
    value: 1.5 million
    unit: people
    date: 2013
  - id: urban_share
    formula: urban_population / population
    unit: percent
"""

CITY = """\
topic:
  id: city
  name: {en: The city, zh: 城市}
entries:
  - id: population
    questions:
      en:
        - What is the population of Riverton?
        - how many people live in riverton
        - riverton population
        - how many inhabitants does riverton have
      zh:
        - 河城有多少人口？
        - 河城人口
    answer:
      en: "Riverton had {population} {population.when}, {urban_share} of them in towns."
      zh: "河城{population.when}有{population}，其中{urban_share}住在城镇。"
  - id: area
    questions:
      en:
        - How big is Riverton?
        - what is the area of riverton
        - riverton size in square kilometres
      zh:
        - 河城面积多大？
        - 河城有多大
    answer:
      en: "Riverton covers {area} ({area.when})."
      zh: "河城面积{area}（{area.when}）。"
"""


def check(directory: Path, *options: str) -> subprocess.CompletedProcess:
    """`faqbot check` run beside the knowledge directory: paths print relative to there."""
    return subprocess.run([sys.executable, "-m", "bot", "check", "--knowledge", directory.name, *options],
                          capture_output=True, text=True, cwd=directory.parent, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture
def riverton(tmp_path) -> Path:
    directory = tmp_path / "riverton"
    (directory / "faq").mkdir(parents=True)
    (directory / "facts.yaml").write_text(FACTS, encoding="utf-8")
    (directory / "faq" / "10-city.yaml").write_text(CITY, encoding="utf-8")
    return directory


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text in line)


def test_a_sound_knowledge_base_has_no_warnings(riverton):
    for options in ((), ("--strict",)):
        result = check(riverton, *options)
        assert result.returncode == 0, result.stdout
        assert result.stdout == ""
    # urban_population is used only through the derived urban_share: that counts as used


def test_warnings_point_at_the_line_and_strict_fails(riverton):
    city = riverton / "faq" / "10-city.yaml"
    text = city.read_text(encoding="utf-8")
    text = text.replace("        - riverton size in square kilometres\n",
                        "        - riverton size in square kilometres\n"
                        "        - how many people live in riverton\n"     # population's question, in area
                        "        - What is the AREA of Riverton??\n")      # area's own, again
    city.write_text(text, encoding="utf-8")
    facts = riverton / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + (
        "  - id: schools\n    value: 120\n    unit: people\n    date: 2013\n"   # no answer uses it
        "  - id: parks\n    value: 7\n    unit: km2\n"), encoding="utf-8")    # and this one has no date

    result = check(riverton)
    assert result.returncode == 0, result.stdout  # warnings alone don't fail ...
    assert "warning(s)" in result.stderr
    warnings = result.stdout.splitlines()
    assert all(re.match(r"^riverton/\S+\.yaml:\d+: warning: ", line) for line in warnings), warnings

    copied = [n for n, line in enumerate(city.read_text(encoding="utf-8").splitlines(), 1)
              if line.strip() == "- how many people live in riverton"][1]  # the second one is area's
    original = line_of(city, "- how many people live in riverton")
    mismatched = [w for w in warnings if w.startswith(f"riverton/faq/10-city.yaml:{copied}: warning: entry 'area': "
                                                      "question 'how many people live in riverton' ")]
    assert any("is answered by entry 'population'" in w or "did you mean" in w for w in mismatched), warnings
    assert any(f"is the same as 'how many people live in riverton' (of entry 'population', "
               f"riverton/faq/10-city.yaml:{original})" in w for w in mismatched), warnings

    repeated = line_of(city, "- What is the AREA of Riverton??")
    assert any(w.startswith(f"riverton/faq/10-city.yaml:{repeated}: warning: entry 'area': question "
                            "'What is the AREA of Riverton??' is the same as 'what is the area of riverton' "
                            "(of the same entry") for w in warnings), warnings

    schools, parks = line_of(facts, "id: schools"), line_of(facts, "id: parks")
    assert f"riverton/facts.yaml:{schools}: warning: fact 'schools' is not used by any answer, derived fact " \
           "or the facts card" in warnings
    assert any(w.startswith(f"riverton/facts.yaml:{parks}: warning: fact 'parks' is a figure without a date")
               for w in warnings), warnings
    assert not any("'population'" in w and "facts.yaml" in w for w in warnings)  # used, dated
    assert not any("urban_share" in w for w in warnings)  # derived: dated through its inputs

    strict = check(riverton, "--strict")
    assert strict.returncode == 1
    assert strict.stdout == result.stdout


def test_near_duplicates_in_chinese_need_the_same_characters(riverton):
    city = riverton / "faq" / "10-city.yaml"
    added = "        - 河城有多大\n        - 河城有多大？！\n        - 河城有多高\n"
    text = city.read_text(encoding="utf-8").replace("        - 河城有多大\n", added)
    city.write_text(text, encoding="utf-8")
    warnings = check(riverton).stdout.splitlines()
    assert any("question '河城有多大？！' is the same as '河城有多大'" in w for w in warnings), warnings
    assert not any("question '河城有多高' is" in w and "the same as" in w for w in warnings), warnings


def test_the_bundled_knowledge_warnings_are_well_formed():
    result = subprocess.run([sys.executable, "-m", "bot", "check"], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    for line in result.stdout.splitlines():
        assert re.match(r"^knowledge/\S+\.yaml:\d+: ", line), line
