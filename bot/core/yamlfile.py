"""YAML loading that remembers where every value came from.

Maintainers edit the knowledge files by hand, so every problem we report must
point at a file and a line.  PyYAML's SafeLoader forgets positions once it has
built plain dicts and lists; this loader keeps them on `Node`-like containers
(`YamlMap`, `YamlList`) and refuses duplicate keys, which PyYAML would silently
let the second one win.

Every file is bounded before it is built into Python objects (`YamlLimits`, set in
settings.yaml): only regular files are opened (a FIFO named *.yaml would block a read
forever), their size, the number of nodes once aliases are expanded (an "alias bomb"
of nine nested aliases is a billion nodes), the number of aliases, the nesting depth
and the length of numbers are checked on PyYAML's event stream, which needs no
recursion and no memory beyond the file. Past a bound, a FILE:LINE problem.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Generator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a knowledge file."""

    file: str
    line: int
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        message = " ".join(self.message.splitlines())  # one problem, one line
        # a key or value quoted from a hostile file must not drive the terminal (escape sequences)
        message = "".join(char if char.isprintable() else repr(char)[1:-1] for char in message)
        return f"{self.file}:{max(self.line, 1)}: {prefix}{message}"  # line 1 when only the file is known


class YamlMap(dict[Any, Any]):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]
    file: str  # where it was read from: set on the settings, whose checks name it

    def line_of(self, key: str) -> int:
        # a YamlMap() made in code (a default for a missing section) has no key lines
        key_lines: dict[Any, int] = getattr(self, "key_lines", {})
        return key_lines.get(key, self.line)


class YamlList(list[Any]):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        lines = getattr(self, "item_lines", [])
        return lines[index] if index < len(lines) else self.line


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class BeyondLimit(yaml.MarkedYAMLError):
    """The file passes one of the YamlLimits."""


# libyaml's parser when PyYAML was built with it: several times faster on big files.
if TYPE_CHECKING:  # the same interface either way
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    """SafeLoader that builds YamlMap/YamlList with 1-based line numbers."""

    def construct_yaml_map(self, node: yaml.MappingNode) -> Generator[YamlMap, None, None]:
        mapping = YamlMap()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        yield mapping
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise DuplicateKeyError(None, None, "a key must be text or a number, not a list or a mapping",
                                        key_node.start_mark)
            if key in mapping.key_lines:
                raise DuplicateKeyError(
                    None, None, f"duplicate key {key!r} (first at line {mapping.key_lines[key]})",
                    key_node.start_mark,
                )
            mapping.key_lines[key] = key_node.start_mark.line + 1
            mapping[key] = self.construct_object(value_node, deep=True)

    def construct_yaml_seq(self, node: yaml.SequenceNode) -> Generator[YamlList, None, None]:
        sequence = YamlList()
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield sequence
        sequence.extend(self.construct_object(child, deep=True) for child in node.value)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> str:  # type: ignore[override]  # text, not date
        # Keep dates as the text the maintainer wrote ("2014-10-27"); the
        # knowledge layer parses the few date forms it supports itself.
        return self.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_yaml_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_yaml_seq)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


