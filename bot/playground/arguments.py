"""The flags of `faqbot playground` (kept apart so the command line loads quickly)."""

from __future__ import annotations

import argparse

DEFAULT_PORT = 8765


def add_playground_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: only this machine)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port of the page and the local Bot API server (default {DEFAULT_PORT}; 0: any free one)")
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
