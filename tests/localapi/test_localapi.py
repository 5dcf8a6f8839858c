"""Tests of the local Bot API server, driven through the real python-telegram-bot.

The server is only useful if python-telegram-bot cannot tell it from Telegram, so most
tests talk to it with ``telegram.Bot`` / ``Application`` and assert on what comes back
(objects, exceptions) and on the simulated world. Everything is local and fast.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import json

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.localapi import LocalBotApi, RateLimits, entities_to_html, load_spec, parse_html, utf16_len
from bot.localapi.htmlparse import EntityParseError, detect_client_entities

TOKEN = "123456:TEST-token"
# python-telegram-bot 22 warns when RetryAfter.retry_after is read as an int.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
SERVERS: list[LocalBotApi] = []  # every server started, for the final schema check


@pytest.fixture
async def api():
    server = LocalBotApi(
        token=TOKEN, bot_username="cq_faq_bot", bot_name="Chongqing FAQ", webhook_retry_delay=0.05
    )
    SERVERS.append(server)
    await server.start()
    yield server
    await server.stop()
    assert server.server_errors == []


@pytest.fixture
async def bot(api):
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as the_bot:
        yield the_bot


@pytest.fixture
def alice(api):
    return api.add_user("Alice", username="alice_w", language_code="en")


@pytest.fixture
def bob(api):
    return api.add_user("Bob", language_code="zh")


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


async def raw_call(api: LocalBotApi, method: str, token: str = TOKEN, **params) -> tuple[int, dict]:
    """Call the server as a bare HTTP client, with form-encoded parameters."""
    url = f"{api.base_url}{token}/{method}"
    async with aiohttp.ClientSession() as session, session.post(url, data=params) as response:
        return response.status, await response.json()


# --------------------------------------------------------------------------- protocol
async def test_get_me_reports_the_bot(bot, api):
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == (123456, "cq_faq_bot", "Chongqing FAQ", True)
    assert me.can_read_all_group_messages is False and me.supports_inline_queries is True


async def test_protocol_errors_look_like_telegram(api):
    assert await raw_call(api, "getMe", token="123456:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await raw_call(api, "noSuchMethod") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    status, body = await raw_call(api, "GETME")  # method names are case-insensitive
    assert status == 200 and body["result"]["username"] == "cq_faq_bot"
    status, body = await raw_call(api, "sendPhoto", chat_id="1", photo="x")
    assert (status, body["description"]) == (400, "Bad Request: method not implemented in the local server")
    status, body = await raw_call(api, "sendMessage", text="hi")
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")
    status, body = await raw_call(api, "answerCallbackQuery")
    assert status == 400 and '"callback_query_id" is required' in body["description"]


async def test_form_json_strings_and_legacy_reply_parameter(api, alice):
    chat = api.private_chat(alice)
    question = api.user_sends(alice, chat, "hello")
    markup = json.dumps({"inline_keyboard": [[{"text": "More", "callback_data": "more"}]]})
    status, body = await raw_call(
        api,
        "sendMessage",
        chat_id=str(chat["id"]),
        text="<i>hi</i>",
        parse_mode="HTML",
        reply_markup=markup,
        reply_to_message_id=str(question["message_id"]),
    )
    assert status == 200, body
    result = body["result"]
    assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "more"
    assert result["reply_to_message"]["message_id"] == question["message_id"]
    assert result["entities"] == [{"type": "italic", "offset": 0, "length": 2}]


# --------------------------------------------------------------------------- updates
async def test_get_updates_confirms_with_offset(bot, api, alice):
    chat = api.private_chat(alice)
    api.user_sends(alice, chat, "first")
    api.user_sends(alice, chat, "second")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates] == ["first", "second"]
    assert updates[1].update_id == updates[0].update_id + 1
    again = await bot.get_updates(timeout=0, limit=1)
    assert [u.update_id for u in again] == [updates[0].update_id]  # not confirmed yet: redelivered
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    api.user_sends(alice, chat, "third")
    (third,) = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert third.message.text == "third" and third.message.message_id == 3


async def test_long_poll_waits_until_an_update_arrives(bot, api, alice):
    chat = api.private_chat(alice)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    assert not poll.done()
    api.user_sends(alice, chat, "are you there?")
    updates = await asyncio.wait_for(poll, 1)
    assert updates[0].message.text == "are you there?"


async def test_long_poll_times_out_empty_and_second_poller_conflicts(bot, api):
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == ()
    assert loop.time() - started >= 0.9
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(TOKEN, base_url=api.base_url) as second_instance:  # e.g. a second deployment
        assert await second_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 1)


async def test_privacy_mode_in_groups(bot, api, alice, bob):
    group = api.add_group("Fair hall A", members=[alice, bob], admins=[alice])
    seen = []

    async def texts_seen():
        updates = await bot.get_updates(offset=-100, timeout=0)
        for update in updates:
            seen.append(update.message.text or "service")
        if updates:
            await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)

    api.user_sends(alice, group, "hello everyone")
    api.user_sends(alice, group, "/ask how big is Chongqing")
    api.user_sends(alice, group, "/ask@cq_faq_bot GDP?")
    api.user_sends(alice, group, "/ask@other_bot GDP?")
    api.user_sends(alice, group, "what about /ask in the middle")
    api.add_member(group, api.add_user("Carol"))
    await texts_seen()
    answer = await bot.send_message(group["id"], "Chongqing is big")
    reply_to_bot = api.user_sends(bob, group, "thanks!", reply_to=answer.to_dict())
    api.user_sends(bob, group, "me too", reply_to=reply_to_bot)  # a reply to a user: not for the bot
    await texts_seen()
    assert seen == ["/ask how big is Chongqing", "/ask@cq_faq_bot GDP?", "service", "thanks!"]
    assert len(api.messages(group)) == 9  # the bot misses messages but they exist
    assert [m.delivered for m in api.messages(group)][:2] == [False, True]

    open_group = api.add_group("Open hall", members=[alice], privacy_mode=False)
    admin_group = api.add_group("Admin hall", members=[alice], bot_is_admin=True)
    seen.clear()
    api.user_sends(alice, open_group, "small talk")
    api.user_sends(alice, admin_group, "more small talk")
    api.user_sends(alice, api.private_chat(alice), "private small talk")
    await texts_seen()
    assert seen == ["small talk", "more small talk", "private small talk"]


async def test_reply_threading(bot, api, alice):
    group = api.add_group("Fair hall B", members=[alice], privacy_mode=False)
    question = api.user_sends(alice, group, "Where is the fair?")
    answer = await bot.send_message(
        group["id"], "In Chongqing.", reply_parameters=ReplyParameters(question["message_id"])
    )
    assert answer.reply_to_message.text == "Where is the fair?"
    follow_up = api.user_sends(alice, group, "When?", reply_to=answer.to_dict())
    assert follow_up["reply_to_message"]["message_id"] == answer.message_id
    assert "reply_to_message" not in follow_up["reply_to_message"]  # one level deep, as on Telegram
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(group["id"], "?", reply_parameters=ReplyParameters(999))
    lenient = await bot.send_message(
        group["id"], "ok", reply_parameters=ReplyParameters(999, allow_sending_without_reply=True)
    )
    assert lenient.reply_to_message is None


# --------------------------------------------------------------------------- formatting
def test_html_parser_produces_utf16_entities():
    text, entities = parse_html(
        '😀 <b>重庆</b> &amp; <i>US <u>trade</u></i> &#x1F600;<a href="https://cq.gov.cn">site</a>'
    )
    assert text == "😀 重庆 & US trade 😀site"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 2},  # the emoji counts 2 UTF-16 units
        {"type": "italic", "offset": 8, "length": 8},
        {"type": "underline", "offset": 11, "length": 5},
        {"type": "text_link", "offset": 19, "length": 4, "url": "https://cq.gov.cn"},
    ]
    assert utf16_len(text) == 23


def test_html_parser_supports_telegrams_whole_subset():
    source = (
        '<strong>a</strong><em>b</em><ins>c</ins><del>d</del><span class="tg-spoiler">e</span>'
        '<tg-spoiler>f</tg-spoiler><code>g</code><pre><code class="language-python">h</code></pre>'
        "<blockquote>i</blockquote><blockquote expandable>j</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    text, entities = parse_html(source)
    assert text == "abcdefghij👍"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "spoiler",
        "code",
        "pre",
        "blockquote",
        "expandable_blockquote",
        "custom_emoji",
    ]
    assert entities[7]["language"] == "python"
    assert parse_html(entities_to_html(text, entities)) == (text, entities)  # rendering round-trips


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", "Can't find end tag corresponding to start tag b"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("Tom&nbsp;Lee", 'Unsupported HTML entity "&nbsp;" at byte offset 3'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x', "Unclosed start tag at byte offset 0"),
    ],
)
def test_html_parser_rejects_what_telegram_rejects(source, error):
    with pytest.raises(EntityParseError) as raised:
        parse_html(source)
    assert str(raised.value) == error


def test_client_entities_like_telegram_apps():
    text = "/ask@cq_faq_bot 重庆 GDP? @alice_w see https://cq.gov.cn/en. #trade"  # no astral chars
    found = [(e["type"], text[e["offset"] : e["offset"] + e["length"]]) for e in detect_client_entities(text)]
    assert found == [
        ("bot_command", "/ask@cq_faq_bot"),
        ("mention", "@alice_w"),
        ("url", "https://cq.gov.cn/en"),
        ("hashtag", "#trade"),
    ]


async def test_send_message_html_and_text_rules(bot, api, alice):
    chat_id = api.private_chat(alice)["id"]
    sent = await bot.send_message(chat_id, "🇨🇳 <b>重庆</b> <code>x&lt;y</code>", parse_mode="HTML")
    assert sent.text == "🇨🇳 重庆 x<y"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 5, 2), ("code", 8, 3)]
    assert sent.text_html == "🇨🇳 <b>重庆</b> <code>x&lt;y</code>"
    assert api.bot_messages(chat_id)[-1].html == "🇨🇳 <b>重庆</b> <code>x&lt;y</code>"
    for bad in ("<b>unclosed", "<script>x</script>", "a < b"):
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(chat_id, bad, parse_mode="HTML")
    longest = await bot.send_message(chat_id, "<b>" + "字" * 4096 + "</b>", parse_mode="HTML")
    assert len(longest.text) == 4096  # the limit applies after parsing
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(chat_id, "字" * 4097)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(chat_id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)unsupported parse_mode"):
        await bot.send_message(chat_id, "x", parse_mode="BBCode")
    assert len(api.bot_messages(chat_id)) == 2


# --------------------------------------------------------------------------- keyboards and queries
async def test_callback_data_limits_and_button_presses(bot, api, alice):
    chat_id = api.private_chat(alice)["id"]
    for data in ("x" * 65, "重" * 22, ""):  # 65 bytes, 66 bytes, 0 bytes
        with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
            await bot.send_message(
                chat_id,
                "pick",
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data=data)]]),
            )
    status, body = await raw_call(
        api,
        "sendMessage",
        chat_id=str(chat_id),
        text="pick",
        reply_markup=json.dumps({"inline_keyboard": [[{"text": "plain"}]]}),
    )
    assert status == 400 and "Text buttons are unallowed" in body["description"]
    sent = await bot.send_message(
        chat_id,
        "pick",
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("重庆", callback_data="重" * 21),
                    InlineKeyboardButton("Site", url="https://cq.gov.cn"),
                ]
            ]
        ),
    )
    query_id = api.user_presses(alice, sent, "重" * 21)  # a PTB Message, a dict or a StoredMessage
    with pytest.raises(ValueError):
        api.user_presses(alice, sent.to_dict(), "not-on-a-button")
    (update,) = await bot.get_updates(timeout=0)
    assert (
        update.callback_query.data == "重" * 21
        and update.callback_query.message.message_id == sent.message_id
    )
    assert await update.callback_query.answer("Noted") is True
    assert api.callback_answers[query_id] == {"text": "Noted"}
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query_id)


async def test_edits_deletes_and_history(bot, api, alice):
    chat_id = api.private_chat(alice)["id"]
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
    sent = await bot.send_message(chat_id, "<b>v1</b>", parse_mode="HTML", reply_markup=keyboard)
    edited = await bot.edit_message_text("v2", chat_id, sent.message_id, reply_markup=keyboard)
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("v2", chat_id, sent.message_id, reply_markup=keyboard)
    await bot.edit_message_reply_markup(chat_id, sent.message_id, reply_markup=None)
    question = api.user_sends(alice, chat_id, "hi")
    with pytest.raises(BadRequest, match="(?i)message can't be edited"):
        await bot.edit_message_text("hacked", chat_id, question["message_id"])
    assert await bot.delete_message(chat_id, sent.message_id) is True
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(chat_id, sent.message_id)
    (stored,) = api.bot_messages(chat_id)
    assert [op["op"] for op in stored.history] == ["send", "edit_text", "edit_reply_markup", "delete"]
    assert stored.deleted and stored.reply_markup is None and stored.source_text == "v2"
    assert api.bot_messages(chat_id, include_deleted=False) == []


async def test_inline_queries_and_results_via_the_bot(bot, api, alice):
    group = api.add_group("Fair hall C", members=[alice])
    query_id = api.user_inline_query(alice, "gdp", chat_type="supergroup")
    (update,) = await bot.get_updates(timeout=0)
    assert update.inline_query.query == "gdp"
    await update.inline_query.answer(
        [
            InlineQueryResultArticle(
                "gdp-2013", "GDP 2013", InputTextMessageContent("<b>GDP</b> 2013", parse_mode="HTML")
            )
        ],
        cache_time=0,
    )
    assert api.inline_answers[query_id]["results"][0]["id"] == "gdp-2013"
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_inline_query(query_id, [])
    posted = api.user_chooses_inline_result(alice, query_id, "gdp-2013", chat=group)
    assert posted["via_bot"]["username"] == "cq_faq_bot" and posted["text"] == "GDP 2013"
    updates = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert updates[0].message.via_bot.id == 123456  # privacy mode lets via-bot messages through
    assert updates[1].chosen_inline_result.result_id == "gdp-2013"


async def test_commands_are_stored_per_scope_and_language(bot, api, alice):
    group = api.add_group("Fair hall D", members=[alice])
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands(
        [BotCommand("ask", "提问")], scope=BotCommandScopeAllGroupChats(), language_code="zh"
    )
    await bot.set_my_commands([BotCommand("ask", "Ask")], scope=BotCommandScopeChat(group["id"]))
    assert api.get_commands() == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert api.commands[("all_group_chats", "zh")] == [{"command": "ask", "description": "提问"}]
    assert api.commands[(f"chat:{group['id']}", "")][0]["description"] == "Ask"
    commands = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(), language_code="zh")
    assert [c.command for c in commands] == ["ask"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    await bot.delete_my_commands()
    assert api.get_commands() == []
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    await bot.set_my_description("Answers about Chongqing", language_code="en")
    await bot.set_my_short_description("重庆问答", language_code="zh")
    assert api.descriptions == {"en": "Answers about Chongqing"} and api.short_descriptions == {
        "zh": "重庆问答"
    }


async def test_chats_and_members(bot, api, alice, bob):
    group = api.add_group("Fair hall E", members=[bob], admins=[alice], username="cq_fair")
    info = await bot.get_chat("@cq_fair")
    assert (info.id, info.title, info.type) == (group["id"], "Fair hall E", "supergroup")
    assert (await bot.get_chat_member(group["id"], alice["id"])).status == "creator"
    assert (await bot.get_chat_member(group["id"], bob["id"])).status == "member"
    assert (await bot.get_chat_member(group["id"], 123456)).status == "member"
    admins = await bot.get_chat_administrators(group["id"])
    assert [a.user.id for a in admins] == [alice["id"]]
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(-42, "hello?")
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(bob["id"], "hello?")
    api.private_chat(bob)
    api.user_blocks_bot(bob)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(bob["id"], "hello?")
    assert await bot.send_chat_action(group["id"], "typing") is True
    assert api.chat_actions[-1]["action"] == "typing"
    assert await bot.log_out() is True and await bot.close() is True


# --------------------------------------------------------------------------- limits and faults
async def test_flood_limits_answer_429(bot, api, alice):
    api.limits = RateLimits(private_burst=2, private_per_second=1.0, group_per_minute=3, group_window=1.0)
    group = api.add_group("Busy hall", members=[alice])
    for n in range(3):
        await bot.send_message(group["id"], f"answer {n}")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(group["id"], "one too many")
    assert seconds(raised.value.retry_after) == 1
    assert api.max_in_window(group, 1.0) <= 3 and api.rate_limit_hits[group["id"]] == 1

    chat_id = api.private_chat(alice)["id"]
    await bot.send_message(chat_id, "1")
    await bot.send_message(chat_id, "2")  # a burst of two is tolerated
    with pytest.raises(RetryAfter):
        await bot.send_message(chat_id, "3")
    assert len(api.sent_timestamps(chat_id)) == 2

    api.limits.enabled = False
    for n in range(5):
        await bot.send_message(chat_id, f"unlimited {n}")


async def test_injected_faults(bot, api, alice):
    chat_id = api.private_chat(alice)["id"]
    fault = api.inject("sendMessage", "429", retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(chat_id, "hi")
        assert seconds(raised.value.retry_after) == 7
    assert fault.injected == 2 and api.injected[("sendMessage", "429")] == 2
    await bot.send_message(chat_id, "through")

    api.inject("sendMessage", "5xx", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(chat_id, "hi")
    api.inject("sendmessage", "5xx", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(chat_id, "hi")
    api.inject("sendMessage", "drop")
    with pytest.raises(NetworkError):
        await bot.send_message(chat_id, "lost request")
    api.inject("sendMessage", "drop_after", match=lambda params: params["text"] == "lost answer")
    with pytest.raises(NetworkError):
        await bot.send_message(chat_id, "lost answer")
    assert [m.text for m in api.bot_messages(chat_id)] == ["through", "lost answer"]

    api.inject("getMe", "slow", delay=0.3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await bot.get_me()
    assert loop.time() - started >= 0.3


# --------------------------------------------------------------------------- webhook
async def test_webhook_delivery_with_secret_and_retries(bot, api, alice):
    received: list[tuple[str | None, dict]] = []
    failures = [500]  # the first delivery fails; Telegram retries

    async def receive(request: web.Request) -> web.Response:
        if failures:
            return web.Response(status=failures.pop())
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response()

    receiver = web.Application()
    receiver.router.add_post("/hook", receive)
    runner = web.AppRunner(receiver)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        assert await bot.set_webhook(url, secret_token="s3cret-token")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        api.user_sends(alice, api.private_chat(alice), "via webhook")
        await api.wait_for(lambda: received, timeout=3)
        secret, update = received[0]
        assert secret == "s3cret-token" and update["message"]["text"] == "via webhook"
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0 and "500" in info.last_error_message
        assert await bot.delete_webhook(drop_pending_updates=True)
        assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- a real Application
async def test_application_round_trip(api, alice):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_html(
            "<b>Welcome</b> to the Chongqing FAQ",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Trade", callback_data="topic:trade")]]),
            do_quote=True,
        )

    async def topic(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("Trade with the US grew")

    app = ApplicationBuilder().token(TOKEN).base_url(api.base_url).base_file_url(api.base_file_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(topic, pattern="^topic:"))
    chat = api.private_chat(alice)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        question = api.user_sends(alice, chat, "/start")
        (welcome,) = await api.wait_for(lambda: api.bot_messages(chat), timeout=3)
        assert welcome.text == "Welcome to the Chongqing FAQ"
        assert welcome.message["reply_to_message"]["message_id"] == question["message_id"]
        query_id = api.user_presses(alice, welcome, "topic:trade")
        await api.wait_for(lambda: welcome.text == "Trade with the US grew", timeout=3)
        assert query_id in api.callback_answers
        await app.updater.stop()
        await app.stop()
    assert api.pending_updates == []  # the application confirmed everything it handled


# --------------------------------------------------------------------------- control API
async def test_http_control_api_for_the_playground(api):
    async with aiohttp.ClientSession(base_url=api.url) as http:

        async def post(path: str, body: dict) -> dict:
            async with http.post(path, json=body) as response:
                payload = await response.json()
                assert payload["ok"], payload
                return payload["result"]

        user = await post("/_local/users", {"first_name": "Dana", "language_code": "zh"})
        chat = await post(
            "/_local/chats", {"type": "supergroup", "title": "Hall", "member_ids": [user["id"]]}
        )
        async with http.get("/_local/events", params={"after": "0"}) as response:
            last = (await response.json())["result"]["last_event_id"]
        waiting = asyncio.create_task(http.get("/_local/events", params={"after": str(last), "timeout": "3"}))
        await asyncio.sleep(0.1)
        sent = await post(
            "/_local/send", {"user_id": user["id"], "chat_id": chat["id"], "text": "/ask@cq_faq_bot 重庆"}
        )
        async with await waiting as response:
            (event,) = (await response.json())["result"]["events"]
        assert event["type"] == "user_message" and event["delivered"] is True
        assert (
            event["message"]["message_id"] == sent["message_id"] and event["html"] == "/ask@cq_faq_bot 重庆"
        )
        async with http.post(
            "/_local/send", json={"user_id": 1, "chat_id": chat["id"], "text": "x"}
        ) as response:
            assert response.status == 400
        async with http.get("/_local/state") as response:
            state = (await response.json())["result"]
        assert state["chats"][0]["messages"][0]["message"]["text"] == "/ask@cq_faq_bot 重庆"


# --------------------------------------------------------------------------- schema
def test_schema_check_catches_malformed_objects():
    spec = load_spec()
    user = {"id": 1, "is_bot": False, "first_name": "Alice"}
    chat = {"id": 1, "type": "private", "first_name": "Alice"}
    assert spec.check(user, "User") == []
    assert spec.check({"id": 1, "first_name": "Alice"}, "User") == [
        "User.is_bot: required field of User is missing"
    ]
    message = {
        "message_id": 1,
        "date": 1.5,
        "chat": {**chat, "id": "1"},
        "from": user,
        "text": "x",
        "colour": 1,
    }
    problems = spec.check({"update_id": 1, "message": message}, "Update")
    assert "Update.message.date: expected Integer, got Float 1.5" in problems
    assert 'Update.message.chat.id: expected Integer, got String "1"' in problems
    assert "Update.message.colour: Message has no field 'colour'" in problems
    assert spec.check({"status": "member", "user": user}, "ChatMember") == []
    assert spec.check({"status": "creator", "user": user}, "ChatMember") == [
        "ChatMember.is_anonymous: required field of ChatMemberOwner is missing"
    ]
    assert spec.check([{"command": "a", "description": 2}], "Array of BotCommand")
    assert spec.check(True, ["Message", "Boolean"]) == []


def test_no_schema_violations_in_any_server_above():
    assert SERVERS, "run the whole file"
    for server in SERVERS:
        assert server.schema_violations == []
