"""The maintainers' commands: `faqbot report` (with --html and --review), `undo`, `export` and
`import`. bot/cli.py holds the parser and dispatches here."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path


def command_report(args) -> int:
    from ..core import read_knowledge
    from ..services.config import daily_cap, database_settings
    from ..services.store import QuestionStore
    from .report import plain, report_lines

    try:
        path, retention_days = database_settings()
        cap = daily_cap()
    except ValueError as error:
        print(f"faqbot report: {error}", file=sys.stderr)
        return 2
    path = Path(args.db) if args.db else path
    if path is None or not path.exists():
        print(f"faqbot report: no question database {path or ''} (set FAQBOT_DB to the file `faqbot run` writes)",
              file=sys.stderr)
        return 1
    kb, _ = read_knowledge(args.knowledge)  # for synonyms and entry names; the report works without
    try:
        store = QuestionStore(path, retention_days, cap)
        unanswered, answers = store.unanswered(args.days), store.answer_counts(args.days)
        dropped = store.dropped(args.days)
    except sqlite3.Error as error:  # not a database, damaged, locked for too long
        print(f"faqbot report: cannot read the question database {path}: {error}", file=sys.stderr)
        return 1
    if args.review:
        return review_command(args, store, kb)
    if args.html:
        return html_command(args, store, kb)
    print(plain(report_lines(unanswered, answers, kb, args.days, limit=args.limit, dropped=dropped,
                             cap=store.daily_cap)))
    return 0


def review_command(args, store, kb) -> int:
    """`faqbot report --review`: accept or ignore the unanswered questions one by one."""
    from ..cli import _load_or_exit, enable_line_editing  # here: cli imports this module
    from .learn import review

    kb = _load_or_exit(args.knowledge)  # indexed: each wording is tried on it
    enable_line_editing()
    review(store, Path(args.knowledge), kb, by=terminal_user(), days=args.days, limit=args.limit)
    return 0


def html_command(args, store, kb) -> int:
    """`faqbot report --html FILE`: the report as one self-contained page with charts."""
    from .htmlreport import write_report

    try:
        write_report(Path(args.html), store, kb, args.days)
    except OSError as error:
        print(f"faqbot report: cannot write {args.html}: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {args.html}.")
    return 0


def command_undo(args) -> int:
    """Take back the last change made by import, learning or undo's siblings."""
    from .learn import undo_last

    undone = undo_last(Path(args.knowledge), by=terminal_user())
    print(undone.message, file=sys.stdout if undone.ok else sys.stderr)
    return 0 if undone.ok else 1


# --- export and import: the FAQ as a spreadsheet -----------------------------------------------


def command_export(args) -> int:
    from .spreadsheet import export

    try:
        written = export(Path(args.knowledge), Path(args.file))
    except OSError as error:
        print(f"faqbot export: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {', '.join(str(path) for path in written)}: edit, then `faqbot import {args.file}`.")
    return 0


def command_import(args) -> int:
    from .sheetimport import import_spreadsheet

    result = import_spreadsheet(Path(args.knowledge), Path(args.file), by=terminal_user())
    for line in result.lines:
        print(line, file=sys.stdout if result.ok else sys.stderr)
    if not result.ok:
        print(f"faqbot import: nothing was written; fix {args.file} and import it again", file=sys.stderr)
    return 0 if result.ok else 1


def terminal_user() -> str:
    """Who made a change from the command line, for the knowledge history."""
    import getpass

    try:
        return f"terminal:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name known (a container): still a change
        return "terminal"
