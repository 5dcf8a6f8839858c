"""Which placeholders each message template gets, and a check that a template uses only those.

A template is filled with `str.format`: `{asked}` is a placeholder, `{{` and `}}` are
literal braces. A placeholder the code does not give (`{place}`) or a stray `{` would
only fail when the message is sent, so `faqbot check` (and every load) refuses them.
"""

from __future__ import annotations

import string

# Message key -> the placeholders the code fills in. Messages not listed get none.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "decline_year": frozenset({"years", "asked"}),
    "decline_place": frozenset({"subject", "asked"}),
    "decline_detail": frozenset({"asked", "title"}),
    "decline_figure": frozenset({"asked", "title"}),
    "topics": frozenset({"topics"}),
    "decline_meaning": frozenset({"closest", "asked"}),
    # the Telegram layer's own messages (bot/tg/replies.py TEXTS), which messages.yaml may override
    "auto_usage": frozenset({"state"}),
    "published": frozenset({"date"}),
}


# Families of messages chosen by a computed key (engine: f"decline_meaning_{kind}") share placeholders.
FAMILIES: dict[str, frozenset[str]] = {
    "decline_meaning_": frozenset({"closest", "asked"}),
}


def placeholders(key: str) -> frozenset[str]:
    """The placeholders message `key` is filled with."""
    if key in PLACEHOLDERS:
        return PLACEHOLDERS[key]
    return next((names for prefix, names in FAMILIES.items() if key.startswith(prefix)), frozenset())


def template_problem(key: str, template: str) -> str | None:
    """What is wrong with `template` as message `key`, or None when it is sound."""
    allowed = placeholders(key)
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as error:  # a stray { or }
        return f"has a stray brace ({error}); write {{{{ or }}}} for a literal brace"
    for name, spec, conversion in fields:
        if name not in allowed:
            known = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "none"
            return f"uses unknown placeholder {{{name}}} (this message gets: {known})"
        if spec or conversion:
            return f"placeholder {{{name}}} may not have a format or conversion"
    return None
