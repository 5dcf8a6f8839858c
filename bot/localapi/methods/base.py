"""What every group of Bot API methods works with: the parts of the local server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..events import EventLog
from ..formatting import MessageRules
from ..limits import FloodControl
from ..records import BotProfile, Queries
from ..schema import Spec
from ..updates import UpdateQueue
from ..webhook import Webhook
from ..wire import JSONDict
from ..world import World

__all__ = ["Parts", "Handler", "MethodGroup"]

# A method handler: decoded parameters in, the result (or an awaitable of it) out.
Handler = Callable[[JSONDict], Any]


@dataclass
class Parts:
    """The server's parts, built once by :class:`~bot.localapi.LocalBotApi`."""

    spec: Spec
    world: World
    queries: Queries
    profile: BotProfile
    flood: FloodControl
    updates: UpdateQueue
    webhook: Webhook
    rules: MessageRules
    events: EventLog
    redact: Callable[[str], str]


class MethodGroup:
    """Bot API methods of one kind; :meth:`table` maps their names to handlers."""

    def __init__(self, parts: Parts) -> None:
        self.spec = parts.spec
        self.world = parts.world
        self.queries = parts.queries
        self.profile = parts.profile
        self.flood = parts.flood
        self.updates = parts.updates
        self.webhook = parts.webhook
        self.rules = parts.rules
        self.events = parts.events
        self.redact = parts.redact

    def table(self) -> dict[str, Handler]:
        raise NotImplementedError
