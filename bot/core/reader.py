"""Reading one knowledge file: its YAML parsed within limits, typed values read out of it,
and each problem recorded with its file and line."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from .model import LANGS, Text
from .yamlfile import DEFAULT_LIMITS, Problem, YamlFileError, YamlLimits, YamlList, YamlMap, load_yaml

# --- reading helpers ----------------------------------------------------------


class _Reader:
    """Collects problems for one file while reading typed values out of it."""

    def __init__(self, display_name: str, problems: list[Problem], languages: Sequence[str] = LANGS) -> None:
        self.file = display_name
        self.problems = problems
        self.languages = languages  # the languages every text must be given in
        self.path: Path | None = None  # the file, read again for its lines only when one is looked for

    @cached_property
    def source(self) -> list[str]:
        """The file's lines, to find where a placeholder is written (most files have none)."""
        return self.path.read_text(encoding="utf-8", errors="replace").splitlines() if self.path else []

    def line_containing(self, needle: str, start: int) -> int:
        """The first line from `start` on whose text contains `needle` (else `start`)."""
        for number, text in enumerate(self.source[start - 1:], start):
            if needle in text:
                return number
        return start

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message, "warning"))

    def mapping(self, value: object, line: int, what: str) -> YamlMap | None:
        if isinstance(value, YamlMap):
            return value
        self.error(getattr(value, "line", line), f"{what} must be a mapping (key: value)")
        return None

    def items(self, value: object, line: int, what: str) -> list[tuple[int, object]]:
        """(line, item) pairs of a list; an absent list is empty."""
        if value is None:
            return []
        if not isinstance(value, YamlList):
            self.error(getattr(value, "line", line), f"{what} must be a list")
            return []
        lines = getattr(value, "item_lines", ())
        if len(lines) == len(value):  # as parsed: every item's line known (a 50,000-question file has as many)
            return list(zip(lines, value, strict=True))
        return [(value.line_of(index), item) for index, item in enumerate(value)]

    def string(self, parent: YamlMap, key: str, what: str, required: bool = True) -> str | None:
        value = parent.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(parent.line_of(key), f"{what} needs '{key}'")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.error(parent.line_of(key), f"{what}: '{key}' must be text")
            return None
        return str(value).strip()

    def text(self, parent: YamlMap, key: str, what: str, required: bool = True) -> Text | None:
        """A bilingual {en: ..., zh: ...} value; a missing language is an error."""
        value = parent.get(key)
        if value is None:
            if required:
                self.error(parent.line, f"{what} needs '{key}' in English and Chinese")
            return None
        bilingual = self.mapping(value, parent.line_of(key), f"{what}: '{key}'")
        if bilingual is None:
            return None
        texts = {lang: self.string(bilingual, lang, f"{what}: '{key}'", required=lang in self.languages)
                 for lang in LANGS}
        for extra in set(bilingual) - set(LANGS):
            self.error(bilingual.line_of(extra), f"{what}: '{key}' has unknown language '{extra}' (use en and zh)")
        if any(texts[lang] is None for lang in self.languages):
            return None
        fallback = texts[self.languages[0]] or ""  # given: checked above
        return Text(**{lang: texts[lang] or fallback for lang in LANGS})

    def unknown_keys(self, mapping: YamlMap, allowed: set[str], what: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.error(mapping.line_of(key), f"{what}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")


def _display_name(path: Path, directory: Path) -> str:
    try:
        return str(path.relative_to(directory.parent))
    except ValueError:
        return str(path)


def _read_file(path: Path, directory: Path, problems: list[Problem], required: bool = True,
               languages: Sequence[str] = LANGS, limits: YamlLimits = DEFAULT_LIMITS) -> tuple[Any, _Reader]:
    """Parse a YAML file; on failure record the problem and return None. A required
    file that is empty (or only comments) is an error: an emptied topic file would
    otherwise silently drop its entries."""
    reader = _Reader(_display_name(path, directory), problems, languages)
    if not path.exists():
        if required:
            problems.append(Problem(reader.file, 1, "file is missing"))
        return None, reader
    try:
        document = load_yaml(path, reader.file, limits)
    except YamlFileError as error:
        problems.append(error.problem)
        return None, reader
    reader.path = path
    if document is None and required:
        problems.append(Problem(reader.file, 1, "file is empty (or only comments); delete it to remove it"))
    return document, reader
