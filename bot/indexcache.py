"""The built matching index and the entries' scopes, kept on disk so that the next start loads
them instead of building them.

    kb = load_knowledge("knowledge")   # YAML parsed only where it changed (bot.yamlcache); index from the cache

Where: `$FAQBOT_CACHE_DIR`, else `$XDG_CACHE_HOME/faqbot`, else `~/.cache/faqbot`;
`FAQBOT_CACHE_DIR=off` turns the cache off. One file per knowledge directory
(`index-<hash of its path>.npz`), replaced when stale; the parsed YAML files beside it.

The file is keyed by a hash of everything the index and the scopes are built from (each entry's
texts and exact phrases, the synonyms, the lexicon, the years and figures of each entry's facts,
as read from the knowledge files) and of the code that builds them (the source of every module of
the core, its word lists and messages), so an edit to the knowledge or an upgrade rebuilds it.
It also carries a cheaper key, of the knowledge files' bytes and the code: when that one matches,
the first is not worked out (see files_key). It is never trusted: numpy arrays only
(`np.load(allow_pickle=False)`), every shape and bound checked (matcher.Index.from_arrays,
_read_scopes), and any file that does not load, or carries another key, is rebuilt and
overwritten. Writing it is best effort: a read-only or full disk only costs the next start a build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from functools import cached_property
from pathlib import Path

import numpy as np

from .core import KnowledgeBase, KnowledgeError, build, matcher, read_knowledge, text
from .core import engine as _engine
from .core.engine import entry_scopes, index_inputs, scope_inputs
from .core.scope import Scope
from .yamlcache import parsed_files_cached

log = logging.getLogger(__name__)

CACHE_ENV = "FAQBOT_CACHE_DIR"
OFF = "off"
# the code whose change makes a stored index stale: every module of the core and the word lists
# (read, not imported: training.py would load scipy, which reading a cached index does not need).
# Its sources rather than the package version, whose look-up (importlib.metadata) took a cold
# `faqbot ask` longer than reading the index; an upgrade changes the sources it changes anyway.
CORE = Path(_engine.__file__).resolve().parent
CODE = (*sorted(CORE.glob("*.py")), *sorted(CORE.glob("*.yaml")), Path(__file__))


def cache_dir() -> Path | None:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return None if configured.strip().lower() == OFF else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "faqbot"


def cache_file(directory: Path | str) -> Path | None:
    where = cache_dir()
    if where is None:
        return None
    name = hashlib.sha256(str(Path(directory).resolve()).encode("utf-8")).hexdigest()[:16]
    return where / f"index-{name}.npz"


def _code_version() -> str:
    digest = hashlib.sha256()
    for path in CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def index_key(kb: KnowledgeBase, documents, exact) -> str:
    """sha256 of what the index and the entries' scopes are built from (the entries' texts and
    exact phrases, the synonyms, the lexicon, the years and figures of each entry's facts) and
    of the code that builds them."""
    inputs = json.dumps([documents, exact, kb.synonyms, scope_inputs(kb)], ensure_ascii=False, sort_keys=True)
    # the lexicon as read (file order; a value JSON cannot hold is written as its repr, which at
    # worst makes the key differ from one run to the next: a rebuild, never a wrong index)
    lexicon = json.dumps(kb.lexicon.data, ensure_ascii=False, default=repr)
    return hashlib.sha256(f"{_code_version()}\n{inputs}\n{lexicon}".encode()).hexdigest()


def files_key(read: list[tuple[str, str]]) -> str:
    """sha256 of the knowledge files a load read (each path and the sha256 of its bytes) and of
    the code: the same files make the same knowledge base, so an index stored under this key
    fits without working out index_key, which renders every answer and writes every text out
    as JSON (most of a warm load at 50,000 variants). A file added or removed changes it too."""
    # each path resolved, as the directory may be named otherwise by the next load; the core's own
    # files (messages.yaml, read once per process) count as code
    paths = [(Path(path).resolve(), key) for path, key in read]
    listed = "\n".join(f"{path}\t{key}" for path, key in paths if not path.is_relative_to(CORE))
    return hashlib.sha256(f"{_code_version()}\n{listed}".encode()).hexdigest()


class Keys:
    """The two keys an index is stored under: the files' (cheap) and the inputs' (index_key,
    worked out only when the files' does not match: an edit that leaves the index's inputs as
    they were, such as a message's wording, still finds it)."""

    def __init__(self, kb: KnowledgeBase, files: str):
        self.kb, self.files = kb, files

    @cached_property
    def inputs(self) -> tuple[dict, dict]:
        return index_inputs(self.kb)

    @cached_property
    def index(self) -> str:
        return index_key(self.kb, *self.inputs)


def _stored_key(stored, name: str) -> str:
    return bytes(stored[name]).decode("ascii") if name in stored else ""


def read_index(path: Path, keys: Keys, kb: KnowledgeBase) -> tuple[matcher.Index, dict[str, Scope], bool] | None:
    """The index and scopes stored at `path` if they are there, whole, and built from the same
    inputs; and whether they were stored under the same files' key."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            same_files = _stored_key(stored, "files") == keys.files
            if not same_files and _stored_key(stored, "key") != keys.index:
                log.info("index cache %s is stale; rebuilding", path)
                return None
            index = matcher.Index.from_arrays(stored, text.Synonyms(kb.synonyms))
            return index, _read_scopes(bytes(stored["scopes"]).decode("utf-8"), kb), same_files
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile, json.JSONDecodeError,
            TypeError) as error:
        log.warning("index cache %s cannot be used (%s: %s); rebuilding", path, type(error).__name__, error)
        return None


def _scopes_text(scopes: dict[str, Scope]) -> str:
    return json.dumps({entry_id: [sorted(s.years), sorted(s.places), sorted(s.details), s.has_figures,
                                  sorted(s.quantities)]
                       for entry_id, s in scopes.items()}, ensure_ascii=False)


def _read_scopes(stored: str, kb: KnowledgeBase) -> dict[str, Scope]:
    """The scopes as _scopes_text wrote them, one per entry of `kb`; ValueError if they are not that."""
    found = json.loads(stored)
    if not isinstance(found, dict) or set(found) != set(kb.entries):
        raise ValueError("stored scopes do not fit the entries")
    scopes = {}
    for entry_id, (years, places, details, has_figures, quantities) in found.items():
        if not (all(type(y) is int for y in years) and isinstance(has_figures, bool)
                and all(isinstance(w, str) for w in [*places, *details, *quantities])):
            raise ValueError(f"stored scope of '{entry_id}' is malformed")
        scopes[entry_id] = Scope(frozenset(years), frozenset(places), frozenset(details), has_figures,
                                 frozenset(quantities))
    return scopes


def write_index(path: Path, keys: Keys, index: matcher.Index, scopes: dict[str, Scope]) -> None:
    """Store `index` and `scopes` at `path` atomically (a reader sees the old file or the new one)."""
    partial = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".index-", suffix=".npz", delete=False) as out:
            partial = Path(out.name)
            arrays = {"key": np.frombuffer(keys.index.encode("ascii"), dtype=np.uint8),
                      "files": np.frombuffer(keys.files.encode("ascii"), dtype=np.uint8),
                      "scopes": np.frombuffer(_scopes_text(scopes).encode("utf-8"), dtype=np.uint8),
                      **index.to_arrays()}
            np.savez(out, **arrays)  # type: ignore[arg-type]  # numpy's stub takes **kwds as its allow_pickle
        os.replace(partial, path)
    except OSError as error:
        log.warning("index cache %s not written (%s); the next start builds the index again", path, error)
        if partial is not None:
            partial.unlink(missing_ok=True)


def load_knowledge(directory: Path | str) -> KnowledgeBase:
    """core.load_knowledge, with the matching index and the entries' scopes read from the cache
    when they fit and written there when they were built. Raises KnowledgeError on any error in
    the knowledge."""
    with parsed_files_cached(cache_dir()) as parsed:  # a file parsed before is not parsed again (bot.yamlcache)
        kb, problems = read_knowledge(directory)
    if kb is None:
        raise KnowledgeError([p for p in problems if p.severity == "error"])
    path = cache_file(directory)
    if path is None or parsed is None:
        return build(kb)
    keys = Keys(kb, files_key(parsed.read))
    cached = read_index(path, keys, kb)
    if cached is None:
        documents, exact = keys.inputs
        index = matcher.Index(documents, text.Synonyms(kb.synonyms), exact=exact)
        scopes = entry_scopes(kb, index)
        write_index(path, keys, index, scopes)
        return build(kb, index, scopes)
    index, scopes, same_files = cached
    if not same_files:  # the same inputs from other files: stored again under these files' key
        write_index(path, keys, index, scopes)
    return build(kb, index, scopes)


PREBUILD_TIMEOUT = 600.0  # seconds: a child that takes longer is given up on (the reload then builds in-process)


def prebuild(directory: Path | str) -> bool:
    """Build the index of `directory` into the cache in a child process, so that a running
    bot's own load afterwards only reads it: the child's CPU work does not hold the bot's
    interpreter lock, so answering goes on at full speed meanwhile. False when the cache is
    off or the child failed (broken knowledge: the caller's own load reports the problems)."""
    if cache_file(directory) is None:
        return False
    command = [sys.executable, "-m", "bot.indexcache", str(directory)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PREBUILD_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("building the index in a child process failed (%s); building it here", type(error).__name__)
        return False
    return done.returncode == 0


def main(argv=None) -> int:
    """`python -m bot.indexcache DIR`: load DIR, writing its index to the cache (see prebuild)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bot.indexcache KNOWLEDGE_DIR", file=sys.stderr)
        return 2
    try:
        load_knowledge(args[0])
    except KnowledgeError:
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
