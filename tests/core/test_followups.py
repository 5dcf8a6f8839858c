"""Follow-up questions in the core (bot/core/followup.py), `faqbot ask --context`, and the
held-out dialogue set tests/questions/dialogues-test.yaml (tuned only on dialogues-dev.yaml)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from bot.cli import main
from bot.core import load_knowledge
from bot.core.followup import ask_after, ask_in_context
from bot.maintain.evaluation import format_meaning, load_dialogues, score_dialogues

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "tests" / "questions"
# Measured on the held-out split: 94.3% of the answerable follow-ups right, 1.9% with a wrong
# figure; 3.9% of all follow-ups confidently wrong (a wrong figure, or an answer where the brief
# has none). The issue asks for 90% right and at most 2% wrong.
RIGHT_FLOOR, WRONG_CEILING = 0.94, 0.04


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(ROOT / "knowledge")


def test_a_follow_up_changes_one_part_and_keeps_the_rest(kb):
    reply = ask_after(kb, "and imports?", ["How much did Chongqing export to the US?"])
    assert reply.match.fact == "us_imports_2013"
    assert reply.text.startswith("Imports from the US in 2013: USD 1.58 billion")
    chinese = ask_after(kb, "那进口呢？", ["重庆对美国出口多少？"])
    assert chinese.match.fact == "us_imports_2013" and chinese.text.startswith("2013年自美进口：15.8亿美元")
    other_year = ask_after(kb, "in 2012?", ["How much did Chongqing export to the US?"])
    assert not other_year.answered and "2012" in other_year.text  # declined as a full question would be
    # two earlier questions, oldest first (--context given twice)
    per_company = ask_after(kb, "平均每家呢", ["美资企业有多少家？", "实际投资呢"])
    assert per_company.match.fact == "us_utilised_investment__per__us_funded_enterprises"


def test_refer_backs_are_about_the_last_answer(kb):
    dated = ask_after(kb, "这个数据是哪年的？", ["重庆对美国出口多少？"])
    assert dated.answered and dated.match.fact == "us_exports_2013" and "2013年" in dated.text
    why = ask_after(kb, "why?", ["How much did Chongqing export to the US?"])
    assert not why.answered  # the brief states figures, not their reasons
    alone = ask_after(kb, "when was the brief published?", ["How much did Chongqing export to the US?"])
    assert alone.answered and alone.match.entry_id == "brief-published"  # a full question of its own


def test_a_new_full_question_changes_the_topic(kb):
    reply, turn = ask_in_context(kb, "How much did Chongqing export to the US in 2013?", None)
    gdp, turn = ask_in_context(kb, "What is Chongqing's GDP?", turn)
    assert gdp.match.fact == "gdp_2013"  # "the US" does not carry over to GDP
    firms, turn = ask_in_context(kb, "How many US-funded enterprises are there in Chongqing?", turn)
    assert firms.answered and "535" in firms.text
    assert pickle.loads(pickle.dumps(turn)) == turn  # what the state file keeps


def test_a_marked_follow_up_is_read_in_context_even_with_words_left_over(kb):
    counted = ask_after(kb, "and US companies in CQ?",
                        ["How many companies have Chongqing investors set up in the US?"])
    assert counted.match.fact == "us_funded_enterprises"  # a count, as the question before it
    other_city = ask_after(kb, "and LA's government?", ["Which fair did Sacramento's government attend?"])
    assert not other_city.answered and other_city.match.reason == "other-place"  # not the direct flights to LA
    dated = ask_after(kb, "and when was the brief published?", ["What's the GDP of CQ?"])
    assert dated.match.entry_id == "brief-published"  # a question of its own, marked or not


def test_a_fragment_is_a_follow_up_even_when_it_is_a_keyword(kb):
    per_company = ask_after(kb, "per company?", ["How many US-funded enterprises are there in Chongqing?"])
    # "per company" is also a keyword of the entry on Chongqing's companies in the US
    assert per_company.match.entry_id != "average-investment-per-us-company"
    assert per_company.match.fact in ("contracted_per_enterprise", "us_utilised_investment__per__us_funded_enterprises")


def test_how_much_of_asks_for_an_amount_and_forecasts_are_declined(kb):
    used = ask_after(kb, "how much of that has been used?", ["What's the contracted US investment in Chongqing?"])
    assert used.match.fact == "us_utilised_investment"
    expected = ask_after(kb, "how much are they expected to sell?",
                         ["What are the plans for Californian products in the bonded zone?"])
    assert not expected.answered  # the brief gives plans, not forecasts


def test_follow_ups_that_count_from_the_last_question(kb):
    before = ask_after(kb, "what about the year before?", ["total foreign trade of Chongqing in 2014?"])
    assert before.match.fact == "total_trade_2013"  # 2014 less one, not "last year" from today
    chinese = ask_after(kb, "前一年呢", ["2014年重庆外贸进出口总额多少"])
    assert chinese.match.fact == "total_trade_2013"
    # the last question named no year: "the year before" counts from its answer's (2013)
    undated = ask_after(kb, "and the year before?", ["How much did Chongqing export to the US?"])
    assert not undated.answered and undated.match.reason == "other-year" and "2012" in undated.text
    both = ask_after(kb, "加起来一共多少", ["2013年重庆对美国出口多少？", "那进口呢？"])
    assert both.match.fact == "us_trade_2013"  # both directions, not all partners
    reverse = ask_after(kb, "那重庆对美国呢", ["2013年美国对重庆的出口额是多少"])
    assert reverse.match.fact == "us_exports_2013"  # the parties named the other way round


def test_pronouns_and_reasons_point_at_the_last_answer(kb):
    spent = ask_after(kb, "他们一共投了多少钱", ["重庆的投资者在美国开了几家公司？"])
    assert spent.match.fact == "cq_investment_in_us"
    its_size = ask_after(kb, "how big is it?", ["What is the Liangjiang New Area?"])
    assert not its_size.answered and its_size.match.reason == "other-entity"  # not all of Chongqing's area
    opened = ask_after(kb, "when did it open?", ["where is the California agri products center?"])
    assert opened.answered and opened.match.entry_id == "california-agri-center"
    why = ask_after(kb, "为什么跟合同额差这么多", ["实际使用美资多少"])
    assert not why.answered and why.match.reason == "refer-back-why"


def test_an_faq_question_as_written_is_answered_alike_after_any_question(kb):
    """Every entry's title, asked after every other one: never read as a follow-up
    ("What is this bot?" after the area is not the area; "what is your source" is the FAQ's)."""
    titles = [entry.title(lang) for entry in kb.entries.values() for lang in ("en", "zh")]
    alone = {title: ask_after(kb, title).match for title in titles}
    changed = [(before, title) for before in titles[::2] for title in titles
               if (m := ask_after(kb, title, [before]).match).entry_id != alone[title].entry_id
               or m.fact != alone[title].fact]
    assert not changed, changed[:5]


def test_ask_context_on_the_command_line(capsys):
    code = main(["ask", "--json", "--context", "How much did Chongqing export to the US?", "and imports?"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["answered"] and data["fact"] == "us_imports_2013"
    main(["ask", "and imports?"])  # without --context, stateless as before
    assert "Imports from the US in 2013" not in capsys.readouterr().out
    main(["explain", "--context", "重庆对美国出口多少？", "加州呢？"])
    out = capsys.readouterr().out
    assert "After:       重庆对美国出口多少？" in out and "california" in out


def test_the_dialogue_sets_are_big_bilingual_and_apart():
    dev = load_dialogues(QUESTIONS / "dialogues-dev.yaml") + load_dialogues(QUESTIONS / "dialogues-dev2.yaml")
    test = load_dialogues(QUESTIONS / "dialogues-test.yaml")
    assert len(dev) + len(test) >= 80 and not {d.id for d in dev} & {d.id for d in test}
    assert sum(d.lang == "zh" for d in dev + test) >= (len(dev) + len(test)) * 0.45
    assert all(2 <= len(d.turns) <= 3 for d in dev + test)


def test_held_out_dialogues_get_the_right_figure(kb):
    """Every follow-up of the held-out dialogues, asked turn by turn in one conversation."""
    result = score_dialogues(kb, load_dialogues(QUESTIONS / "dialogues-test.yaml")).follow_ups
    print(format_meaning(result))
    assert result.accuracy >= RIGHT_FLOOR
    assert result.wrong_rate <= WRONG_CEILING
    assert result.wrong_rate_answerable <= 0.02  # the "at most 2% get a wrong one"