class YamlFileError(Exception):
    """A file that could not be read or parsed at all."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class YamlLimits:
    """Bounds on one knowledge file; settings.yaml can change each (see SETTINGS)."""

    max_file_kb: int = 2048  # size of one file
    max_nodes: int = 200_000  # scalars, lists and mappings, counting what aliases repeat
    max_aliases: int = 100  # *alias uses (the shipped knowledge has none)
    max_depth: int = 32  # lists and mappings inside each other
    max_number_length: int = 40  # characters of a number: "12345.678" is 9

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> YamlLimits:
        """The limits named `yaml_<field>` in a settings mapping (others keep their default)."""
        values = {f.name: settings.get(f"yaml_{f.name}") for f in fields(cls)}
        return cls(**{name: int(value) for name, value in values.items()
                      if isinstance(value, int) and not isinstance(value, bool) and value > 0})


DEFAULT_LIMITS = YamlLimits()
# settings.yaml keys and their defaults, for the settings reader
SETTINGS = {f"yaml_{f.name}": getattr(DEFAULT_LIMITS, f.name) for f in fields(YamlLimits)}
_RESOLVER = yaml.resolver.Resolver()
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of `path`, refusing anything but a regular file of at most `max_bytes`.

    Opened without blocking (a FIFO's open would wait for a writer) and checked on the
    open descriptor, so the file cannot be swapped between the check and the read.
    Raises OSError or ValueError with a message for the maintainer."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file (a FIFO, device or directory is never read)")
        if info.st_size > max_bytes:
            raise ValueError(f"file is {info.st_size // 1024} KB, more than the limit of {max_bytes // 1024} KB "
                             "(setting yaml_max_file_kb)")
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            data = file.read(max_bytes + 1)
        if len(data) > max_bytes:  # grew since fstat
            raise ValueError(f"file is more than the limit of {max_bytes // 1024} KB (setting yaml_max_file_kb)")
        return data
    finally:
        os.close(descriptor)


def _check_bounds(text: str, limits: YamlLimits) -> None:
    """Walk the event stream once; raise a MarkedYAMLError at the first bound passed."""
    def beyond(what: str, mark: Any) -> BeyondLimit:  # Any: the pure parser's Mark or libyaml's
        return BeyondLimit(None, None, what, mark)

    sizes: dict[str, int] = {}  # anchor -> nodes it stands for (aliases expanded)
    open_nodes: list[list[Any]] = []  # [anchor, nodes so far] of each list or mapping being read
    total = aliases = 0

    def add(count: int, mark: Any) -> None:
        nonlocal total
        total += count
        if open_nodes:
            open_nodes[-1][1] += count
        if total > limits.max_nodes:
            raise beyond(f"more than {limits.max_nodes} values once aliases are expanded "
                         "(setting yaml_max_nodes)", mark)

    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            open_nodes.append([event.anchor, 1])
            if len(open_nodes) > limits.max_depth:
                raise beyond(f"nested more than {limits.max_depth} levels deep (setting yaml_max_depth)",
                             event.start_mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, count = open_nodes.pop()
            if anchor is not None:
                sizes[anchor] = count
            add(count, event.start_mark)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            if (len(event.value) > limits.max_number_length and (event.tag in _NUMBER_TAGS or (
                    event.implicit[0] and _resolve_scalar(event.value)
                    in _NUMBER_TAGS))):
                raise beyond(f"a number of {len(event.value)} characters, more than {limits.max_number_length} "
                             "(setting yaml_max_number_length)", event.start_mark)
            add(1, event.start_mark)
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > limits.max_aliases:
                raise beyond(f"more than {limits.max_aliases} aliases (setting yaml_max_aliases)", event.start_mark)
            add(sizes.get(event.anchor or "", 1), event.start_mark)  # an alias always names an anchor


def _resolve_scalar(value: str) -> str:
    """The tag YAML gives a plain scalar ("12" -> int); types-PyYAML leaves `resolve` untyped."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return tag


class ParsedFiles(Protocol):
    """Where load_yaml may find a file's document parsed before (bot.yamlcache keeps them on
    disk): looked up by the file's exact bytes and the limits it was read within."""

    def get(self, path: Path, data: bytes, limits: YamlLimits) -> tuple[bool, Any]:
        """(True, the document) if these bytes were parsed before within these limits."""

    def put(self, path: Path, data: bytes, limits: YamlLimits, document: Any) -> None:
        """Remember the document these bytes parsed to (only a file that parsed without error)."""


# The parsed documents load_yaml consults, set by the caller around a whole load
# (bot.indexcache.load_knowledge): a context variable rather than a parameter of every reader in
# knowledge.py, and per thread, so a reload in a worker thread sees its own.
PARSED_FILES: ContextVar[ParsedFiles | None] = ContextVar("parsed_files", default=None)


