"""Parsed knowledge files, kept on disk so that a load skips parsing a file whose bytes it has
parsed before (the YAML parse is most of reading a large FAQ: 0.9 s of a 50,000-variant one).

    with parsed_files_cached():
        kb, problems = read_knowledge(directory)   # core.yamlfile.load_yaml consults the cache

Beside the index cache (bot.indexcache.cache_dir), one `yaml-<hash of its path>.json` per
knowledge file: its first line is a sha256 of the file's exact bytes, of the limits it was read
within (settings.yaml) and of the parsing code (core/yamlfile.py, PyYAML's version); the rest is
the document with its line numbers as plain JSON (yamlfile.to_plain). Only a file that parsed
without error is stored, so an edited or broken file is always parsed and its errors reported
with their lines, and the checks of the knowledge (reader.py, knowledge.py) run on every load
either way. Never trusted: JSON only, every node's type checked (yamlfile.from_plain); a stale,
corrupt or unreadable file is parsed again and replaced. Writing is best effort.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .core import yamlfile
from .core.yamlfile import PARSED_FILES, YamlLimits, from_plain, to_plain

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _code_version() -> bytes:
    loader = yamlfile._BaseLoader.__name__  # libyaml's parser or PyYAML's own: the same documents, by design
    code = Path(yamlfile.__file__).read_bytes()
    return hashlib.sha256(code + f"\n{yaml.__version__}\n{loader}".encode()).digest()


def file_key(data: bytes, limits: YamlLimits) -> str:
    """sha256 of a knowledge file's bytes, the limits it is read within and the parsing code."""
    digest = hashlib.sha256(_code_version())
    digest.update(repr(limits).encode("utf-8"))
    digest.update(data)
    return digest.hexdigest()


class ParsedOnDisk:
    """yamlfile.ParsedFiles kept as JSON files in `where` (see the module's docstring)."""

    def __init__(self, where: Path):
        self.where = where
        self.read: list[tuple[str, str]] = []  # (path, file_key) of every file asked for, in order


    def _file(self, path: Path) -> Path:
        name = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:16]
        return self.where / f"yaml-{name}.json"

    def get(self, path: Path, data: bytes, limits: YamlLimits) -> tuple[bool, Any]:
        stored, key = self._file(path), file_key(data, limits)
        self.read.append((str(path), key))
        try:
            with stored.open("r", encoding="utf-8") as file:
                if file.readline().rstrip("\n") != key:
                    return False, None
                return True, from_plain(json.loads(file.read()))
        except FileNotFoundError:
            return False, None
        except (OSError, ValueError, TypeError, RecursionError) as error:  # UnicodeDecodeError, JSONDecodeError too
            log.warning("parsed-file cache %s cannot be used (%s); parsing %s", stored, type(error).__name__,
                        path.name)
            return False, None

    def put(self, path: Path, data: bytes, limits: YamlLimits, document: Any) -> None:
        try:
            text = json.dumps(to_plain(document), ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):  # a !!binary or !!set value: parsed every time
            return
        stored, partial = self._file(path), None
        try:
            self.where.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.where, prefix=".yaml-", suffix=".json",
                                             delete=False) as out:
                partial = Path(out.name)
                out.write(f"{file_key(data, limits)}\n{text}")
            os.replace(partial, stored)
        except OSError as error:
            log.warning("parsed-file cache %s not written (%s)", stored, error)
            if partial is not None:
                partial.unlink(missing_ok=True)


@contextmanager
def parsed_files_cached(where: Path | None) -> Iterator[ParsedOnDisk | None]:
    """Within the block, load_yaml (in this thread) uses the parsed files kept in `where`
    (None: parse every file, as without the block). Gives the ParsedOnDisk, whose `read`
    then lists every file the block read, with the sha256 of its bytes (bot.indexcache keys on it)."""
    parsed = ParsedOnDisk(where) if where is not None else None
    token = PARSED_FILES.set(parsed)
    try:
        yield parsed
    finally:
        PARSED_FILES.reset(token)
