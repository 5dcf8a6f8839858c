"""`faqbot playground`: the local Bot API server, the real bot connected to it, and a web page.

One aiohttp application on 127.0.0.1 serves all three:

* ``/bot<token>/<method>``: the Bot API, answered by :class:`~bot.localapi.LocalBotApi`;
  the bot (:func:`bot.tg.app.build_application`, as `faqbot run` builds it) long-polls it
  with a token made up for this session;
* ``/_local/...``: the server's control API, through which the page acts as the people
  in the simulated world and follows what happens (``/_local/events``, a long poll);
* ``/``, ``/app.js``, ``/style.css``: the page, and ``/_playground/...`` for what only
  the playground knows (who the people are, the knowledge base, reloading it).

Nothing leaves the machine: there is no Telegram here, and the page loads nothing from
elsewhere. The world is made up once per session: a private chat with the bot for each
person, and the group GROUP_TITLE with all of them (privacy mode on, as Telegram's
default; the first person owns it and is the bot's admin).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import re
import secrets
import signal
import sqlite3
import sys
import time
import webbrowser
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web

from ..core import KnowledgeError, Problem
from ..localapi import LocalBotApi, RateLimits
from ..services.knowledge import LiveKnowledge
from ..services.store import QuestionStore
from ..tg.settings import TelegramSettings
from .arguments import DEFAULT_PORT

log = logging.getLogger(__name__)

BOT_USERNAME = "cq_faq_bot"
BOT_NAME = "Chongqing FAQ"
GROUP_TITLE = "Fair hall A"
# The people at the fair: English and Chinese names, and the language of their Telegram app.
PEOPLE: list[dict[str, Any]] = [  # LocalBotApi.add_user's keyword arguments
    {"first_name": "Alice", "last_name": "Miller", "username": "alice_miller", "language_code": "en"},
    {"first_name": "王伟", "username": "wangwei_cq", "language_code": "zh-hans"},
    {"first_name": "Michael", "last_name": "Chen", "username": "mchen", "language_code": "en"},
    {"first_name": "李娜", "language_code": "zh-hans"},
]
STATIC = Path(__file__).resolve().parent
PAGE_FILES = {
    "/": ("index.html", "text/html"),
    "/app.js": ("app.js", "text/javascript"),
    "/style.css": ("style.css", "text/css"),
}
# The page runs only its own script and talks only to this server; message text is never
# turned into markup, and this header is the second line of defence if it ever were.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def session_token() -> str:
    """A made-up bot token: a numeric bot id, a colon and a random secret, like a real one."""
    return f"{1_000_000_000 + secrets.randbelow(8_999_999_999)}:{secrets.token_urlsafe(26)}"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False


class Playground:
    """The local Bot API server, the bot polling it, and the page; start() and stop() them.

    Args:
        knowledge: The knowledge directory (ignored when ``live`` is given).
        host, port: Where the page and the server listen; port 0 picks a free port.
        live: The knowledge the bot serves (default: loaded from ``knowledge``).
        limits: The server's flood limits (default: Telegram's).
        watch: Reload the knowledge when its files change, if LiveKnowledge can watch.
    """

    def __init__(self, knowledge: Path | str | None = None, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 live: LiveKnowledge | None = None, limits: RateLimits | None = None, watch: bool = True) -> None:
        if live is None:
            if knowledge is None:
                raise ValueError("give a knowledge directory or a LiveKnowledge")
            live = LiveKnowledge(knowledge)
        self.live = live
        self.api = LocalBotApi(token=session_token(), bot_username=BOT_USERNAME, bot_name=BOT_NAME,
                               host=host, port=port, privacy_mode=True, limits=limits or RateLimits())
        self.people = [self.api.add_user(**person) for person in PEOPLE]
        for person in self.people:
            self.api.private_chat(person)  # as if each had pressed Start once
        self.owner = self.people[0]
        self.group = self.api.add_group(GROUP_TITLE, members=self.people, admins=[self.owner])
        self.settings = TelegramSettings(token=self.api.token, api_url=self.api.base_url,  # its port: see start()
                                         admins=frozenset({self.owner["id"]}))
        self.watch = watch
        self.watching = False
        self.reloaded_at: float | None = None
        self.application: Any = None
        self._watch_task: asyncio.Task | None = None
        self._add_routes(self.api.web_app)

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """The page's address (known after start() when port 0 was asked for)."""
        host = self.api.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        return f"http://{f'[{host}]' if ':' in host else host}:{self.api.port}/"

    async def start(self) -> None:
        from ..tg.app import ALLOWED_UPDATES, build_application  # python-telegram-bot loads only here

        try:
            await self.api.start()
            self.settings = replace(self.settings, api_url=self.api.base_url)  # the port is known now
            self.application = build_application(self.settings, self.live)
            await self.application.initialize()
            await self.application.post_init(self.application)  # menus and descriptions, as run_polling would
            await self.application.start()
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0.0,
                                                         timeout=2)
        except BaseException:
            await self.stop()
            raise
        if self.watch:
            self._watch_task = self._start_watching()
            self.watching = self._watch_task is not None

    async def stop(self) -> None:
        if self._watch_task is not None:
            self._watch_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch_task
            self._watch_task = None
        self.watching = False
        app, self.application = self.application, None
        if app is not None:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.shutdown()
        await self.api.stop()

    async def __aenter__(self) -> Playground:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ knowledge reloads
    def _start_watching(self) -> asyncio.Task | None:
        """Run LiveKnowledge.watch() (reload on every change) for as long as the playground runs."""
        # The bot's own watcher (settings.watch_knowledge) stays off: this one also tells the page.
        task = asyncio.create_task(self.live.watch(on_reload=self._reloaded))
        task.add_done_callback(self._watcher_ended)
        return task

    def _watcher_ended(self, task: asyncio.Task) -> None:
        self.watching = False
        if not task.cancelled() and task.exception() is not None:
            log.error("the knowledge watcher stopped: %r", task.exception())

    async def reload(self) -> list[Problem]:
        """Reload the knowledge now (the page's button) and tell the page."""
        problems = await asyncio.to_thread(self.live.reload)
        await self._reloaded(problems, watched=False)
        return problems

    async def _reloaded(self, problems: list[Problem], *, watched: bool = True) -> None:
        """After each reload: a notice on the page and, as `faqbot run` does after a watched
        reload, a message to the bot's admins (the group's owner) when an edit is broken."""
        if not problems:
            self.reloaded_at = time.time()
        self._emit("knowledge_reloaded", {"ok": not problems, "problems": [str(p) for p in problems],
                                          **self._knowledge_summary()})
        report = _admin_reload_report()
        if watched and report is not None and self.application is not None:
            await report(self.application, list(problems))

    def _emit(self, kind: str, data: dict) -> None:
        self.api.control.emit(kind, **data)

    def _knowledge_summary(self) -> dict[str, Any]:
        kb = self.live.kb
        return {"directory": str(self.live.directory), "entries": len(kb.entries), "facts": len(kb.facts),
                "live_reload": self.watching, "reloaded_at": self.reloaded_at}

    # ------------------------------------------------------------------ HTTP
    def _add_routes(self, app: web.Application) -> None:
        app.middlewares.append(self._guard)
        for path in PAGE_FILES:
            app.router.add_get(path, self._page_file)
        app.router.add_get("/_playground/session", self._session)
        app.router.add_post("/_playground/reload", self._reload)
        app.router.add_post("/_playground/explain", self._explain)
        app.router.add_post("/_playground/privacy", self._privacy)

    def _allowed_hosts(self) -> set[str] | None:
        """Host headers the page may be reached by; None when bound beyond loopback."""
        if not is_loopback(self.api.host):
            return None
        port = self.api.port
        return {f"{name}:{port}" for name in LOOPBACK_NAMES} | {f"{self.api.host}:{port}"}

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Only this page may drive the world: no other site (Origin), no DNS rebinding (Host)."""
        allowed = self._allowed_hosts()
        host = request.headers.get("Host", "")
        origin = request.headers.get("Origin")
        if (allowed is not None and host not in allowed) or (origin is not None and origin != f"http://{host}"):
            return web.json_response({"ok": False, "description": "Forbidden: not this playground's page"},
                                     status=403)
        return await handler(request)

    async def _page_file(self, request: web.Request) -> web.Response:
        name, content_type = PAGE_FILES[request.path]
        return web.Response(body=(STATIC / name).read_bytes(), content_type=content_type, charset="utf-8",
                            headers=PAGE_HEADERS)

    async def _session(self, request: web.Request) -> web.Response:
        return _ok({
            "bot": self.api.bot_user,
            "people": self.people,
            "owner_id": self.owner["id"],
            "group": self.group,
            "privacy_mode": self.api.default_privacy_mode,
            "knowledge": self._knowledge_summary(),
        })

    async def _explain(self, request: web.Request) -> web.Response:
        """The "why" under an answer: what `faqbot explain` shows for the question it answers."""
        from ..core.explain import explain, format_explanation

        body = await request.json()
        question = question_of(str(body.get("text", "")), BOT_USERNAME)
        try:
            data = await asyncio.to_thread(explain, self.live.kb, question)
        except Exception as error:  # noqa: BLE001 - a fault in explain must not take the page down
            log.error("explaining %r failed: %s: %s", question, type(error).__name__, error)
            return web.json_response({"ok": False, "description": f"explain failed: {type(error).__name__}: {error}"},
                                     status=500)
        return _ok({"question": question, "text": format_explanation(data), "explain": data})

    async def _privacy(self, request: web.Request) -> web.Response:
        """The switch for the bot's privacy mode, so @mentions and /autoanswer can be tried."""
        body = await request.json()
        self.api.set_privacy_mode(bool(body.get("privacy_mode")))
        if self.application is not None:
            await self.application.bot.get_me()  # the bot rereads can_read_all_group_messages
        return _ok({"privacy_mode": self.api.default_privacy_mode})

    async def _reload(self, request: web.Request) -> web.Response:
        problems = await self.reload()
        return _ok({"reloaded": not problems, "problems": [str(p) for p in problems]})


