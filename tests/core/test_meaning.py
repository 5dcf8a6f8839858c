"""Answer exactly what was asked: the meaning of a question checked against what each fact
measures (bot/core/meaning.py, describe.py), on the issue's own examples and on the held-out
question set tests/questions/meaning-test.yaml (never tuned on; meaning-dev*.yaml are)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core import ask
from bot.core.render import fact_value
from bot.core.text import clean
from bot.maintain.evaluation import load_meaning_questions, score_meaning

QUESTIONS = Path(__file__).resolve().parents[1] / "questions"
KINDS = {"direction", "measure-swap", "derived", "other-entity", "other-year", "stock-flow", "currency-scale",
         "false-premise", "count-date", "long-context", "described-entity", "near-topic"}


@pytest.mark.parametrize("question, fact, not_fact", [
    ("How much did the US export to Chongqing?", "us_imports_2013", "us_exports_2013"),
    ("美国对重庆出口多少", "us_imports_2013", "us_exports_2013"),
    ("What did Chongqing sell to America in 2013?", "us_exports_2013", "us_imports_2013"),
    ("重庆从美国进口了多少", "us_imports_2013", "us_exports_2013"),
    ("How much have Chongqing investors put into the US?", "cq_investment_in_us", "us_contracted_investment"),
    ("美国在重庆投资了多少", "us_contracted_investment", "cq_investment_in_us"),
    ("How many companies have Chongqing investors set up in the US?", "cq_companies_in_us", "us_funded_enterprises"),
    ("重庆有多少家美资企业", "us_funded_enterprises", "cq_companies_in_us"),
])
def test_the_direction_of_a_flow_decides_the_figure(kb, question, fact, not_fact):
    reply = ask(kb, question)
    assert reply.answered, reply.text
    assert fact_value(kb.facts[fact], reply.lang) in reply.text, reply.text
    assert fact_value(kb.facts[not_fact], reply.lang) not in reply.text, reply.text


@pytest.mark.parametrize("question, value", [
    ("What share of Chongqing's US trade is imports?", "14.8%"),
    ("Average utilised US investment per enterprise?", "USD 595,000 per enterprise"),
    ("How much of the contracted US investment has not yet been put to use?", "USD 1.43 billion"),
    ("对美出口是进口的几倍", "5.74倍"),
    # a flow against its reverse, both named alike: the second clause is led by the first one's other end
    ("按合同额算，美国对重庆投资是重庆对美投资的几倍", "5.7倍"),
    ("How much more has the US invested in Chongqing than Chongqing in the US?", "USD 1.45 billion"),
])
def test_figures_are_derived_on_demand_and_said_to_be_derived(kb, question, value):
    reply = ask(kb, question)
    assert reply.answered and value in reply.text, reply.text
    assert reply.answer.derived and kb.message("derived", reply.lang) in reply.text


@pytest.mark.parametrize("question, reason, says", [
    ("What were Chongqing's total exports?", "other-scope", "USD 9.07 billion"),
    ("重庆出口总额是多少", "other-scope", "90.7亿美元"),
    ("How much has Ford invested in Chongqing?", "other-entity", "Ford"),
    ("How large is the Liangjiang New Area?", "other-entity", "Liangjiang New Area"),
    ("What was Chongqing's GDP in 2014?", "other-year", "1.2657 trillion yuan"),
    ("GDP in 2012?", "other-year", "in 2013"),
    ("How many yuan did Chongqing export to the US?", "other-unit", "USD 9.07 billion"),
    # "that" refers back to the clause before
    ("CQ's investment in the US — how much is that in euros?", "other-unit", "USD 307.7343 million"),
    ("How much US investment came in during 2013 alone?", "other-period", "as of end-2013"),
    ("What is the tariff on US exports to Chongqing?", "other-detail", "tariff"),
    ("What share of China's exports to the US came from Chongqing in 2013?", "other-place", "China"),
    ("What share of Chongqing's exports go to the US?", "other-figure", "share of trade with the US"),  # of all exports
    ("洛杉矶到重庆的直航是哪家航空公司执飞的？", "other-detail", "航空公司"),  # 公司 is rewritten "company"
    ("Someone said there's a California agricultural products center in the bonded zone. What are its annual "
     "sales?", "other-detail", "annual sales"),  # the entry speaks of sales, but gives no figure of them
    ("We run a logistics firm and a client asked: how much does the Chongqing-Xinjiang-Europe railway charge "
     "per container? Does your brief say anything about that?", "other-detail", "charge"),
])
def test_a_figure_the_brief_lacks_is_declined_saying_what_it_gives(kb, question, reason, says):
    reply = ask(kb, question)
    assert not reply.answered and reply.match.reason == reason, (reply.match.reason, reply.text)
    assert says in reply.text and reply.options, reply.text  # the closest answerable question, as a button


def test_the_publication_year_is_not_the_period_of_any_fact(kb):
    assert ask(kb, "population in 2013").answered  # undated: stated in the brief of 2014
    reply = ask(kb, "GDP in 2012?")
    assert "2014" not in reply.text.split("Source")[0]  # names only the years the brief has
    assert ask(kb, "When was the brief published?").text.startswith("The brief was published on 27 October 2014")


def test_false_premises_are_corrected_with_the_right_figure(kb):
    wrong = ask(kb, "Is Chongqing's trade with the US USD 68.7 billion?")
    assert wrong.match.premise is False and "USD 10.65 billion" in wrong.text
    right = ask(kb, "Is it true that Chongqing has over 30 million people?")
    assert right.match.premise is True and right.text.startswith(kb.message("premise_right", "en"))
    date = ask(kb, "Did the direct flights to Los Angeles start in 2012?")
    assert date.answered and date.match.premise is False and "August 2013" in date.text
    # 重庆的美资: Chongqing's US capital is US capital in Chongqing, not Chongqing's in the US
    for surplus in ("Did Chongqing run a trade surplus with the US in 2013?", "重庆对美贸易是顺差吗",
                    "Did Chongqing export more to the US than it imported?", "重庆对美出口比进口多吗"):
        assert ask(kb, surplus).match.premise is True, surplus
    for deficit in ("Did Chongqing have a trade deficit with the US?", "重庆对美进口比出口多吗"):
        assert ask(kb, deficit).match.premise is False, deficit
    possessive = ask(kb, "截至2013年底，重庆的合同美资是17.53亿美元吧？")
    assert possessive.match.fact == "us_contracted_investment" and possessive.match.premise is True


def test_what_is_asked_is_read_from_the_whole_statement(kb):
    partitive = ask(kb, "Of the contracted US investment, USD 318.49 million had been put to use by end-2013 "
                        "- correct?")
    assert partitive.match.fact == "us_utilised_investment" and partitive.match.premise is True
    amount = ask(kb, "How much of the contracted US investment has been used?")
    assert amount.match.fact == "us_utilised_investment"  # an amount, not the share
    share = ask(kb, "What was Chongqing's trade with the US in 2013, as a percentage of all its trade?")
    assert share.match.fact == "us_share_of_trade", share.match


def test_a_reason_is_not_answered_with_a_figure(kb):
    why = ask(kb, "Why does Chongqing run such a big trade surplus with the US?")
    assert not why.answered and why.match.reason == "no-reason" and "USD 7.49 billion" in why.text
    premise = ask(kb, "Chongqing imported USD 9.07bn from the US in 2013 - why such a deficit?")
    assert premise.match.premise is False  # a wrong figure it states is corrected first


def test_a_preamble_neither_sinks_the_score_nor_trips_a_guard(kb):
    reply = ask(kb, "I'm at the fair and my boss wants to know how many American-funded companies there are "
                    "in Chongqing, can you help?")
    assert reply.answered and reply.match.fact == "us_funded_enterprises", reply.match
    reply = ask(kb, "I'm a teacher in Ohio and my students asked: what was Chongqing's GDP in 2013?")
    assert reply.answered and reply.match.fact == "gdp_2013", reply.match
    reply = ask(kb, "Leaving the US out, how much foreign trade did Chongqing do in 2013?")
    assert reply.answered and reply.match.fact == "total_trade_2013__difference__us_trade_2013", reply.match
    reply = ask(kb, "Following up on the fair - my director wants to know which industries are Chongqing's pillars")
    assert reply.answered and reply.match.entry_id == "keystone-industries", reply.match  # not "director"


@pytest.mark.parametrize("question, names", [
    ("Which US computer maker has a subsidiary in the city?", "Hewlett-Packard"),
    ("Is there an American supermarket chain in Chongqing?", "Wal-Mart"),
    ("美国哪家电梯公司在重庆有合资企业", "奥的斯"),
])
def test_a_company_described_instead_of_named_is_found(kb, question, names):
    reply = ask(kb, question)
    assert reply.answered and names in reply.text, reply.text


@pytest.mark.parametrize("question, names", [
    ("How many US cities have direct flights to Chongqing?", "Los Angeles and San Francisco"),
    ("how many showcase JVs does the brief name", "Otis Elevator"),
])
def test_a_count_of_what_an_answer_lists_is_answered_with_the_list(kb, question, names):
    reply = ask(kb, question)
    assert reply.answered and names in reply.text, reply.text


@pytest.mark.parametrize("question", [
    "I work for the City of San Francisco: how many passengers flew the direct flights in the first year?",
    "沃尔玛在重庆开了几家店？",  # stores, not the companies the answer lists
    "How many flights a week go from Chongqing to Los Angeles?",
])
def test_a_count_of_something_else_is_not(kb, question):
    assert not ask(kb, question).answered


def test_the_meaning_question_sets_are_big_bilingual_and_apart(kb):
    def key(text):
        return re.sub(r"\W+", "", clean(text).lower())

    test = load_meaning_questions(QUESTIONS / "meaning-test.yaml")
    dev = [item for path in sorted(QUESTIONS.glob("meaning-dev*.yaml")) for item in load_meaning_questions(path)]
    assert len(test) + len(load_meaning_questions(QUESTIONS / "meaning-dev.yaml")) >= 300
    chinese = [item for item in test if re.search(r"[\u4e00-\u9fff]", item.question)]
    assert len(chinese) * 2.2 >= len(test) and {item.kind for item in test} == KINDS
    assert not {key(item.question) for item in test} & {key(item.question) for item in dev}
    variants = {key(q) for entry in kb.entries.values() for qs in entry.questions.values() for q in qs}
    assert not [item.question for item in test if key(item.question) in variants]


def test_held_out_questions_get_the_right_figure_or_a_decline(kb):
    """The issue's targets on the held-out set: at least 95% right, at most 1% wrong, at least
    95% of unanswerable questions declined (and a confidently-wrong ceiling near what is
    measured). The figures per kind are printed; `python bench/meaning.py` prints them for every set."""
    result = score_meaning(kb, load_meaning_questions(QUESTIONS / "meaning-test.yaml"))
    misses = "\n".join(f"  [{item.kind}] {item.question!r} -> {verdict} {reply.match.fact or reply.match.entry_id}"
                       for item, verdict, reply in result.misses)
    print(f"right {result.accuracy:.1%} of {result.answerable}, wrong figure {result.wrong_rate_answerable:.1%}, "
          f"declined {result.decline_recall:.1%} of {result.unanswerable}, confidently wrong {result.wrong_rate:.1%}")
    assert result.accuracy >= 0.95, misses  # measured 95.3%
    assert result.wrong_rate_answerable <= 0.01, misses  # measured 0.9%
    assert result.decline_recall >= 0.95, misses  # measured 97.3%
    assert result.wrong_rate <= 0.02, misses  # measured 1.7%
