"""Which failed Bot API calls may be made again, knowing Telegram has no idempotency key.

* Surely not delivered - the connection was never made (refused, connect timeout, no free
  connection in the pool), the request was not fully written, or Telegram answered with an
  error (5xx): retried, a few times with backoff.
* Maybe delivered - the request went out and no answer came back (read timeout, connection
  dropped while waiting): Telegram may have posted the message. Retried once, and logged:
  a lost answer is worse than a rare duplicate, but repeating it on and on is not. Sends
  get a long read timeout (`send_timeout`) so that a slow Telegram is waited for, not
  asked again.
"""

from __future__ import annotations

from telegram.error import NetworkError, TimedOut

# httpx errors raised before anything reached the server
NOT_SENT = ("ConnectError", "ConnectTimeout", "PoolTimeout", "WriteTimeout", "WriteError", "UnsupportedProtocol",
            "ProxyError", "LocalProtocolError")


def surely_not_delivered(error: NetworkError) -> bool:
    cause = error.__cause__
    if cause is not None and type(cause).__name__ in NOT_SENT:
        return True
    if isinstance(error, TimedOut):
        return "Pool timeout" in error.message  # the request was not sent
    if cause is None:
        return True  # Telegram answered (5xx, unparsable answer): it did not take the request
    return False
