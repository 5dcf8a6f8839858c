"""`faqbot import FILE`: a spreadsheet's changes written back into the knowledge YAML.

spreadsheet.py reads the file into sheets; here every cell is compared with what the YAML
says now and only what differs is changed, with ruamel.yaml's round trip. The would-be
files are checked in a copy before any is written; problems point at cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from . import history, yamledit
from .spreadsheet import (
    ENTRIES,
    ENTRY_COLUMNS,
    FACT_COLUMNS,
    FACTS,
    LISTS,
    Row,
    Sheet,
    SpreadsheetError,
    _get,
    _topic_of,
    cell_text,
    read_spreadsheet,
)

FLOW_LISTS = {("keywords", "en"), ("keywords", "zh"), ("related",)}  # written [a, b] as the files do
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


# --- applying a spreadsheet to the YAML -----------------------------------------------------------


def _typed(path: tuple[str, ...], text: str):
    """A fact's value or date as YAML would hold it: 82400 and 2013 are numbers."""
    text = text.strip()
    if path in (("value",), ("date",)) and NUMBER.match(text):
        return float(text) if "." in text else int(text)
    return text


def _set(item: CommentedMap, path: tuple[str, ...], text: str) -> None:
    """Write one cell's text into an entry or fact; an empty cell removes an optional key."""
    parent = item
    for key in path[:-1]:
        if not isinstance(parent.get(key), dict):
            if not text.strip():
                return
            parent[key] = CommentedMap()
            if path[0] == "label":
                parent[key].fa.set_flow_style()  # label: {en: Area, zh: 面积}, as facts.yaml writes it
        parent = parent[key]
    key = path[-1]
    if path in LISTS:
        items = [line.strip() for line in text.split("\n") if line.strip()]
        if items:
            yamledit.set_list(parent, key, items, flow=path in FLOW_LISTS)
        else:
            parent.pop(key, None)
    elif not text.strip():
        parent.pop(key, None)
    elif path in (("value",), ("date",)):
        parent[key] = _typed(path, text)
    else:
        yamledit.set_text(parent, key, text)
    if parent is not item and not parent:
        item.pop(path[0], None)  # an emptied {en, zh} goes with its last language


@dataclass
class Plan:
    """What an import would change."""

    files: dict[str, str] = field(default_factory=dict)  # relative path -> new text
    changed: list[str] = field(default_factory=list)  # ids
    added: list[str] = field(default_factory=list)
    rows: dict[tuple[str, str], tuple[Sheet, Row]] = field(default_factory=dict)  # (sheet, id) -> where
    untouched: int = 0  # items in the knowledge with no row

    def summary(self, name: str) -> str:
        parts = []
        if self.changed:
            parts.append(f"changed {', '.join(self.changed)}")
        if self.added:
            parts.append(f"added {', '.join(self.added)}")
        return f"import {name}: " + ("; ".join(parts) or "no change")


def plan_import(directory: Path, sheets: dict[str, Sheet]) -> tuple[Plan, list[str]]:
    """The new text of every file the spreadsheet changes, and the problems found in it."""
    files = yamledit.read_files(directory)
    plan, problems = Plan(), []
    topics = {_topic_of(file): file for file in files if file.relative != "facts.yaml"}
    where: dict[tuple[str, str], tuple[yamledit.YamlFile, CommentedMap]] = {}
    for file in files:
        kind = FACTS if file.relative == "facts.yaml" else ENTRIES
        for item in file.items:
            where[(kind, str(item.get("id")))] = (file, item)
    changed_files: set[str] = set()
    for kind, columns in ((ENTRIES, ENTRY_COLUMNS), (FACTS, FACT_COLUMNS)):
        sheet = sheets.get(kind)
        if sheet is None:
            continue
        if "id" not in sheet.headers:
            problems.append(f"{sheet.where(1)}: no column named 'id' in the first row")
            continue
        seen: dict[str, int] = {}
        for row in sheet.rows:
            ident = row.cells.get("id", "").strip()
            if not ident:
                problems.append(f"{sheet.where(row.number, 'id')}: a row without an id")
                continue
            if ident in seen:
                problems.append(f"{sheet.where(row.number, 'id')}: id '{ident}' is also on row {seen[ident]}")
                continue
            seen[ident] = row.number
            plan.rows[(kind, ident)] = (sheet, row)
            found = where.get((kind, ident))
            if kind == ENTRIES:
                topic = row.cells.get("topic", _topic_of(found[0]) if found else "").strip()
                if topic not in topics:
                    problems.append(f"{sheet.where(row.number, 'topic')}: unknown topic '{topic}' "
                                    f"(one of: {', '.join(topics)})")
                    continue
                target = topics[topic]
            else:
                if not (files and files[0].relative == "facts.yaml"):
                    problems.append(f"{sheet.where(row.number)}: the knowledge has no facts.yaml")
                    continue
                target = files[0]
            if found is None:
                file, item = target, CommentedMap(id=ident)
                target.items.append(item)
                plan.added.append(ident)
            else:
                file, item = found
                if file is not target:  # moved to another topic
                    file.items.remove(item)
                    target.items.append(item)
                    changed_files.add(file.relative)
            edits = [path for header, path in columns.items()
                     if path and header != "id" and header in row.cells
                     and not same(path, row.cells[header], _get(item, path))]
            for path in edits:
                _set(item, path, row.cells[_header(columns, path)].strip())
            if found is not None and (edits or file is not target):
                plan.changed.append(ident)
            if edits or found is None or file is not target:
                changed_files.add(target.relative)
        plan.untouched += sum(1 for (k, ident) in where if k == kind and ident not in seen)
    for file in files:
        if file.relative in changed_files:
            text = yamledit.dump(file.document)
            if text != file.text:
                plan.files[file.relative] = text
    return plan, problems


