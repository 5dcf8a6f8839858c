"""Edits that remove entries, facts or topics are suspicious: a topic file emptied by mistake
would otherwise silently take its answers away.

* A running bot refuses a reload that loses any entry, fact or topic the served base has,
  unless the maintainer says it is meant: an (empty) file named `ALLOW-REMOVALS` in the
  knowledge directory. The reload that uses it deletes it again, so it allows one edit.
  Either way the admins are told what disappeared.
* The bot remembers what it last loaded in `.faqbot-loaded.json` in the knowledge directory
  (ids only; skipped when the directory is read-only). `faqbot check` compares with it and
  warns about each removal, so the maintainer hears it before the bot refuses.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .yamlfile import Problem

if TYPE_CHECKING:  # knowledge.py is the module that loads; this one only compares ids
    from .knowledge import KnowledgeBase

log = logging.getLogger(__name__)

ALLOW_MARKER = "ALLOW-REMOVALS"
MANIFEST = ".faqbot-loaded.json"
KINDS = ("entries", "facts", "topics")


@dataclass(frozen=True)
class Inventory:
    """The ids a knowledge base holds, and the file each entry or fact comes from."""

    entries: dict[str, str]  # id -> the file it comes from
    facts: dict[str, str]
    topics: dict[str, str]

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Inventory:
        topic_files: dict[str, str] = {}
        for entry in kb.entries.values():
            topic_files.setdefault(entry.topic, entry.file)
        return cls({e.id: e.file for e in kb.entries.values()}, {f.id: f.file for f in kb.facts.values()},
                   {t.id: topic_files.get(t.id, "") for t in kb.topics})

    def to_json(self) -> str:
        return json.dumps({kind: getattr(self, kind) for kind in KINDS}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Inventory:
        data = json.loads(text)
        if not all(isinstance(data.get(kind), dict) for kind in KINDS):
            raise ValueError("not an inventory")
        return cls(*(dict(data[kind]) for kind in KINDS))


@dataclass(frozen=True)
class Loss:
    """What a new version lacks of an old one: {id: file where it was} per kind."""

    entries: dict[str, str]  # id -> the file it comes from
    facts: dict[str, str]
    topics: dict[str, str]

    def __bool__(self) -> bool:
        return bool(self.entries or self.facts or self.topics)

    def summary(self) -> str:
        parts = []
        for kind in KINDS:
            ids = sorted(getattr(self, kind))
            if ids:
                name = kind if len(ids) > 1 else {"entries": "entry", "facts": "fact", "topics": "topic"}[kind]
                parts.append(f"{len(ids)} {name} ({', '.join(ids)})")
        return ", ".join(parts)

    def problems(self, severity: str, advice: str) -> list[Problem]:
        """One problem per file that lost something, naming what."""
        by_file: dict[str, list[str]] = {}
        for kind in KINDS:
            for item, file in sorted(getattr(self, kind).items()):
                by_file.setdefault(file or "knowledge", []).append(f"{kind[:-1] if kind != 'entries' else 'entry'} "
                                                                   f"'{item}'")
        return [Problem(file, 1, f"removes {', '.join(items)}{advice}", severity)
                for file, items in sorted(by_file.items())]


def lost(old: Inventory, new: Inventory) -> Loss:
    return Loss(*({i: f for i, f in getattr(old, kind).items() if i not in getattr(new, kind)} for kind in KINDS))


def removals_allowed(directory: Path) -> bool:
    return (Path(directory) / ALLOW_MARKER).is_file()


def consume_marker(directory: Path) -> None:
    try:
        (Path(directory) / ALLOW_MARKER).unlink()
    except OSError as error:
        log.warning("could not delete %s (%s): it will allow removals again until it is deleted",
                    Path(directory) / ALLOW_MARKER, error.strerror)


def refusal(directory: Path, loss: Loss) -> list[Problem]:
    """The problems that keep a reload with `loss` from being served."""
    advice = (f"; not reloaded. If that is meant, create the file {ALLOW_MARKER} in {Path(directory).name}/ and save "
              "again (it allows one such reload)")
    return loss.problems("error", advice)


def read_manifest(directory: Path) -> Inventory | None:
    """What the bot last loaded from `directory`, if it wrote it down."""
    try:
        return Inventory.from_json((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def write_manifest(directory: Path, kb: KnowledgeBase) -> None:
    """Remember what was loaded (atomically; nothing happens when the directory is read-only)."""
    directory = Path(directory)
    try:
        fd, temporary = tempfile.mkstemp(prefix=".faqbot-loaded.", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(Inventory.of(kb).to_json())
        os.replace(temporary, directory / MANIFEST)
    except OSError as error:
        log.debug("could not remember the loaded knowledge in %s: %s", directory, error)


def check_against_manifest(kb: KnowledgeBase) -> list[Problem]:
    """Warnings for what the knowledge lost since the running bot last loaded it."""
    before = read_manifest(kb.directory)
    if before is None:
        return []
    loss = lost(before, Inventory.of(kb))
    if not loss:
        return []
    allowed = removals_allowed(kb.directory)
    advice = ("; the running bot had it" + (f" ({ALLOW_MARKER} is there: it will accept this)" if allowed else
                                             f" and will refuse this reload unless {ALLOW_MARKER} exists"))
    return loss.problems("warning", advice)


def guard(directory: Path, old_kb: KnowledgeBase, new_kb: KnowledgeBase) -> tuple[list[Problem], Loss]:
    """(problems that refuse the reload, what it removes). Removals pass only with the marker,
    which is then used up."""
    loss = lost(Inventory.of(old_kb), Inventory.of(new_kb))
    if not loss:
        return [], loss
    if not removals_allowed(directory):
        return refusal(directory, loss), loss
    consume_marker(directory)
    log.warning("knowledge reloaded without %s (allowed by %s)", loss.summary(), ALLOW_MARKER)
    return [], loss
