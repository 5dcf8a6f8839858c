"""Fault injection: make chosen requests fail the way production networks and Telegram do.

:class:`FaultInjector` decides which request gets which :class:`Fault`; the HTTP side
(:mod:`.endpoint`) acts it out (a 429 or 5xx reply, a delay, a dropped connection).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from .wire import JSONDict

__all__ = ["Fault", "FaultInjector"]


@dataclass
class Fault:
    """A fault to inject into the next matching requests (see :meth:`FaultInjector.inject`)."""

    kind: str
    method: str | None = None
    retry_after: int = 1
    status: int = 502
    delay: float = 1.0
    times: int | None = 1
    match: Callable[[JSONDict], bool] | None = None
    injected: int = 0

    KINDS: ClassVar[tuple[str, ...]] = ("429", "5xx", "slow", "drop", "drop_after")

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.injected >= self.times

    def applies_to(self, method: str, params: JSONDict) -> bool:
        if self.exhausted or (self.method and self.method.lower() != method.lower()):
            return False
        return self.match is None or bool(self.match(params))


class FaultInjector:
    """The faults waiting for requests; ``injected`` counts them by (method, kind)."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.injected: Counter[tuple[str, str]] = Counter()

    def inject(
        self,
        method: str | None = None,
        kind: str = "429",
        *,
        retry_after: int = 1,
        status: int = 502,
        delay: float = 1.0,
        times: int | None = 1,
        match: Callable[[JSONDict], bool] | None = None,
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: until cleared).

        Kinds: ``"429"`` (flood error with ``retry_after``), ``"5xx"`` (``status`` 500 or
        502 with a JSON body), ``"slow"`` (wait ``delay`` seconds, then answer normally),
        ``"drop"`` (close the connection without answering; nothing happens) and
        ``"drop_after"`` (do the work, then close the connection: the bot never learns
        its message was sent). ``match`` filters on the decoded parameters.
        """
        if kind not in Fault.KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {Fault.KINDS}")
        fault = Fault(
            kind=kind,
            method=method,
            retry_after=retry_after,
            status=status,
            delay=delay,
            times=times,
            match=match,
        )
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def take(self, method: str, params: JSONDict) -> Fault | None:
        """The fault for this request, if any; it counts as injected."""
        for fault in self.faults:
            if fault.applies_to(method, params):
                fault.injected += 1
                self.injected[(method, fault.kind)] += 1
                return fault
        return None
