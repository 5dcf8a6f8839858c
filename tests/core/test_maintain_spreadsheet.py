"""`faqbot export` / `faqbot import`: the FAQ as a spreadsheet and back, byte for byte when
nothing was edited, comments kept when something was, nothing written when anything is wrong."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.maintain import history

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"


def faqbot(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, timeout=300)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}


@pytest.fixture
def knowledge(tmp_path) -> Path:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    return copy


@pytest.mark.parametrize("name", ["faq.xlsx", "faq.csv"])
def test_export_then_import_without_edits_changes_no_byte(knowledge, tmp_path, name):
    before = snapshot(knowledge)
    exported = faqbot("export", str(tmp_path / name), "--knowledge", str(knowledge), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    imported = faqbot("import", name, "--knowledge", str(knowledge), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "no change" in imported.stdout
    assert snapshot(knowledge) == before  # not a byte, not a new file (no changelog, no lock file)


def test_the_sheets_hold_every_entry_and_fact(knowledge, tmp_path):
    faqbot("export", "faq.xlsx", "--knowledge", str(knowledge), cwd=tmp_path)
    book = load_workbook(tmp_path / "faq.xlsx")
    entries = list(book["Entries"].iter_rows(values_only=True))
    assert entries[0][:4] == ("id", "topic", "questions (en)", "questions (zh)")
    assert [row[0] for row in entries[1:]][:2] == ["about-bot", "brief-published"]
    assert "What is this bot?" in entries[1][2].split("\n")
    facts = {row[0]: row for row in book["Facts"].iter_rows(values_only=True)}
    assert facts["area"][3] == "82400" and facts["area"][5] == "as-published"


def test_an_edited_xlsx_changes_only_what_was_edited_and_keeps_comments(knowledge, tmp_path):
    faqbot("export", "faq.xlsx", "--knowledge", str(knowledge), cwd=tmp_path)
    book = load_workbook(tmp_path / "faq.xlsx")
    entries = book["Entries"]
    headers = [cell.value for cell in entries[1]]
    row = next(r for r in entries.iter_rows(min_row=2) if r[0].value == "brief-published")
    row[headers.index("answer (zh)")].value = "这份简介于{source.published}发布。（译者修订）"
    row[headers.index("questions (en)")].value += "\nwhen did the brief come out"
    entries.append(["who-made-this", "about", "who made this bot", "谁做了这个机器人", "", "",
                    "The fair office.", "展会办公室。", "about-bot", ""])
    book.save(tmp_path / "faq.xlsx")
    before = (knowledge / "faq" / "10-about.yaml").read_text(encoding="utf-8")

    done = faqbot("import", "faq.xlsx", "--knowledge", str(knowledge), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = (knowledge / "faq" / "10-about.yaml").read_text(encoding="utf-8")
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    assert len(removed) == 1 and "其中大多数数字" in removed[0]  # the old translation, nothing else
    assert after.startswith(before.split("topic:")[0])  # the comment block at the top is kept
    assert "        - when did the brief come out\n" in after
    assert "  - id: who-made-this\n" in after
    assert faqbot("check", "--knowledge", str(knowledge), cwd=tmp_path).returncode == 0
    asked = faqbot("ask", "--json", "--knowledge", str(knowledge), "who made this bot", cwd=tmp_path)
    assert json.loads(asked.stdout)["id"] == "who-made-this"
    [change] = history.read_changelog(knowledge)
    assert change["via"] == "import" and change["by"].startswith("terminal")
    assert "added who-made-this" in change["what"] and change["files"] == ["faq/10-about.yaml"]

    undone = faqbot("undo", "--knowledge", str(knowledge), cwd=tmp_path)  # the whole import, taken back
    assert undone.returncode == 0 and undone.stdout.startswith("Undone: import faq.xlsx")
    assert (knowledge / "faq" / "10-about.yaml").read_text(encoding="utf-8") == before
    assert [change["via"] for change in history.read_changelog(knowledge)] == ["import", "undo"]


def test_a_bad_import_names_the_cells_and_writes_nothing(knowledge, tmp_path):
    faqbot("export", "faq.csv", "--knowledge", str(knowledge), cwd=tmp_path)
    with open(tmp_path / "faq.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    headers = rows[0]
    rows[3][headers.index("answer (en)")] = "It is {no_such_fact}."
    rows[5][headers.index("related")] = "no-such-entry"
    rows[6][headers.index("topic")] = "weather"
    with open(tmp_path / "faq.csv", "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    before = snapshot(knowledge)
    failed = faqbot("import", "faq.csv", "--knowledge", str(knowledge), cwd=tmp_path)
    assert failed.returncode == 1
    assert "faq.csv:B7: unknown topic 'weather'" in failed.stderr
    assert "nothing was written" in failed.stderr
    rows[6][headers.index("topic")] = rows[5][headers.index("topic")]
    with open(tmp_path / "faq.csv", "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(rows)
    failed = faqbot("import", "faq.csv", "--knowledge", str(knowledge), cwd=tmp_path)
    assert failed.returncode == 1
    lines = failed.stderr.splitlines()
    assert any(line.startswith("faq.csv:G4: ") and "no_such_fact" in line for line in lines), lines
    assert any(line.startswith("faq.csv:I6: ") and "no-such-entry" in line for line in lines), lines
    assert snapshot(knowledge) == before


def test_a_file_that_is_no_workbook_is_one_line(knowledge, tmp_path):
    (tmp_path / "faq.xlsx").write_text("not a workbook", encoding="utf-8")
    failed = faqbot("import", "faq.xlsx", "--knowledge", str(knowledge), cwd=tmp_path)
    assert failed.returncode == 1 and failed.stderr.startswith("faq.xlsx: cannot read it")
    assert "Traceback" not in failed.stderr
