"""The FAQ as a spreadsheet and back: `faqbot export FILE` and `faqbot import FILE`.

One row per entry on the sheet "Entries" (id, topic, questions, keywords, answers, related,
examples; a list is one item per line of its cell) and one row per fact on "Facts". A CSV
file has no sheets: FILE.csv holds the entries and FILE.facts.csv the facts (UTF-8 with a
byte-order mark, which Excel needs to read Chinese).

Import compares every cell with what the YAML says now and changes only what differs, with
ruamel.yaml's round trip (comments and layout stay), so an export imported unchanged writes
nothing at all. A row with a new id is a new entry (or fact) at the end of its topic's file;
a row left out of the sheet removes nothing. The would-be files are checked as `faqbot check`
does, in a copy, before any is written; problems point at cells: `faq.xlsx:Entries!C12: ...`.
This module reads and writes the files; sheetimport.py applies one to the YAML.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from . import yamledit

ENTRIES, FACTS = "Entries", "Facts"
# header -> where in an entry / a fact the cell's value lives
ENTRY_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",), "topic": (), "questions (en)": ("questions", "en"), "questions (zh)": ("questions", "zh"),
    "keywords (en)": ("keywords", "en"), "keywords (zh)": ("keywords", "zh"),
    "answer (en)": ("answer", "en"), "answer (zh)": ("answer", "zh"),
    "related": ("related",), "examples": ("examples",),
}
FACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",), "label (en)": ("label", "en"), "label (zh)": ("label", "zh"), "value": ("value",),
    "unit": ("unit",), "date": ("date",), "text (en)": ("text", "en"), "text (zh)": ("text", "zh"),
    "formula": ("formula",),
}
LISTS = {("questions", "en"), ("questions", "zh"), ("keywords", "en"), ("keywords", "zh"), ("related",),
         ("examples",)}


class SpreadsheetError(Exception):
    """The file cannot be read as our spreadsheet; `problems` says where."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


# --- reading the knowledge -------------------------------------------------------------------


def _get(mapping, path: tuple[str, ...]):
    for key in path:
        mapping = mapping.get(key) if isinstance(mapping, dict) else None
    return mapping


def cell_text(value) -> str:
    """A YAML value as its cell shows it: a list one item per line."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def _topic_of(file: yamledit.YamlFile) -> str:
    return str(_get(file.document, ("topic", "id")) or "")


def sheets_of(directory: Path) -> dict[str, list[list[str]]]:
    """The spreadsheet's content: sheet name -> rows of cell texts, the header first."""
    files = yamledit.read_files(directory)
    entries = [list(ENTRY_COLUMNS)]
    facts = [list(FACT_COLUMNS)]
    for file in files:
        for item in file.items:
            if file.relative == "facts.yaml":
                facts.append([cell_text(_get(item, path)) for path in FACT_COLUMNS.values()])
            else:
                entries.append([_topic_of(file) if not path else cell_text(_get(item, path))
                                for path in ENTRY_COLUMNS.values()])
    return {ENTRIES: entries, FACTS: facts}


# --- writing and reading the spreadsheet --------------------------------------------------------


def facts_csv(path: Path) -> Path:
    """Where a CSV export keeps the facts: faq.csv -> faq.facts.csv."""
    return path.with_name(path.stem + ".facts.csv")


def write_spreadsheet(path: Path, sheets: dict[str, list[list[str]]]) -> list[Path]:
    if path.suffix.lower() == ".csv":
        targets = {ENTRIES: path, FACTS: facts_csv(path)}
        for name, rows in sheets.items():
            with open(targets[name], "w", encoding="utf-8-sig", newline="") as out:
                csv.writer(out).writerows(rows)
        return list(targets.values())
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.worksheets[0])  # the empty sheet a new workbook starts with
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows():
            for cell in cells:
                cell.data_type = "s"  # text, always: "=..." is no formula, "2013" no number
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "B2"
        for column, header in zip(sheet.columns, rows[0], strict=False):
            wide = 60 if header.startswith(("answer", "questions", "text")) else 24
            sheet.column_dimensions[column[0].column_letter].width = wide
    book.save(path)
    return [path]


@dataclass
class Row:
    number: int  # 1-based, as the spreadsheet shows it
    cells: dict[str, str]  # header -> text


@dataclass
class Sheet:
    name: str
    file: str  # as shown in problems
    headers: list[str]
    rows: list[Row] = field(default_factory=list)
    has_sheets: bool = True

    def where(self, row: int, header: str | None = None) -> str:
        column = self.headers.index(header) if header in self.headers else 0
        cell = f"{_column_letter(column)}{row}"
        return f"{self.file}:{self.name}!{cell}" if self.has_sheets else f"{self.file}:{cell}"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _sheet(name: str, file: str, rows: list[list], has_sheets: bool) -> Sheet:
    header_row = [_as_text(value).strip() for value in (rows[0] if rows else [])]
    sheet = Sheet(name, file, header_row, has_sheets=has_sheets)
    for number, values in enumerate(rows[1:], 2):
        cells = {header: _as_text(value) for header, value in zip(header_row, values, strict=False) if header}
        if any(text.strip() for text in cells.values()):
            sheet.rows.append(Row(number, cells))
    return sheet


def read_spreadsheet(path: Path, shown: str) -> dict[str, Sheet]:
    """Sheet name -> its rows. `shown` is how problems name the file."""
    try:
        if path.suffix.lower() == ".csv":
            sheets = {}
            for name, source in ((ENTRIES, path), (FACTS, facts_csv(path))):
                if source.exists():
                    with open(source, encoding="utf-8-sig", newline="") as handle:
                        label = shown if source == path else str(facts_csv(Path(shown)))
                        sheets[name] = _sheet(name, label, list(csv.reader(handle)), has_sheets=False)
            return sheets
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            return {name: _sheet(name, shown, [list(row) for row in book[name].iter_rows(values_only=True)], True)
                    for name in (ENTRIES, FACTS) if name in book.sheetnames}
        finally:
            book.close()
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, KeyError) as error:
        raise SpreadsheetError([f"{shown}: cannot read it: {error}"]) from None
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a file that is no workbook
        raise SpreadsheetError([f"{shown}: cannot read it as a workbook ({type(error).__name__}: {error})"]) from None


# --- the command ---------------------------------------------------------------------------------


def export(directory: Path, path: Path) -> list[Path]:
    return write_spreadsheet(path, sheets_of(directory))
