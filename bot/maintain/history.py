"""What changed in the knowledge, by whom and when, and taking the last change back.

Every change made through `faqbot import`, learning from unanswered questions (Telegram
buttons, `faqbot report --review`) or `/undo` is one line of CHANGELOG.jsonl in the knowledge
directory: `{"at", "by", "via", "what", "files"}`. `by` is the admin's Telegram user id, or
`terminal:USER` from the command line. `faqbot check` and the loader read only the YAML files,
so this file (and the undo snapshots beside it) are never knowledge.

Undo keeps, per change, the files' text before and a hash of it after, in `.faqbot-undo/`.
`undo` restores the last change's files only when nobody changed them since; otherwise it
refuses, so an undo never throws away a later edit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .yamledit import atomic_write, read_text

CHANGELOG = "CHANGELOG.jsonl"
UNDO_DIR = ".faqbot-undo"
UNDO_KEPT = 50  # changes that can be taken back, newest first


def _sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def commit(directory: Path, files: dict[str, str], *, via: str, by: str, what: str) -> None:
    """Write `files` (relative path -> new text) atomically, keep the old text for undo and
    append the change to the changelog. The caller holds yamledit.edit_lock."""
    before = {relative: read_text(directory / relative) for relative in files}
    snapshots = directory / UNDO_DIR
    snapshots.mkdir(exist_ok=True)
    numbers = sorted(int(path.stem) for path in snapshots.glob("*.json") if path.stem.isdigit())
    changes = {relative: {"before": before[relative], "after": _sha(text)} for relative, text in files.items()}
    snapshot = {"what": what, "by": by, "via": via, "files": changes}
    atomic_write(snapshots / f"{(numbers[-1] + 1) if numbers else 1}.json", json.dumps(snapshot, ensure_ascii=False))
    for stale in numbers[:-UNDO_KEPT + 1] if len(numbers) >= UNDO_KEPT else ():
        (snapshots / f"{stale}.json").unlink(missing_ok=True)
    for relative, text in files.items():
        atomic_write(directory / relative, text)
    log_change(directory, via=via, by=by, what=what, files=sorted(files))


def log_change(directory: Path, *, via: str, by: str, what: str, files: list[str]) -> None:
    line = json.dumps({"at": _now(), "by": by, "via": via, "what": what, "files": files}, ensure_ascii=False)
    with open(directory / CHANGELOG, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def read_changelog(directory: Path) -> list[dict]:
    path = Path(directory) / CHANGELOG
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass(frozen=True)
class Undone:
    ok: bool
    message: str


def undo(directory: Path, *, by: str) -> Undone:
    """Take back the last change (caller holds the edit lock)."""
    snapshots = Path(directory) / UNDO_DIR
    numbers = sorted(int(path.stem) for path in snapshots.glob("*.json") if path.stem.isdigit()) \
        if snapshots.is_dir() else []
    if not numbers:
        return Undone(False, "Nothing to undo.")
    last = snapshots / f"{numbers[-1]}.json"
    snapshot = json.loads(last.read_text(encoding="utf-8"))
    for relative, state in snapshot["files"].items():
        if _sha(read_text(directory / relative)) != state["after"]:
            return Undone(False, f"Not undone: {relative} changed after “{snapshot['what']}”; "
                                 "edit it by hand.")
    for relative, state in snapshot["files"].items():
        if state["before"] is None:
            (directory / relative).unlink(missing_ok=True)
        else:
            atomic_write(directory / relative, state["before"])
    last.unlink()
    log_change(directory, via="undo", by=by, what=f"undo: {snapshot['what']}", files=sorted(snapshot["files"]))
    return Undone(True, f"Undone: {snapshot['what']}.")
