"""`faqbot run` when it cannot start: one clear line, an exit code per kind, no traceback, and
the token in no log line and not in the last words (issue 14 point 4, issue 8 point 2, issue 13
point 6). Each case runs the real command as a process."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import web

from bot.localapi import LocalBotApi
from telegram_harness import BOT_USERNAME, KNOWLEDGE, TOKEN, scaled_limits

PROJECT = Path(__file__).resolve().parents[2]
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ \S+: ")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FAQBOT_"))}
    return {**env, "FAQBOT_START_ATTEMPTS": "2", "FAQBOT_START_BACKOFF": "0.05", "FAQBOT_DB": "off",
            "FAQBOT_WATCH": "off", **extra}


async def faqbot_run(api_url: str, *args: str, token: str = TOKEN) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--knowledge", str(KNOWLEDGE), *args,
        env=clean_env(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_URL=api_url), cwd=PROJECT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
    except asyncio.TimeoutError:
        process.kill()
        raise
    return process.returncode, stdout.decode(), stderr.decode()


def assert_one_clear_line(stdout: str, stderr: str, token: str = TOKEN) -> str:
    everything = stdout + stderr
    for secret in (token, token.replace(":", "%3A"), token.split(":", 1)[1]):
        assert secret not in everything, everything
    assert "Traceback" not in everything, everything
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("faqbot run: "), stderr
    others = [line for line in stderr.strip().splitlines()[:-1] if not LOG_LINE.match(line)]
    assert others == [], stderr  # besides log lines (retries, what the server said), one line
    return last


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


async def test_connection_refused_is_retried_then_one_line():
    code, out, err = await faqbot_run(f"http://127.0.0.1:{closed_port()}/bot")
    assert code == 4
    assert "cannot reach the Bot API server at 127.0.0.1" in assert_one_clear_line(out, err)
    assert "attempt 1 of 2" in err  # retried once (FAQBOT_START_ATTEMPTS=2)


async def test_unresolvable_host():
    code, out, err = await faqbot_run("http://faqbot-test.invalid/bot")  # .invalid never resolves (RFC 2606)
    assert code == 5
    assert "cannot resolve the host name faqbot-test.invalid" in assert_one_clear_line(out, err)


@pytest.mark.parametrize("url", ["htp://127.0.0.1/bot", "127.0.0.1:8081/bot", "http://127.0.0.1:99999/bot"])
async def test_bad_url_is_not_retried(url):
    code, out, err = await faqbot_run(url)
    assert code == 6
    assert "TELEGRAM_API_URL" in assert_one_clear_line(out, err) and "attempt" not in err


async def test_bad_token():
    wrong = "123456:WRONG-token-never-printed"
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME, limits=scaled_limits()) as api:
        code, out, err = await faqbot_run(api.base_url, token=wrong)
    assert code == 3
    assert "refused the token" in assert_one_clear_line(out, err, token=wrong)


class EchoingServer:
    """A Bot API stand-in that fails while echoing the request path - token included - in its
    answers, as a misconfigured proxy or server may. `healthy` methods answer normally."""

    def __init__(self, mode: str, healthy: tuple[str, ...] = ()):
        self.mode, self.healthy, self.requests = mode, healthy, []

    async def handle(self, request: web.Request) -> web.Response:
        method = request.path.rsplit("/", 1)[-1]
        self.requests.append(method)
        if method in self.healthy:
            result = {"id": 987654, "is_bot": True, "first_name": "FAQ", "username": BOT_USERNAME,
                      "can_join_groups": True, "can_read_all_group_messages": False,
                      "supports_inline_queries": True} if method == "getMe" else True
            return web.json_response({"ok": True, "result": result})
        if self.mode == "500":
            return web.json_response({"ok": False, "error_code": 500,
                                      "description": f"Internal Server Error at {request.path}"}, status=500)
        return web.Response(text=f"<html>proxy error for {request.path}</html>", status=200)

    async def __aenter__(self) -> str:
        server = web.Server(self.handle)
        self.runner = web.ServerRunner(server)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/bot"

    async def __aexit__(self, *exc) -> None:
        await self.runner.cleanup()


@pytest.mark.parametrize("mode", ["500", "not-json"])
async def test_server_errors_echoing_the_token_at_start(mode):
    server = EchoingServer(mode)
    async with server as url:
        code, out, err = await faqbot_run(url)
    assert server.requests == ["getMe", "getMe"]  # retried
    assert code == 7
    assert "answered with an error" in assert_one_clear_line(out, err)


async def test_server_errors_echoing_the_token_after_start():
    """getMe works, then every other request fails: the error that ends run_polling is the
    last thing printed, and is redacted too."""
    server = EchoingServer("500", healthy=("getMe",))
    async with server as url:
        code, out, err = await faqbot_run(url)
    assert "getMe" in server.requests and len(set(server.requests)) > 1
    assert code == 7, err
    assert "answered with an error" in assert_one_clear_line(out, err)


async def test_webhook_secret_must_not_be_empty():
    code, out, err = await faqbot_run("http://127.0.0.1:1/bot", "--webhook-url", "https://bot.example.org/hook",
                                      "--secret-token", "")
    assert code == 2 and "secret token is empty" in err and "Traceback" not in err


async def test_a_refused_webhook_is_one_line():
    """setWebhook refused (Telegram wants an HTTPS URL): after start-up, through run_webhook."""
    async with LocalBotApi(token=TOKEN, bot_username=BOT_USERNAME, limits=scaled_limits()) as api:
        code, out, err = await faqbot_run(api.base_url, "--webhook-url", "ftp://bot.example.org/hook",
                                          "--listen", "127.0.0.1", "--port", str(closed_port()))
    assert code == 7, err
    last = assert_one_clear_line(out, err)
    assert "bad webhook" in last.lower() and "random one" in err  # the secret was generated (and never printed)