def same(path: tuple[str, ...], cell: str, current) -> bool:
    """Does the cell say what the YAML says? Lists item by item; text apart from the
    white space around it (spreadsheets add and drop it freely)."""
    if path in LISTS:
        return [line.strip() for line in cell.split("\n") if line.strip()] == [str(item) for item in current or []]
    return cell.strip() == cell_text(current).strip()


def _header(columns: dict[str, tuple[str, ...]], path: tuple[str, ...]) -> str:
    return next(header for header, known in columns.items() if known == path)


# --- problems found in the would-be files, pointed at cells -----------------------------------------


def _last_at_or_before(keys_and_lines, line: int):
    best = None
    for key, start in keys_and_lines:
        if start <= line and (best is None or start >= best[1]):
            best = (key, start)
    return best[0] if best else None


def locate(text: str, relative: str, line: int) -> tuple[str, str, tuple[str, ...]] | None:
    """(sheet, id, field path) of the YAML line `line` (1-based) of a facts or FAQ file."""
    try:
        document = yamledit.load(text)
    except Exception:  # noqa: BLE001 - a file that does not parse has no cells to point at
        return None
    kind, key = (FACTS, "facts") if relative == "facts.yaml" else (ENTRIES, "entries")
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list):
        return None
    item = _last_at_or_before([(item, item.lc.line + 1) for item in items if isinstance(item, CommentedMap)], line)
    if item is None:
        return None
    top = _last_at_or_before([(k, item.lc.key(k)[0] + 1) for k in item], line)
    path: tuple[str, ...] = (top,) if top else ()
    value = item.get(top) if top else None
    if isinstance(value, CommentedMap) and value:
        sub = _last_at_or_before([(k, value.lc.key(k)[0] + 1) for k in value], line)
        path = (top, sub) if sub else path
    return kind, str(item.get("id")), path


def point_at_cells(problems, trial: Path, plan: Plan, shown: str) -> list[str]:
    """Each problem as `FILE:Sheet!CELL: message`, at the cell of the field it is about; a
    problem in no row's field keeps its YAML place."""
    lines = []
    for problem in problems:
        relative = Path(problem.file).relative_to(trial.name).as_posix() if problem.file.startswith(trial.name) \
            else problem.file
        text = yamledit.read_text(trial / relative) if relative.endswith(".yaml") else None
        found = locate(text, relative, problem.line) if text is not None else None
        place = plan.rows.get(found[:2]) if found else None
        message = " ".join(problem.message.splitlines())
        if place is None or found is None:
            lines.append(f"{shown}: {relative}:{problem.line}: {message}")
            continue
        sheet, row = place
        columns = ENTRY_COLUMNS if sheet.name == ENTRIES else FACT_COLUMNS
        lines.append(f"{sheet.where(row.number, _column_of(columns, found[2]))}: {message}")
    return lines


def _column_of(columns: dict[str, tuple[str, ...]], path: tuple[str, ...]) -> str:
    """The column of a field: exactly ("answer", "en"), else the first of its kind
    ("answer" -> "answer (en)"), else the id."""
    exact = next((header for header, known in columns.items() if known and known == path), None)
    return exact or next((header for header, known in columns.items() if known and path and known[0] == path[0]), "id")


# --- the command ------------------------------------------------------------------------------------


@dataclass
class Imported:
    ok: bool
    lines: list[str]  # problems, or what was done


def import_spreadsheet(directory: Path, path: Path, *, by: str, shown: str | None = None) -> Imported:
    """Apply the spreadsheet to the knowledge: everything or, on any problem, nothing."""
    shown = shown or str(path)
    try:
        sheets = read_spreadsheet(path, shown)
    except SpreadsheetError as error:
        return Imported(False, error.problems)
    if not sheets:
        return Imported(False, [f"{shown}: no sheet named {ENTRIES} or {FACTS}"])
    with yamledit.edit_lock(directory):  # re-read under the lock: a concurrent edit is never lost
        plan, problems = plan_import(directory, sheets)
        if problems:
            return Imported(False, problems)
        if not plan.files:
            return Imported(True, [f"{shown}: no change to the knowledge in {directory}."])
        with yamledit.trial_copy(directory, plan.files) as trial:
            errors = yamledit.check_errors(trial)
            if errors:
                return Imported(False, point_at_cells(errors, trial, plan, shown))
        history.commit(directory, plan.files, via="import", by=by, what=plan.summary(Path(shown).name))
    done = [f"{shown}: {plan.summary(Path(shown).name)}.",
            f"Wrote {', '.join(sorted(plan.files))} in {directory}."]
    if plan.untouched:
        done.append(f"{plan.untouched} entries or facts have no row in the spreadsheet: left as they are "
                    "(an import never removes).")
    return Imported(True, done)
