"""Every update gets an answer or a deliberate silence: the odd ones testers found."""

from __future__ import annotations

import pytest

from bot.tg.replies import say
from telegram_harness import BOT_USERNAME, IGNORE_PTB_WARNINGS, assert_clean, running_bot

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
GDP = "What was Chongqing's GDP?"
LONE = "\ud800"  # a lone surrogate: valid in JSON ("\\ud800"), not encodable as UTF-8


@pytest.mark.parametrize("where", ["private", "ask", "mention", "inline"])
async def test_lone_surrogates_still_get_an_answer(where):
    async with running_bot(privacy_mode=False) as bot:
        api = bot.api
        alice = api.add_user("Alice", language_code="en")
        group = api.add_group("Hall", members=[alice])
        text = f"What was {LONE}Chongqing's GDP?{LONE}"
        if where == "inline":
            query_id = api.user_inline_query(alice, text)
            answer = await api.wait_for(lambda: api.inline_answers.get(query_id))
            assert answer["results"]
        else:
            chat = api.private_chat(alice) if where == "private" else group
            sent = {"private": text, "ask": f"/ask {text}", "mention": f"@{BOT_USERNAME} {text}"}[where]
            question = api.user_sends(alice, chat, sent)
            (reply,) = await bot.reply_to(question)
            assert reply.text.startswith(bot.kb.entries["gdp-2013"].title("en"))
        assert_clean(bot)


async def test_a_button_with_empty_data_is_answered():
    async with running_bot() as bot:
        api = bot.api
        alice = api.add_user("Alice", language_code="en")
        question = api.user_sends(alice, api.private_chat(alice), GDP)
        (answer,) = await bot.reply_to(question)
        query_id = api.user_presses(alice, answer, "", check=False)
        await api.wait_for(lambda: api.callback_answers.get(query_id))
        assert api.callback_answers[query_id].get("text") == say(bot.kb, "outdated", "en")
        assert_clean(bot)


async def test_auto_answer_to_a_message_without_a_sender():
    async with running_bot(privacy_mode=False) as bot:
        api = bot.api
        owner = api.add_user("Owner", language_code="en")
        group = api.add_group("Hall", members=[owner], admins=[owner])
        enable = api.user_sends(owner, group, "/autoanswer on")
        await bot.reply_to(enable)
        # an anonymous admin posts as the group: the message has sender_chat and no "from"
        state = api._chat(group)  # noqa: SLF001 - the server has no user action for this
        stored = api._store_message(state, sender=owner, fields={  # noqa: SLF001
            "sender_chat": group, "text": "How much did Chongqing export to the US?"})
        del stored.message["from"]
        api._deliver_user_message(state, stored, "message")  # noqa: SLF001
        message = stored.message
        replies = await api.wait_for(lambda: [m for m in api.bot_messages(group)
                                              if m.message.get("reply_to_message", {}).get("message_id")
                                              == message["message_id"]])
        assert replies[0].text.startswith(bot.kb.entries["exports-to-us-2013"].title("en"))
        assert_clean(bot)


@pytest.mark.parametrize("button", ["d", "e"])
async def test_a_button_on_a_deleted_message_sends_a_new_one(twin_knowledge, button):
    from bot.services.knowledge import LiveKnowledge

    async with running_bot(live=LiveKnowledge(twin_knowledge)) as bot:
        api = bot.api
        alice = api.add_user("Alice", language_code="en")
        chat = api.private_chat(alice)
        if button == "d":  # "did you mean" turns the message into the answer
            question = api.user_sends(alice, chat, "How much did Chongqing export to the US?")
        else:  # the topic browser opens the answer in place
            question = api.user_sends(alice, chat, "/topics")
        (menu,) = await bot.reply_to(question) if button == "d" else [await bot.new_bot_message(chat, 0)]
        data = next(d for d in menu.callback_data if d.startswith(f"{button}:") or d.startswith("t:"))
        if button == "e":
            api.user_presses(alice, menu, data)
            await api.wait_for(
                lambda: any(d.startswith("e:") for d in api.message(chat, menu.message_id).callback_data))
            menu = api.message(chat, menu.message_id)
            data = next(d for d in menu.callback_data if d.startswith("e:"))
        before = len(api.bot_messages(chat))
        api._chat(chat).messages[menu.message_id].deleted = True  # noqa: SLF001 - deleted by the user meanwhile
        query_id = api.user_presses(alice, menu, data, check=False)
        fresh = await bot.new_bot_message(chat, before)
        entry_id = data.split(":", 2)[2]
        assert fresh.text.startswith(bot.kb.entries[entry_id].title("en"))
        assert api.callback_answers.get(query_id) is not None
        assert_clean(bot)
