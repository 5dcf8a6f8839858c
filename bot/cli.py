"""Command line: `faqbot ask | chat | check | explain | report | run | playground ...` (also `python -m bot ...`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

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


# JSON escapes the line breaks below 0x20; these three it leaves raw, yet readers that split
# on Unicode line breaks (str.splitlines, JavaScript) break a record at them.
_JSON_LINE_BREAKS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(data: dict) -> str:
    """One strict JSON Lines record: no raw character any reader takes for a line break."""
    return json.dumps(data, ensure_ascii=False).translate(_JSON_LINE_BREAKS)


def _stdin_questions():
    """(question, error) per line of stdin, read as bytes: a line that is not UTF-8 gets an
    error and the lines after it are still read. Lines end at \\n only (\\r\\n too)."""
    for number, raw in enumerate(sys.stdin.buffer, 1):
        raw = raw.rstrip(b"\n").removesuffix(b"\r")
        try:
            yield raw.decode("utf-8"), None
        except UnicodeDecodeError as error:
            yield None, f"line {number} is not valid UTF-8 (byte {error.start + 1})"


def _argument_question(words: list[str]):
    """The question given as arguments; bytes that were not UTF-8 arrive as lone surrogates."""
    question = " ".join(words)
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        return None, "the question is not valid UTF-8"
    return question, None


def command_ask(args) -> int:
    kb = _load_or_exit(args.knowledge)
    if args.question is not None:
        items, batch = [_argument_question(args.question)], False
    else:
        items, batch = _stdin_questions(), True
    failed = False
    for question, error in items:
        reply = None
        if error is None:
            try:
                reply = ask(kb, question, lang=args.lang)
            except Exception as exc:  # noqa: BLE001 - one bad question must not cost the batch
                error = f"cannot answer this question ({type(exc).__name__})"
        if error is not None:
            failed = failed or not batch
            if args.json:
                print(json_line({"error": error}), flush=batch)
            else:
                print(f"error: {error}", flush=batch, file=sys.stdout if batch else sys.stderr)
        elif args.json:
            print(json_line(reply.to_json()), flush=batch)
        else:
            print(_one_line(reply.text) if batch else reply.text, flush=batch)
    return 1 if failed else 0


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
    problems = check_knowledge(args.knowledge)
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
    from .store import QuestionStore, daily_cap, database_settings

    try:
        path, retention_days = database_settings()
        cap = daily_cap()
    except ValueError as error:
        print(f"faqbot report: {error}", file=sys.stderr)
        return 2
    if path is None or not path.exists():
        print(f"faqbot report: no question database {path or ''} (set FAQBOT_DB to the file `faqbot run` writes)",
              file=sys.stderr)
        return 1
    store = QuestionStore(path, retention_days, cap)
    kb, _ = read_knowledge(args.knowledge)  # for synonyms and entry names; the report works without
    print(plain(report_lines(store.unanswered(args.days), store.answer_counts(args.days), kb, args.days,
                             limit=args.limit, dropped=store.dropped(args.days), cap=store.daily_cap)))
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
    report_parser.add_argument("--days", type=float, default=30, metavar="N", help="look back N days (default 30)")
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