def question_of(text: str, bot_username: str) -> str:
    """The question in a message as the bot reads it: without /ask or an @mention of the bot."""
    text = re.sub(rf"^/ask(@{re.escape(bot_username)})?(?=\s|$)", "", text.strip(), flags=re.I)
    return re.sub(rf"@{re.escape(bot_username)}\b", " ", text, flags=re.I).strip()


def _admin_reload_report() -> Any:
    """bot.tg.handlers.admin.reload_reported (tells admins about broken edits), where it exists."""
    try:
        from ..tg.handlers.admin import reload_reported
    except ImportError:
        return None
    return reload_reported


def _ok(result: Any) -> web.Response:
    """A reply in the control API's shape: {"ok": true, "result": ...}."""
    return web.json_response({"ok": True, "result": result}, dumps=lambda o: json.dumps(o, ensure_ascii=False))


# --------------------------------------------------------------------------- `faqbot playground`
async def serve(playground: Playground, open_browser: bool = False) -> None:
    """Run until Ctrl-C or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with playground:
        knowledge = playground._knowledge_summary()
        store = playground.live.recorder.store
        recorded = (f"questions are recorded in {store.path}: `faqbot report --db {store.path}`"
                    if store is not None else "questions are not recorded (--db off)")
        reload_note = ("edits show up live" if playground.watching
                       else "live reload not available yet: use the page's Reload button after an edit")
        print(f"faqbot playground: {playground.url}\n"
              f"  the bot @{BOT_USERNAME} answers from {knowledge['directory']} "
              f"({knowledge['entries']} entries; {reload_note})\n"
              f"  {recorded}\n"
              "  nothing is sent to Telegram; Ctrl-C stops", flush=True)
        if not is_loopback(playground.api.host):
            print("  warning: listening beyond this machine; anyone who can reach it can use the page",
                  file=sys.stderr)
        if open_browser:
            await asyncio.to_thread(webbrowser.open, playground.url)
        await stop.wait()


def question_store(db: str) -> QuestionStore | None:
    """The playground's own question database (None with `--db off`)."""
    return None if db.lower() in ("off", "none", "-") else QuestionStore(Path(db))


def main(args: argparse.Namespace) -> int:
    from ..tg.run import configure_logging

    try:
        store = question_store(args.db)
    except (OSError, sqlite3.Error) as error:
        print(f"faqbot playground: cannot open the question database {args.db}: {error}", file=sys.stderr)
        return 1
    try:
        live = LiveKnowledge(args.knowledge, store=store)
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"faqbot playground: the knowledge in {args.knowledge} has errors; run `faqbot check`",
              file=sys.stderr)
        return 1
    playground = Playground(live=live, host=args.host, port=args.port)
    configure_logging(playground.api.token, logging.WARNING)
    logging.getLogger("bot").setLevel(logging.INFO)
    try:
        asyncio.run(serve(playground, open_browser=args.open))
    except OSError as error:
        print(f"faqbot playground: cannot listen on {args.host}:{args.port} ({error.strerror or error}); "
              "choose another port with --port", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0