def load_yaml(path: Path, display_name: str, limits: YamlLimits = DEFAULT_LIMITS) -> Any:
    """Parse one YAML file within `limits`; raise YamlFileError with file and line on failure.
    When the caller set PARSED_FILES and the file's bytes were parsed before within the same
    limits, that document is returned without parsing (it parsed without error then)."""
    try:
        data = read_regular_file(path, limits.max_file_kb * 1024)
        text = data.decode("utf-8")
    except OSError as error:
        raise YamlFileError(Problem(display_name, 1, f"cannot read file: {error.strerror or error}")) from None
    except UnicodeDecodeError as error:
        line = error.object[:error.start].count(b"\n") + 1
        raise YamlFileError(Problem(display_name, line, f"cannot read file: not UTF-8 text ({error.reason})")) from None
    except ValueError as error:
        raise YamlFileError(Problem(display_name, 1, str(error))) from None
    parsed = PARSED_FILES.get()
    if parsed is not None:
        known, document = parsed.get(path, data, limits)
        if known:
            return document
    document = _parse(text, display_name, limits)
    if parsed is not None:
        parsed.put(path, data, limits, document)
    return document


def _parse(text: str, display_name: str, limits: YamlLimits) -> Any:
    try:
        _check_bounds(text, limits)
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(part for part in (error.context, error.problem) if part)
        prefix = "" if isinstance(error, BeyondLimit) else "YAML syntax: "
        raise YamlFileError(Problem(display_name, line, f"{prefix}{what}")) from None
    except yaml.reader.ReaderError as error:  # a control character
        line = text[:error.position].count("\n") + 1 if isinstance(error.position, int) else 1
        raise YamlFileError(Problem(display_name, line, f"YAML syntax: character {error.character!r} "
                                                         "is not allowed (control characters)")) from None
    except yaml.YAMLError as error:
        raise YamlFileError(Problem(display_name, 1, f"YAML syntax: {error}")) from None
    except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as error:
        # a value PyYAML's constructors cannot build (e.g. a date it cannot represent)
        raise YamlFileError(Problem(display_name, 1, f"YAML: cannot read a value: {error}")) from None


# --- a parsed document as plain JSON values, and back (for bot.yamlcache) -------------------

_SCALARS = (str, int, float, bool, type(None))


def to_plain(value: Any) -> Any:
    """A document load_yaml built, as JSON values that keep every line: a mapping as
    ["m", line, [[key, key line, value], ...]], a list as ["l", line, [item lines], [items]].
    Raises TypeError for a value of another type (a !!binary or !!set one): not stored."""
    if isinstance(value, YamlMap):
        if type(value.line) is not int or not all(isinstance(key, _SCALARS) for key in value):
            raise TypeError("a mapping that JSON cannot hold")
        return ["m", value.line, [[key, value.line_of(key), to_plain(item)] for key, item in value.items()]]
    if isinstance(value, YamlList):
        return ["l", value.line, list(getattr(value, "item_lines", [])), [to_plain(item) for item in value]]
    if isinstance(value, _SCALARS):
        return value
    raise TypeError(f"a {type(value).__name__} value")


def from_plain(value: Any) -> Any:
    """The document to_plain gave; ValueError when `value` is not what it gives."""
    if isinstance(value, _SCALARS):
        return value
    if not isinstance(value, list) or not value or value[0] not in ("m", "l"):
        raise ValueError("not a stored YAML document")
    if value[0] == "m" and len(value) == 3 and type(value[1]) is int:
        mapping = YamlMap()
        mapping.line, mapping.key_lines = value[1], {}
        for key, line, item in value[2]:
            if not isinstance(key, _SCALARS) or type(line) is not int or key in mapping:
                raise ValueError("not a stored YAML mapping")
            mapping.key_lines[key] = line
            mapping[key] = from_plain(item)
        return mapping
    if value[0] == "l" and len(value) == 4 and type(value[1]) is int and all(type(n) is int for n in value[2]):
        sequence = YamlList(item if isinstance(item, _SCALARS) else from_plain(item) for item in value[3])
        sequence.line, sequence.item_lines = value[1], list(value[2])
        return sequence
    raise ValueError("not a stored YAML document")
