"""The flags of `faqbot playground` (kept apart so the command line loads quickly)."""

from __future__ import annotations

import argparse

DEFAULT_PORT = 8765
DEFAULT_DATABASE = "faqbot-playground.sqlite3"  # the playground's own, apart from `faqbot run`'s


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 to 65535 (0: any free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def add_playground_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: only this machine)")
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                        help=f"port of the page and the local Bot API server (default {DEFAULT_PORT}; 0: any free one)")
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    parser.add_argument("--db", metavar="FILE", default=DEFAULT_DATABASE,
                        help=f"where the questions asked on the page are recorded, for `faqbot report --db FILE` "
                             f"(default {DEFAULT_DATABASE} here; off: not recorded)")
