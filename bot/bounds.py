"""Ranges for numbers users and maintainers type: `faqbot report --days`, admin `/unanswered`.

Out of range is a usage message, never an exception deep inside (a timedelta of a million
days before today is before year 1; nan and inf are no number of days at all).
"""

from __future__ import annotations

import argparse
import math

MAX_DAYS = 3650  # ten years: longer than any retention period worth keeping
MAX_TOP = 50  # groups one /unanswered message lists


def days_argument(text: str) -> float:
    """argparse type for a number of days: more than 0, at most MAX_DAYS."""
    try:
        days = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days") from None
    if not math.isfinite(days) or not 0 < days <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of days above 0 and at most {MAX_DAYS}")
    return days


def whole_number(text: str, low: int, high: int) -> int | None:
    """`text` as a whole number within [low, high], or None."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    value = int(text)
    return value if low <= value <= high else None


def unanswered_arguments(arguments, top: int, days: int) -> tuple[int, int] | str:
    """(top, days) from `/unanswered [TOP] [DAYS]`, or what is wrong with them."""
    usage = f"Usage: /unanswered [TOP 1-{MAX_TOP}] [DAYS 1-{MAX_DAYS}], e.g. /unanswered 10 30"
    arguments = list(arguments or [])
    if len(arguments) > 2:
        return usage
    chosen_top = whole_number(arguments[0], 1, MAX_TOP) if arguments else top
    chosen_days = whole_number(arguments[1], 1, MAX_DAYS) if len(arguments) > 1 else days
    if chosen_top is None or chosen_days is None:
        return usage
    return chosen_top, chosen_days
