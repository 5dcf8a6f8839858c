"""Command line: `faqbot ask | chat | check | explain | report | run | playground ...` (also `python -m bot ...`)."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

from .bounds import MAX_DAYS, days_argument
from .core import AMBIGUOUS, KnowledgeBase, KnowledgeError, ask, load_knowledge, render_answer
from .core.checks import check_knowledge
from .playground.arguments import add_playground_arguments
from .tg.settings import add_run_arguments

PROJECT_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def default_knowledge_dir() -> str:
    return os.environ.get("FAQBOT_KNOWLEDGE") or str(PROJECT_KNOWLEDGE)


def _load_or_exit(directory: str) -> KnowledgeBase:
    try:
        return load_knowledge(directory)
    except KnowledgeError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"faqbot: the knowledge in {directory} has errors; run `faqbot check`", file=sys.stderr)
        raise SystemExit(1) from None


# --- ask ---------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " | ".join(line for line in text.splitlines() if line.strip())


def command_ask(args) -> int:
    kb = _load_or_exit(args.knowledge)
    if args.question is not None:
        questions, batch = [" ".join(args.question)], False
    else:
        questions, batch = (line.rstrip("\r\n") for line in sys.stdin), True
    for question in questions:
        reply = ask(kb, question, lang=args.lang)
        if args.json:
            print(json.dumps(reply.to_json(), ensure_ascii=False), flush=batch)
        else:
            print(_one_line(reply.text) if batch else reply.text, flush=batch)
    return 0


# --- chat --------------------------------------------------------------------------------


def command_chat(args) -> int:
    """An interactive session on the same engine: type questions, pick options by number."""
    kb = _load_or_exit(args.knowledge)
    lang = args.lang
    print(kb.message("welcome", lang or "en") if "welcome" in kb.messages else "")
    print("(Ctrl-D or /quit to leave; /lang en|zh to switch language)\n")
    options: tuple = ()
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line in ("/quit", "/exit"):
            return 0
        if line.startswith("/lang"):
            lang = line.split()[-1] if line.split()[-1] in ("en", "zh") else None
            print(f"language: {lang or 'same as the question'}\n")
            continue
        if line.isdigit() and 0 < int(line) <= len(options):
            entry_id = options[int(line) - 1][0]
            print(render_answer(kb, entry_id, lang or reply.lang).plain + "\n")
            options = ()
            continue
        reply = ask(kb, line, lang=lang)
        options = reply.options
        if reply.match.status == AMBIGUOUS:
            print(reply.text.splitlines()[0])
            for number, (_, title) in enumerate(options, 1):
                print(f"  {number}. {title}")
        else:
            print(reply.text)
        print()


# --- check -------------------------------------------------------------------------------


def command_check(args) -> int:
    try:
        problems = check_knowledge(args.knowledge)
    except Exception as error:  # noqa: BLE001 - a bug of ours, said in one line, never a traceback
        print(f"{args.knowledge}:1: internal error while checking ({type(error).__name__}: {error}); "
              "please report it", file=sys.stderr)
        return 1
    for problem in problems:
        print(problem)
    errors = [p for p in problems if p.severity == "error" or args.strict]
    if not problems:
        print(f"{args.knowledge}: OK", file=sys.stderr)
    elif not errors:
        print(f"{args.knowledge}: OK, with {len(problems)} warning(s) (--strict makes them failures)", file=sys.stderr)
    return 1 if errors else 0


# --- explain and report: the maintainers' view -------------------------------------------------


def command_explain(args) -> int:
    from .core.explain import explain, format_explanation

    kb = _load_or_exit(args.knowledge)
    data = explain(kb, " ".join(args.question), lang=args.lang, top=args.top)
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else format_explanation(data))
    return 0


def command_report(args) -> int:
    from .core import read_knowledge
    from .report import plain, report_lines
    from .store import QuestionStore, database_settings

    try:
        path, retention_days = database_settings()
    except ValueError as error:
        print(f"faqbot report: {error}", file=sys.stderr)
        return 2
    if path is None or not path.exists():
        print(f"faqbot report: no question database {path or ''} (set FAQBOT_DB to the file `faqbot run` writes)",
              file=sys.stderr)
        return 1
    kb, _ = read_knowledge(args.knowledge)  # for synonyms and entry names; the report works without
    try:
        store = QuestionStore(path, retention_days)
        unanswered, answers = store.unanswered(args.days), store.answer_counts(args.days)
    except sqlite3.Error as error:  # not a database, damaged, locked for too long
        print(f"faqbot report: cannot read the question database {path}: {error}", file=sys.stderr)
        return 1
    print(plain(report_lines(unanswered, answers, kb, args.days, limit=args.limit)))
    return 0


# --- run ---------------------------------------------------------------------------------


def command_run(args) -> int:
    from .tg.run import main as run_bot  # imported here: ask and check don't need python-telegram-bot

    return run_bot(args)


# --- playground --------------------------------------------------------------------------


def command_playground(args) -> int:
    from .playground.server import main as run_playground  # python-telegram-bot and aiohttp load only here

    return run_playground(args)


# --- parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="faqbot",
                                     description="Question-and-answer bot about Chongqing and its cooperation with the US.")
    knowledge_help = "knowledge directory (default: $FAQBOT_KNOWLEDGE or the project's knowledge/)"
    parser.add_argument("--knowledge", metavar="DIR", default=default_knowledge_dir(), help=knowledge_help)
    # Accepted after the command too; SUPPRESS keeps it from resetting a value given before.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--knowledge", metavar="DIR", default=argparse.SUPPRESS, help=knowledge_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask_parser = commands.add_parser("ask", parents=[common], help="answer one question, or one per line from stdin")
    ask_parser.add_argument("question", nargs="*", default=None, help="the question (omit to read stdin)")
    ask_parser.add_argument("--json", action="store_true", help="print a JSON object (JSON Lines for stdin)")
    ask_parser.add_argument("--lang", choices=("en", "zh"), help="answer in this language")
    ask_parser.set_defaults(handler=command_ask)

    chat_parser = commands.add_parser("chat", parents=[common], help="interactive session in the terminal")
    chat_parser.add_argument("--lang", choices=("en", "zh"), help="answer in this language")
    chat_parser.set_defaults(handler=command_chat)

    check_parser = commands.add_parser("check", parents=[common], help="validate the knowledge base")
    check_parser.add_argument("--strict", action="store_true", help="treat warnings as failures")
    check_parser.set_defaults(handler=command_check)

    explain_parser = commands.add_parser("explain", parents=[common],
                                         help="show how the bot decides on a question: candidates, scores, threshold")
    explain_parser.add_argument("question", nargs="+", help="the question")
    explain_parser.add_argument("--json", action="store_true", help="print a JSON object")
    explain_parser.add_argument("--lang", choices=("en", "zh"), help="answer in this language")
    explain_parser.add_argument("--top", type=int, default=5, metavar="N", help="candidates shown (default 5)")
    explain_parser.set_defaults(handler=command_explain)

    report_parser = commands.add_parser("report", parents=[common],
                                        help="unanswered questions grouped by similarity, and answers per entry "
                                             "($FAQBOT_DB)")
    report_parser.add_argument("--days", type=days_argument, default=30, metavar="N",
                               help=f"look back N days (default 30, at most {MAX_DAYS})")
    report_parser.add_argument("--limit", type=int, default=20, metavar="N", help="groups shown (default 20)")
    report_parser.set_defaults(handler=command_report)

    run_parser = commands.add_parser("run", parents=[common], help="run the Telegram bot ($TELEGRAM_BOT_TOKEN)")
    add_run_arguments(run_parser)
    run_parser.set_defaults(handler=command_run)

    playground_parser = commands.add_parser("playground", parents=[common],
                                            help="try the bot in a web page on this machine, without Telegram")
    add_playground_arguments(playground_parser)
    playground_parser.set_defaults(handler=command_playground)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "ask" and not args.question:
        args.question = None
    try:
        return args.handler(args)
    except BrokenPipeError:  # the reader went away (`faqbot ask ... | head -1`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
