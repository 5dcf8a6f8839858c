"""Changing knowledge YAML files without losing their comments, layout or a concurrent edit.

ruamel.yaml's round-trip mode keeps comments, key order, flow lists and block scalars; the
settings below reproduce the bundled files byte for byte when nothing changed
(tests/core/test_maintain_spreadsheet.py checks it). A change is validated in a temporary copy
of the knowledge directory as `faqbot check` would, then each file is replaced atomically
(temp file + os.replace), under a lock file so concurrent editors take turns.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from ..core import Problem
from ..core.checks import check_knowledge

NOT_KNOWLEDGE = (".faqbot-undo", "CHANGELOG.jsonl")  # left out of the validation copy


def round_trip() -> YAML:
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line we did not change
    yaml.indent(mapping=2, sequence=4, offset=2)  # "  - id: ..." as the bundled files are written
    return yaml


def load(text: str):
    return round_trip().load(text)


def dump(document) -> str:
    out = io.StringIO()
    round_trip().dump(document, out)
    return out.getvalue()


def plain(value):
    """A round-trip value as plain Python, for comparing."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def set_text(mapping: CommentedMap, key: str, text: str) -> None:
    """Set a string, keeping the block style (> or |) the old value was written in."""
    old = mapping.get(key)
    if "\n" in text.rstrip("\n"):
        mapping[key] = LiteralScalarString(text)
    elif isinstance(old, (FoldedScalarString, LiteralScalarString)):
        mapping[key] = FoldedScalarString(text)
    else:
        mapping[key] = text


def set_list(mapping: CommentedMap, key: str, items: list, flow: bool = False) -> None:
    """Set a list, in place when there is one (it keeps its flow or block style)."""
    old = mapping.get(key)
    if isinstance(old, CommentedSeq):
        del old[:]
        old.extend(items)
        return
    seq = CommentedSeq(items)
    if flow:
        seq.fa.set_flow_style()
    mapping[key] = seq


# --- files -------------------------------------------------------------------------------


def read_text(path: Path) -> str | None:
    """A file's text exactly as stored (line ends untranslated), None when there is none."""
    if not path.exists():
        return None
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader sees the old file or the new one."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def edit_lock(directory: Path) -> Iterator[None]:
    """One editor at a time, threads and processes alike (flock is per open file). The lock
    is on the directory itself, so locking leaves no file behind."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


@contextlib.contextmanager
def trial_copy(directory: Path, changed: dict[str, str]) -> Iterator[Path]:
    """A temporary copy of the knowledge directory with `changed` (relative path -> text)
    written in. It has the same name, so problems found in it name the same files."""
    with tempfile.TemporaryDirectory(prefix="faqbot-trial-") as parent:
        copy = Path(parent) / directory.name
        shutil.copytree(directory, copy, ignore=shutil.ignore_patterns(*NOT_KNOWLEDGE))
        for relative, text in changed.items():
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            (copy / relative).write_text(text, encoding="utf-8")
        yield copy


@dataclass
class YamlFile:
    relative: str  # "faq/40-us-trade.yaml"
    text: str
    document: CommentedMap

    @property
    def items(self) -> CommentedSeq:
        key = "facts" if self.relative == "facts.yaml" else "entries"
        return self.document.setdefault(key, CommentedSeq())


def read_files(directory: Path) -> list[YamlFile]:
    """facts.yaml and faq/*.yaml, loaded for a round trip."""
    paths = [directory / "facts.yaml", *sorted((directory / "faq").glob("*.yaml"))]
    files = []
    for path in paths:
        text = read_text(path)
        if text is not None:
            files.append(YamlFile(path.relative_to(directory).as_posix(), text, load(text)))
    return files



def check_errors(directory: Path) -> list[Problem]:
    """What `faqbot check` fails on (warnings aside)."""
    return [problem for problem in check_knowledge(directory) if problem.severity == "error"]
