"""The webhook refuses forged and oversized requests before reading their bodies, and always
has a secret (issue 14, point 1): through python-telegram-bot's Updater with our guarded
server, against the local Bot API server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.localapi import LocalBotApi
from bot.tg.webhook import MAX_BODY
from telegram_harness import BOT_USERNAME, IGNORE_PTB_WARNINGS, KNOWLEDGE, TOKEN, running_bot, scaled_limits

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
PROJECT = Path(__file__).resolve().parents[2]
SECRET = "s3cret_Token-1"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def status_of(port: int, path: str, headers: dict[str, str], body: bytes = b"") -> int:
    """Send a POST's headers (and `body`, which may be shorter than its Content-Length) and
    read the status line. A server that reads the whole body before judging the request would
    wait and never answer: the timeout is a deadlock detector, not a speed requirement."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"POST /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n".encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=15)
        return int(status_line.split()[1])
    finally:
        writer.close()


async def test_forged_and_oversized_requests_are_refused_before_the_body():
    async with running_bot(poll=False) as bot:
        port = free_port()
        await bot.app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="cq/hook", secret_token=SECRET,
                                            webhook_url=f"http://127.0.0.1:{port}/cq/hook")
        assert bot.api.webhook["secret_token"] == SECRET
        alice = bot.api.add_user("Alice", language_code="en")
        question = bot.api.user_sends(alice, bot.api.private_chat(alice), "What was Chongqing's GDP?")
        await bot.reply_to(question)  # Telegram's own deliveries, with the secret, are served
        url = f"http://127.0.0.1:{port}/cq/hook"
        forged = json.dumps({"update_id": 10**6, "message": {**question, "text": "/start"}})
        for headers in ({}, {HEADER: "wrong"}, {HEADER: SECRET + "x"}, {HEADER: ""}):
            headers = {"Content-Type": "application/json", "Content-Length": str(len(forged)), **headers}
            assert await status_of(port, "cq/hook", headers, forged.encode()) == 403, headers
        async with aiohttp.ClientSession() as http:
            async with http.post(url, data=b"not json", headers={"Content-Type": "application/json",
                                                                 HEADER: SECRET}) as response:
                assert response.status == 400
            # a chunked body (no Content-Length) over the cap, with the right secret
            async def chunks():
                for _ in range(MAX_BODY // 65536 + 2):
                    yield b" " * 65536
            try:
                async with http.post(url, data=chunks(), headers={"Content-Type": "application/json",
                                                                  HEADER: SECRET}) as response:
                    assert response.status == 413
            except aiohttp.ClientError:
                pass  # or the server closes the connection mid-body: either way nothing was read past the cap
        big = str(90 * 1024 * 1024)
        assert await status_of(port, "cq/hook", {"Content-Type": "application/json",
                                                              "Content-Length": big}) == 403
        assert await status_of(port, "cq/hook", {"Content-Type": "application/json", HEADER: "wrong",
                                                              "Content-Length": big}) == 403
        assert await status_of(port, "cq/hook", {"Content-Type": "application/json", HEADER: SECRET,
                                                              "Content-Length": str(MAX_BODY + 1)}) == 413
        await asyncio.sleep(0.3)
        assert len(bot.replies_to(question)) == 1  # nothing forged was answered
        assert bot.api.bot_messages(bot.api.private_chat(alice))[1:] == []
        assert bot.api.schema_violations == []


async def test_a_webhook_without_a_secret_does_not_start():
    async with running_bot(poll=False) as bot:
        port = free_port()
        with pytest.raises(ValueError, match="secret"):
            await bot.app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="hook",
                                                webhook_url=f"http://127.0.0.1:{port}/hook")
        assert bot.api.webhook["url"] == ""


async def test_faqbot_run_without_a_secret_uses_a_random_one(tmp_path):
    port = free_port()
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME, limits=scaled_limits(),
                           webhook_retry_delay=0.05) as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FAQBOT_"))}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, FAQBOT_DB="off", FAQBOT_WATCH="off")
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--knowledge", str(KNOWLEDGE), "--listen", "127.0.0.1",
            "--port", str(port), "--webhook-url", f"http://127.0.0.1:{port}/hook", env=env, cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await api.wait_for(lambda: api.webhook.get("url"), timeout=30)
            secret = api.webhook["secret_token"]
            assert secret and len(secret) >= 32
            alice = api.add_user("Alice", language_code="en")
            chat = api.private_chat(alice)
            api.user_sends(alice, chat, "What was Chongqing's GDP?")
            await api.wait_for(lambda: api.bot_messages(chat), timeout=20)
            async with aiohttp.ClientSession() as http:
                async with http.post(f"http://127.0.0.1:{port}/hook", json={"update_id": 5, "message": {}}) as r:
                    assert r.status == 403
            assert await status_of(port, "hook", {"Content-Type": "application/json",
                                                  "Content-Length": str(90 * 1024 * 1024)}) == 403
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        log = (stdout + stderr).decode()
        assert process.returncode == 0, log[-2000:]
        assert "random one" in log
        assert secret not in log and TOKEN not in log and TOKEN.split(":")[1] not in log
        assert len(api.bot_messages(chat)) == 1
