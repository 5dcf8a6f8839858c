"""`faqbot run`: settings, the missing-token hint, token redaction, webhook mode, and a real
process started, used and stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.localapi import LocalBotApi
from bot.tg.run import RedactToken
from bot.tg.settings import DEFAULT_API_URL, TelegramSettings
from telegram_harness import (
    BOT_USERNAME,
    IGNORE_PTB_WARNINGS,
    KNOWLEDGE,
    TOKEN,
    assert_clean,
    running_bot,
    scaled_limits,
)

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
PROJECT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FAQBOT_"))}
    return {**env, **extra}


def test_run_without_a_token_explains_how_to_get_one():
    done = subprocess.run([sys.executable, "-m", "bot", "run", "--knowledge", str(KNOWLEDGE)],
                          capture_output=True, text=True, env=clean_env(), cwd=PROJECT, timeout=60)
    assert done.returncode == 2
    assert "@BotFather" in done.stderr and "/newbot" in done.stderr
    assert "export TELEGRAM_BOT_TOKEN=" in done.stderr
    assert done.stdout == ""


def test_settings_from_the_environment_and_flags():
    settings = TelegramSettings.from_env({})
    assert settings.token == "" and settings.api_url == DEFAULT_API_URL and settings.webhook_url == ""
    assert (settings.group_rate, settings.group_period, settings.merge_window) == (20, 60.0, 60.0)
    env = {"TELEGRAM_BOT_TOKEN": " 1:abc ", "TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
           "FAQBOT_WEBHOOK_URL": "https://bot.example.org/cq/hook", "FAQBOT_WEBHOOK_PORT": "8000",
           "FAQBOT_GROUP_RATE": "10", "FAQBOT_GROUP_PERIOD": "2.5", "FAQBOT_RATE_LIMIT": "off",
           "FAQBOT_STATE_FILE": "/tmp/state.pickle", "FAQBOT_ADMINS": "1, 2"}
    settings = TelegramSettings.from_env(env)
    assert settings.token == "1:abc" and settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.webhook_path == "cq/hook" and settings.port == 8000
    assert (settings.group_rate, settings.group_period, settings.rate_limit) == (10, 2.5, False)
    assert settings.state_file == Path("/tmp/state.pickle") and settings.admins == {1, 2}
    with pytest.raises(ValueError, match="FAQBOT_WEBHOOK_PORT"):
        TelegramSettings.from_env({"FAQBOT_WEBHOOK_PORT": "eighty"})


def test_the_token_never_reaches_the_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactToken(TOKEN))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("POST %s/bot%s/sendMessage", "https://api.telegram.org", TOKEN)
        try:
            raise RuntimeError(f"connection to https://api.telegram.org/bot{TOKEN.replace(':', '%3A')}/getMe failed")
        except RuntimeError:
            logger.exception("request failed")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "<token>" in output and "request failed" in output and "RuntimeError" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_webhook_mode_with_a_secret_token():
    async with running_bot(poll=False) as bot:
        port = free_port()
        await bot.app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="cq/hook", secret_token="s3cret_Token-1",
            webhook_url=f"http://127.0.0.1:{port}/cq/hook")
        assert bot.api.webhook["secret_token"] == "s3cret_Token-1"
        alice = bot.api.add_user("Alice", language_code="en")
        question = bot.api.user_sends(alice, bot.api.private_chat(alice), "What was Chongqing's GDP?")
        (answer,) = await bot.reply_to(question)
        assert answer.text.startswith(bot.kb.entries["gdp-2013"].title("en"))
        async with aiohttp.ClientSession() as http:  # a forged update without the secret is refused
            forged = {"update_id": 1, "message": question}
            async with http.post(f"http://127.0.0.1:{port}/cq/hook", json=forged,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as response:
                assert response.status == 403
        assert len(bot.replies_to(question)) == 1
        assert_clean(bot)


async def test_faqbot_run_serves_and_stops_on_sigterm(tmp_path):
    state_file = tmp_path / "state.pickle"
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME, limits=scaled_limits()) as api:
        env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, FAQBOT_STATE_FILE=str(state_file),
                        FAQBOT_DB=str(tmp_path / "faqbot.sqlite3"))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--knowledge", str(KNOWLEDGE), env=env, cwd=PROJECT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await api.wait_for(lambda: len(api.commands) == 6, timeout=30)  # post_init ran
            alice = api.add_user("Alice", language_code="en")
            chat = api.private_chat(alice)
            question = api.user_sends(alice, chat, "How much did Chongqing export to the US?")
            await api.wait_for(lambda: api.bot_messages(chat), timeout=10)
            api.user_sends(alice, chat, "/lang")
            menu = (await api.wait_for(lambda: len(api.bot_messages(chat)) == 2 and api.bot_messages(chat)))[1]
            api.user_presses(alice, menu, "l:en:zh")
            await api.wait_for(lambda: "中文" in menu.text, timeout=10)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        log = (stdout + stderr).decode()
        assert process.returncode == 0, log[-2000:]
        assert TOKEN not in log and TOKEN.split(":")[1] not in log
        assert api.bot_messages(chat)[0].message["reply_to_message"]["message_id"] == question["message_id"]
        saved = pickle.loads(state_file.read_bytes())  # written on the way out
        assert saved["user_data"][alice["id"]]["lang"] == "zh"
        assert api.schema_violations == []
