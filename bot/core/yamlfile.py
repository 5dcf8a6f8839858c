"""YAML loading that remembers where every value came from.

Maintainers edit the knowledge files by hand, so every problem we report must
point at a file and a line.  PyYAML's SafeLoader forgets positions once it has
built plain dicts and lists; this loader keeps them on `Node`-like containers
(`YamlMap`, `YamlList`) and refuses duplicate keys, which PyYAML would silently
let the second one win.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class YamlMap(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class YamlList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


# libyaml's parser when PyYAML was built with it: several times faster on big files.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    """SafeLoader that builds YamlMap/YamlList with 1-based line numbers."""

    def construct_yaml_map(self, node):
        mapping = YamlMap()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        yield mapping
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in mapping.key_lines:
                raise DuplicateKeyError(
                    None, None, f"duplicate key {key!r} (first at line {mapping.key_lines[key]})",
                    key_node.start_mark,
                )
            mapping.key_lines[key] = key_node.start_mark.line + 1
            mapping[key] = self.construct_object(value_node, deep=True)

    def construct_yaml_seq(self, node):
        sequence = YamlList()
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield sequence
        sequence.extend(self.construct_object(child, deep=True) for child in node.value)

    def construct_yaml_timestamp(self, node):
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


def load_yaml(path: Path, display_name: str):
    """Parse one YAML file; raise YamlFileError with file and line on failure."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise YamlFileError(Problem(display_name, 1, f"cannot read file: {error}")) from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(part for part in (error.context, error.problem) if part)
        raise YamlFileError(Problem(display_name, line, f"YAML syntax: {what}")) from None
    except yaml.YAMLError as error:
        raise YamlFileError(Problem(display_name, 1, f"YAML syntax: {error}")) from None
