"""Answers state figures with unit, date and source, in the asker's language; odd input never breaks."""

import re

import pytest

from bot.core import DECLINED, ask, load_knowledge, render_answer
from bot.core.engine import decide, rank
from bot.core.matcher import Candidate, Ranking


def test_an_answer_gives_figure_unit_date_and_source(kb):
    reply = ask(kb, "How much did Chongqing export to the US?")
    assert reply.answered and reply.match.entry_id == "exports-to-us-2013"
    assert "USD 9.07 billion" in reply.text and "In 2013" in reply.text
    assert reply.answer.source.startswith("Source: “Brief Introduction to Chongqing")
    assert "27 October 2014" in reply.answer.source


def test_chinese_questions_get_chinese_answers_with_chinese_units(kb):
    reply = ask(kb, "重庆对美国出口多少？")
    assert reply.lang == "zh" and reply.match.entry_id == "exports-to-us-2013"
    assert "90.7亿美元" in reply.text and "2013年" in reply.text
    assert reply.answer.source.startswith("来源：中美省州合作专题子站")


def test_the_language_can_be_forced(kb):
    assert "90.7亿美元" in ask(kb, "exports to the US", lang="zh").text


@pytest.mark.parametrize("entry_id, figure, formula", [
    ("us-share-of-trade", "15.5%", "USD 10.65 billion ÷ USD 68.7 billion"),
    ("exports-share-of-us-trade", "85.2%", "USD 9.07 billion ÷ USD 10.65 billion"),
    ("trade-surplus-with-us", "USD 7.49 billion", "USD 9.07 billion − USD 1.58 billion"),
    ("investment-utilisation-rate", "18.2%", "USD 318.49 million ÷ USD 1,753.18 million"),
    ("contracted-investment-per-enterprise", "USD 3.28 million per enterprise", "÷ 535 enterprises"),
    ("average-investment-per-us-company", "USD 12.8 million per company", "USD 307.7343 million ÷ 24 companies"),
    ("population-density", "406 people per km²", "33.43 million people ÷ 82,400 km²"),
    ("gdp-per-person", "37,900 yuan per person", "1.2657 trillion yuan ÷ 33.43 million people"),
])
def test_derived_figures_are_computed_and_said_to_be_derived(kb, entry_id, figure, formula):
    answer = render_answer(kb, entry_id, "en")
    assert figure in answer.body
    assert len(answer.derived) == 1 and answer.derived[0].startswith("Derived by this bot")
    assert formula in answer.derived[0]


def test_every_answer_renders_with_its_dates_in_both_languages(kb):
    for entry_id in kb.entries:
        for lang in ("en", "zh"):
            answer = render_answer(kb, entry_id, lang)
            assert "{" not in answer.body and answer.source
            if re.search(r"\d", answer.body) and entry_id != "about-bot":
                assert re.search(r"20\d\d", answer.body), (entry_id, lang, answer.body)


@pytest.mark.parametrize("question, reason", [
    ("What was Chengdu's GDP in 2013?", "other-place"),
    ("成都2013年GDP多少", "other-place"),
    ("Chongqing GDP in 2019", "other-year"),
    ("重庆去年对美国出口多少", "other-year"),
    ("What is the phone number of California's trade office?", "other-detail"),
])
def test_questions_about_what_the_entry_does_not_cover_are_declined_with_a_reason(kb, question, reason):
    reply = ask(kb, question)
    assert reply.match.status == DECLINED and reply.match.reason == reason


def test_a_decline_says_what_the_bot_can_answer(kb):
    reply = ask(kb, "what's the weather like tomorrow")
    assert not reply.answered
    assert "You can ask about" in reply.text and "Trade with the US" in reply.text


@pytest.mark.parametrize("question", [
    "", "   \n\t ", "x" * 10_000, "重庆" * 5_000, "🙂🙂🙂", "\x00\x07\x1b[31m", "<b>gdp</b><script>alert(1)</script>",
    "GDP 重庆 2013 对美 export", "@cq_faq_bot", "/ask@cq_faq_bot", "Ｃｈｏｎｇｑｉｎｇ　ＧＤＰ", "?!?!", "١٢٣",
    "\u202egdp",
])
def test_strange_input_gets_a_clear_reply_never_an_exception(kb, question):
    reply = ask(kb, question)
    assert reply.text.strip()
    assert reply.to_json()["lang"] in ("en", "zh")


def test_full_width_and_mentions_are_normalised(kb):
    assert ask(kb, "@cq_faq_bot ＣＨＯＮＧＱＩＮＧ ＧＤＰ").match.entry_id == "gdp-2013"


def test_traditional_chinese_is_understood(kb):
    reply = ask(kb, "重慶對美國出口多少")
    assert reply.match.entry_id == "exports-to-us-2013" and reply.lang == "zh"


def test_close_candidates_get_did_you_mean_instead_of_a_guess(kb):
    # a question that names no figure: only retrieval can tell the entries apart
    ranking = rank(kb, "california")
    close = Ranking(ranking.analysis, (Candidate("california-cooperation-overview", 60.0, 0.52),
                                       Candidate("california-trade-office", 55.0, 0.46),
                                       Candidate("area", 1.0, 0.02)))
    found = decide(kb, "california", close)
    assert found.status == "ambiguous"
    assert found.options == ("california-cooperation-overview", "california-trade-office")
    clear = Ranking(ranking.analysis, (Candidate("california-cooperation-overview", 60.0, 0.9),
                                       Candidate("california-trade-office", 55.0, 0.1)))
    assert decide(kb, "california", clear).status == "answered"


def test_close_candidates_are_told_apart_by_the_figure_asked_for(kb):
    # "exports" asks for the exports figure, which only one of two close entries is about
    ranking = rank(kb, "exports")
    close = Ranking(ranking.analysis, (Candidate("exports-to-us-2013", 60.0, 0.52),
                                       Candidate("exports-share-of-us-trade", 55.0, 0.46),
                                       Candidate("area", 1.0, 0.02)))
    found = decide(kb, "exports", close)
    assert (found.status, found.entry_id, found.fact) == ("answered", "exports-to-us-2013", "us_exports_2013")


def test_two_entries_asked_the_same_way_are_offered_both(twin_knowledge):
    reply = ask(load_knowledge(twin_knowledge), "How much did Chongqing export to the US?")
    assert reply.match.status == "ambiguous", reply.match
    assert set(reply.match.options) == {"exports-to-us-2013", "exports-twin"}
    assert reply.text.startswith("Did you mean:")


def test_json_has_the_contract_fields(kb):
    data = ask(kb, "How big is Chongqing?").to_json()
    assert set(data) >= {"question", "answered", "id", "score", "lang", "answer", "alternatives"}
    assert data["answered"] is True and data["id"] == "area" and 0 <= data["score"] <= 100
    assert all(set(alt) == {"id", "score"} for alt in data["alternatives"])
    assert "<" not in data["answer"]
