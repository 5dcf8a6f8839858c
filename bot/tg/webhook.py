"""The webhook server: a forged or oversized request is refused before its body is read.

python-telegram-bot's own server (tornado) reads a request's whole body before it looks at
the secret header, and accepts any request when no secret is set. Ours:

* always has a secret: `faqbot run` generates a random one when none is given and passes it
  to setWebhook, and the server refuses to start without one;
* checks the `X-Telegram-Bot-Api-Secret-Token` header (in constant time) as soon as the
  headers are in, before a byte of the body is read, and answers 403 to a wrong or missing one;
* refuses a body over `MAX_BODY` (1 MiB; Telegram's updates are a few KB) with 413, from the
  Content-Length header when there is one, else while the body streams in;
* answers 400 to a body that is not JSON.

Everything else (setWebhook with retries, the update queue) is python-telegram-bot's.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from http import HTTPStatus

import tornado.web
from telegram.ext import Updater
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass, WebhookServer
from tornado.http1connection import HTTP1Connection

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # bytes
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def new_secret() -> str:
    """A random secret token in Telegram's alphabet (A-Z a-z 0-9 _ -), 43 characters."""
    return secrets.token_urlsafe(32)


@tornado.web.stream_request_body
class GuardedHandler(TelegramHandler):
    """TelegramHandler that authenticates on the headers and caps the body."""

    def initialize(self, bot, update_queue, secret_token: str, max_body: int = MAX_BODY) -> None:
        super().initialize(bot, update_queue, secret_token)
        self.max_body = max_body
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        # With stream_request_body, tornado calls this once the headers are in and before the body.
        given = self.request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.secret_token.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.strip().isdigit() or int(length) > self.max_body):
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        if isinstance(self.request.connection, HTTP1Connection):  # always, under tornado's HTTPServer
            self.request.connection.set_max_body_size(self.max_body + 65536)  # data_received says 413 first

    def data_received(self, chunk: bytes) -> None:
        if self._finished:
            return
        self.size += len(chunk)
        if self.size > self.max_body:
            raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        self.chunks.append(chunk)

    async def post(self) -> None:
        self.request.body = b"".join(self.chunks)
        self.chunks = []
        try:
            json.loads(self.request.body)
        except (ValueError, UnicodeDecodeError):
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Body is not JSON") from None
        await super().post()


class GuardedWebhookApp(WebhookAppClass):
    def __init__(self, webhook_path: str, bot, update_queue, secret_token: str, max_body: int = MAX_BODY):
        self.shared_objects = {"bot": bot, "update_queue": update_queue, "secret_token": secret_token,
                               "max_body": max_body}
        tornado.web.Application.__init__(self, [(rf"{webhook_path}/?", GuardedHandler, self.shared_objects)])


class GuardedUpdater(Updater):
    """python-telegram-bot's Updater with GuardedHandler serving the webhook; polling unchanged.

    Replaces `Updater._start_webhook` (python-telegram-bot 22), without TLS certificates or a
    unix socket, which `faqbot run` does not offer: TLS ends at a reverse proxy."""

    async def _start_webhook(self, listen: str, port: int, url_path: str, bootstrap_retries: int,
                             allowed_updates, cert=None, key=None, drop_pending_updates=None,
                             webhook_url=None, ready=None, ip_address=None, max_connections: int = 40,
                             secret_token: str | None = None, unix=None) -> None:
        if not secret_token:
            raise ValueError("refusing to serve a webhook without a secret token")
        if cert is not None or key is not None or unix is not None:
            raise ValueError("the guarded webhook serves plain HTTP on a TCP port (TLS ends at a reverse proxy)")
        if not url_path.startswith("/"):
            url_path = f"/{url_path}"
        app = GuardedWebhookApp(url_path, self.bot, self.update_queue, secret_token)
        self._httpd = WebhookServer(listen, port, app, None)
        await self._bootstrap(
            max_retries=bootstrap_retries, drop_pending_updates=drop_pending_updates,
            webhook_url=webhook_url or f"http://{listen}:{port}{url_path}", allowed_updates=allowed_updates,
            ip_address=ip_address, max_connections=max_connections, secret_token=secret_token)
        await self._httpd.serve_forever(ready=ready)
