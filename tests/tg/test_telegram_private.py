"""Private chats, through the real Application and the local Bot API server."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core import render_answer
from bot.core.knowledge import default_messages
from bot.core.render import fact_value
from bot.services.knowledge import LiveKnowledge
from telegram_harness import (
    AMBIGUOUS_CANDIDATES,
    DECLINED_CANDIDATES,
    IGNORE_PTB_WARNINGS,
    assert_clean,
    find_question,
    running_bot,
)

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)


async def test_question_answered_with_figures_source_and_related_buttons():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        question = bot.api.user_sends(alice, chat, "How much did Chongqing export to the US?")
        (answer,) = await bot.reply_to(question)
        expected = render_answer(bot.kb, "exports-to-us-2013", "en")
        assert fact_value(bot.kb.facts["us_exports_2013"], "en") in answer.text  # USD 9.07 billion
        assert expected.source in answer.text and answer.text.startswith(expected.title)
        # title bold, source italic: the server parsed our HTML into entities
        assert answer.html.startswith(f"<b>{expected.title}</b>")
        assert "<i>Source:" in answer.html
        related = [f"a:en:{entry_id}" for entry_id, _ in expected.related[:3]]
        assert answer.callback_data == related
        assert_clean(bot)


async def test_chinese_question_answered_in_chinese():
    async with running_bot() as bot:
        wang = bot.api.add_user("王")  # no app language: the question's language decides
        chat = bot.api.private_chat(wang)
        question = bot.api.user_sends(wang, chat, "重庆对美国出口多少？")
        (answer,) = await bot.reply_to(question)
        assert fact_value(bot.kb.facts["us_exports_2013"], "zh") in answer.text  # 90.7亿美元
        assert "来源" in answer.text and "Source" not in answer.text
        assert all(data.startswith("a:zh:") for data in answer.callback_data)
        assert_clean(bot)


async def test_user_text_is_escaped():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        for text in ("<b>GDP</b> & <i>", "</i>exports to the US<a href='x'>", "1 < 2 && 3 > 2"):
            question = bot.api.user_sends(alice, chat, text)
            await bot.reply_to(question)  # a BadRequest (can't parse entities) would leave it unanswered
        assert_clean(bot)


async def test_start_welcomes_with_examples_and_deep_link_opens_an_answer():
    async with running_bot() as bot:
        zhang = bot.api.add_user("张", language_code="zh-hans")
        chat = bot.api.private_chat(zhang)
        bot.api.user_sends(zhang, chat, "/start")
        welcome = await bot.new_bot_message(chat, 0)
        assert welcome.text == bot.kb.message("welcome", "zh")
        examples = [str(e) for e in bot.kb.settings["start_examples"]]
        assert welcome.callback_data == [f"a:zh:{entry_id}" for entry_id in examples]
        titles = [button["text"] for row in welcome.reply_markup["inline_keyboard"] for button in row]
        assert titles == [bot.kb.entries[e].title("zh") for e in examples]

        # pressing an example sends its answer as a new message
        bot.api.user_presses(zhang, welcome, f"a:zh:{examples[0]}")
        answer = await bot.new_bot_message(chat, 1)
        assert answer.text.startswith(bot.kb.entries[examples[0]].title("zh"))
        assert answer.message["reply_to_message"]["message_id"] == welcome.message_id

        bot.api.user_sends(zhang, chat, "/start gdp-2013")  # t.me/cq_faq_bot?start=gdp-2013
        deep = await bot.new_bot_message(chat, 2)
        assert deep.text.startswith(render_answer(bot.kb, "gdp-2013", "zh").title)

        bot.api.user_sends(zhang, chat, "/start no-such-entry")
        fallback = await bot.new_bot_message(chat, 3)
        assert fallback.text == welcome.text
        assert_clean(bot)


async def test_start_in_both_languages_when_the_users_language_is_unknown():
    async with running_bot() as bot:
        olga = bot.api.add_user("Olga", language_code="ru")
        chat = bot.api.private_chat(olga)
        bot.api.user_sends(olga, chat, "/start")
        welcome = await bot.new_bot_message(chat, 0)
        assert bot.kb.message("welcome", "en") in welcome.text and bot.kb.message("welcome", "zh") in welcome.text


async def test_help_facts_and_source():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en-GB")
        chat = bot.api.private_chat(alice)
        bot.api.user_sends(alice, chat, "/help")
        help_message = await bot.new_bot_message(chat, 0)
        assert help_message.text == bot.kb.message("help", "en")

        bot.api.user_sends(alice, chat, "/facts")
        card = await bot.new_bot_message(chat, 1)
        for fact_id in bot.kb.settings["facts_card"]:
            fact = bot.kb.facts[fact_id]
            assert f"{fact.label.en}: {fact_value(fact, 'en')}" in card.text
        assert "Source:" in card.text and card.html.startswith("<b>")

        bot.api.user_sends(alice, chat, "/source")
        sources = await bot.new_bot_message(chat, 2)
        source = next(iter(bot.kb.sources.values()))
        assert source.title.en in sources.text and source.publisher.en in sources.text
        assert "27 October 2014" in sources.text
        assert_clean(bot)


async def test_topics_browsing_edits_the_message_in_place():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        bot.api.user_sends(alice, chat, "/topics")
        menu = await bot.new_bot_message(chat, 0)
        topic = bot.kb.topics[3]
        assert menu.callback_data == [f"t:en:{t.id}" for t in bot.kb.topics]

        bot.api.user_presses(alice, menu, f"t:en:{topic.id}")
        await bot.api.wait_for(lambda: topic.name.en in menu.text)
        entry_id = topic.entry_ids[0]
        assert menu.callback_data == [f"e:en:{e}" for e in topic.entry_ids] + ["T:en:"]

        bot.api.user_presses(alice, menu, f"e:en:{entry_id}")
        answer = render_answer(bot.kb, entry_id, "en")
        await bot.api.wait_for(lambda: menu.text.startswith(answer.title))
        assert answer.source in menu.text
        assert menu.callback_data[-1] == f"t:en:{topic.id}"  # back to the topic

        bot.api.user_presses(alice, menu, f"t:en:{topic.id}")
        await bot.api.wait_for(lambda: topic.name.en in menu.text)
        bot.api.user_presses(alice, menu, "T:en:")
        await bot.api.wait_for(lambda: menu.callback_data == [f"t:en:{t.id}" for t in bot.kb.topics])

        assert len(bot.api.bot_messages(chat)) == 1  # all of it in one message
        assert [step["op"] for step in menu.history].count("edit_text") == 4
        assert len(bot.api.callback_answers) == 4  # every press acknowledged
        assert_clean(bot)


async def test_lang_changes_the_answer_language():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        question = bot.api.user_sends(alice, chat, "What was Chongqing's GDP?")
        (english,) = await bot.reply_to(question)
        assert english.text.startswith(bot.kb.entries["gdp-2013"].title("en"))

        bot.api.user_sends(alice, chat, "/lang")
        menu = await bot.new_bot_message(chat, 1)
        assert menu.callback_data == ["l:en:en", "l:en:zh", "l:en:auto"]
        bot.api.user_presses(alice, menu, "l:en:zh")
        await bot.api.wait_for(lambda: "中文" in menu.text)
        assert any(button["text"].startswith("✓") and "中文" in button["text"]
                   for row in menu.reply_markup["inline_keyboard"] for button in row)

        question = bot.api.user_sends(alice, chat, "What was Chongqing's GDP?")
        (chinese,) = await bot.reply_to(question)
        assert chinese.text.startswith(bot.kb.entries["gdp-2013"].title("zh"))

        # Auto: each question in its own language
        bot.api.user_presses(alice, menu, "l:zh:auto")  # the menu now speaks Chinese
        await bot.api.wait_for(lambda: "each question" in menu.text)
        question = bot.api.user_sends(alice, chat, "重庆的GDP是多少？")
        (auto_zh,) = await bot.reply_to(question)
        question = bot.api.user_sends(alice, chat, "What was Chongqing's GDP?")
        (auto_en,) = await bot.reply_to(question)
        assert auto_zh.text.startswith(bot.kb.entries["gdp-2013"].title("zh"))
        assert auto_en.text.startswith(bot.kb.entries["gdp-2013"].title("en"))
        assert_clean(bot)


async def test_did_you_mean_press_turns_the_message_into_the_answer():
    async with running_bot() as bot:
        question_text = find_question(bot.kb, "ambiguous", AMBIGUOUS_CANDIDATES)
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        question = bot.api.user_sends(alice, chat, question_text)
        (offer,) = await bot.reply_to(question)
        assert offer.text.startswith(bot.kb.message("did_you_mean", "en"))
        assert len(offer.callback_data) >= 2 and all(d.startswith("d:en:") for d in offer.callback_data)
        chosen = offer.callback_data[1][len("d:en:"):]
        bot.api.user_presses(alice, offer, f"d:en:{chosen}")
        answer = render_answer(bot.kb, chosen, "en")
        await bot.api.wait_for(lambda: offer.text.startswith(answer.title))
        assert answer.source in offer.text
        assert offer.callback_data == [f"a:en:{e}" for e, _ in answer.related[:3]]
        assert len(bot.api.bot_messages(chat)) == 1

        # then a related question: a new message replying to the pressed one
        if answer.related:
            related = answer.related[0][0]
            bot.api.user_presses(alice, offer, f"a:en:{related}")
            follow_up = await bot.new_bot_message(chat, 1)
            assert follow_up.text.startswith(bot.kb.entries[related].title("en"))
            assert follow_up.message["reply_to_message"]["message_id"] == offer.message_id
        assert_clean(bot)


async def test_decline_says_what_the_bot_covers():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        question = bot.api.user_sends(alice, chat, find_question(bot.kb, "declined", DECLINED_CANDIDATES))
        (decline,) = await bot.reply_to(question)
        assert bot.kb.topics[0].name.en in decline.text
        assert decline.reply_markup is None
        assert_clean(bot)


async def test_stale_and_unknown_buttons_are_acknowledged():
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        bot.api.user_sends(alice, chat, "/topics")
        menu = await bot.new_bot_message(chat, 0)
        for data in ("a:en:no-such-entry", "t:en:no-such-topic", "x:forged", "e:fr:gdp-2013", "d:en:gone"):
            query_id = bot.api.user_presses(alice, menu, data, check=False)
            await bot.api.wait_for(lambda: query_id in bot.api.callback_answers)  # noqa: B023 - awaited here
            assert "out of date" in bot.api.callback_answers[query_id]["text"]
        assert len(bot.api.bot_messages(chat)) == 1
        assert_clean(bot)


async def test_the_question_language_beats_the_app_language_and_lang_beats_both():
    """An explicit /lang choice wins; otherwise the language the question is written in; the
    app language only for what has no language of its own (/start, /help, buttons)."""
    async with running_bot() as bot:
        alice = bot.api.add_user("Alice", language_code="en")  # phone in English, asks in Chinese
        chat = bot.api.private_chat(alice)
        question = bot.api.user_sends(alice, chat, "重庆对美国出口多少？")
        (answer,) = await bot.reply_to(question)
        assert answer.text.startswith(bot.kb.entries["exports-to-us-2013"].title("zh"))
        assert all(data.startswith("a:zh:") for data in answer.callback_data)  # its buttons follow the answer
        bot.api.user_sends(alice, chat, "/help")
        assert (await bot.new_bot_message(chat, 1)).text == bot.kb.message("help", "en")

        zhang = bot.api.add_user("张", language_code="zh-hans")  # phone in Chinese, asks in English
        chat = bot.api.private_chat(zhang)
        question = bot.api.user_sends(zhang, chat, "What was Chongqing's GDP?")
        (answer,) = await bot.reply_to(question)
        assert answer.text.startswith(bot.kb.entries["gdp-2013"].title("en"))

        bot.api.user_sends(zhang, chat, "/lang")
        menu = await bot.new_bot_message(chat, 1)
        bot.api.user_presses(zhang, menu, "l:zh:zh")
        await bot.api.wait_for(lambda: "我会用中文回答" in menu.text)
        question = bot.api.user_sends(zhang, chat, "What was Chongqing's GDP?")
        (answer,) = await bot.reply_to(question)
        assert answer.text.startswith(bot.kb.entries["gdp-2013"].title("zh"))
        assert_clean(bot)


async def test_start_and_help_work_without_messages_yaml(knowledge_copy):
    (knowledge_copy / "messages.yaml").unlink()
    async with running_bot(live=LiveKnowledge(knowledge_copy)) as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        bot.api.user_sends(alice, chat, "/start")
        welcome = await bot.new_bot_message(chat, 0)
        assert welcome.text == default_messages()["welcome"].en
        assert welcome.callback_data  # the example questions
        bot.api.user_sends(alice, chat, "/help")
        assert (await bot.new_bot_message(chat, 1)).text == default_messages()["help"].en
        assert_clean(bot)


async def test_small_talk_gets_a_short_reply_of_its_own_and_is_not_recorded(tmp_path):
    from bot.services.store import QuestionStore

    live = LiveKnowledge(Path(__file__).resolve().parents[2] / "knowledge")
    live.store = QuestionStore(tmp_path / "faqbot.sqlite3")
    async with running_bot(live=live) as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        for text, key, lang in (("thanks!", "smalltalk_thanks", "en"), ("谢谢", "smalltalk_thanks", "zh"),
                                ("bye", "smalltalk_goodbye", "en"), ("再见", "smalltalk_goodbye", "zh"),
                                ("are you a bot?", "smalltalk_who_are_you", "en")):
            (reply,) = await bot.reply_to(bot.api.user_sends(alice, chat, text))
            assert reply.text == bot.kb.message(key, lang), (text, reply.text)
        assert live.store.unanswered() == []
        assert_clean(bot)
