"""Command line: `faqbot ask | chat | check | explain | report | run | playground ...` (also `python -m bot ...`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from . import onethread  # noqa: F401 - before anything imports numpy
from .bounds import MAX_DAYS, days_argument
from .bundled import InitError, copy_knowledge, default_knowledge, version
from .core import AMBIGUOUS, KnowledgeBase, KnowledgeError, Problem, render_answer
from .core.followup import ask_after, ask_in_context
from .indexcache import load_knowledge
from .maintain.commands import command_export, command_import, command_report, command_undo
from .playground.arguments import add_playground_arguments
from .tg.settings import add_run_arguments


def openable(problem: Problem, directory: str) -> str:
    """The problem as FILE:LINE: message, FILE being a path one can open from here: relative
    to the current directory when the file is below it, else absolute."""
    path = Path(os.path.abspath(Path(directory).parent / problem.file))
    try:
        path = path.relative_to(Path.cwd())
    except ValueError:
        pass
    return str(replace(problem, file=str(path)))


def _load_or_exit(directory: str) -> KnowledgeBase:
    try:
        return load_knowledge(directory)
    except KnowledgeError as error:
        for problem in error.problems:
            print(openable(problem, directory), file=sys.stderr)
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
                reply = ask_after(kb, question, args.context, lang=args.lang)
            except Exception as exc:  # noqa: BLE001 - one bad question must not cost the batch
                error = f"cannot answer this question ({type(exc).__name__})"
        if reply is None:  # error says why
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


def enable_line_editing() -> None:
    """Arrow keys, history (up/down) and line editing for input(), where readline exists.

    Only on a terminal: piped sessions need none, and some readline builds write control
    codes to the output when loaded."""
    if not sys.stdin.isatty():
        return
    try:
        import readline  # noqa: F401 - loading it is what gives input() line editing
    except ImportError:  # Windows without pyreadline: plain input()
        pass


def chat_examples(kb: KnowledgeBase, lang: str) -> tuple[tuple[str, str], ...]:
    """(entry id, title) of the example questions the welcome offers, to pick by number."""
    examples = kb.settings.get("start_examples", ())
    listed = examples if isinstance(examples, (list, tuple)) else ()  # settings are untyped until the core redesign
    ids = [str(entry_id) for entry_id in listed if str(entry_id) in kb.entries]
    return tuple((entry_id, kb.entries[entry_id].title(lang)) for entry_id in ids)


def print_options(heading: str, options: tuple[tuple[str, str], ...]) -> None:
    print(heading)
    for number, (_, title) in enumerate(options, 1):
        print(f"  {number}. {title}")


def command_chat(args) -> int:
    """An interactive session on the same engine: type questions, pick examples and
    "did you mean" options by number."""
    kb = _load_or_exit(args.knowledge)
    enable_line_editing()
    lang = args.lang
    shown = lang or "en"
    print(kb.message("welcome", shown))
    options, options_lang = chat_examples(kb, shown), shown
    if options:
        print_options(kb.message("chat_examples", shown), options)
    print(kb.message("chat_usage", shown) + "\n")
    turn = None
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
            print(render_answer(kb, entry_id, lang or options_lang).plain + "\n")
            options = ()
            continue
        if line.startswith("/start"):  # a new conversation: the last question is forgotten
            turn = None
            continue
        reply, turn = ask_in_context(kb, line, turn, lang=lang)  # "and imports?" follows the last question
        options, options_lang = reply.options, reply.lang
        if reply.match.status == AMBIGUOUS:
            print_options(reply.text.splitlines()[0], options)
        else:
            print(reply.text)
        print()


# --- check -------------------------------------------------------------------------------


def command_check(args) -> int:
    from .core.checks import check_knowledge  # here: only `check` needs its imports (rapidfuzz among them)

    try:
        problems = check_knowledge(args.knowledge)
    except Exception as error:  # noqa: BLE001 - a bug of ours, said in one line, never a traceback
        print(f"{args.knowledge}:1: internal error while checking ({type(error).__name__}: {error}); "
              "please report it", file=sys.stderr)
        return 1
    for problem in problems:
        print(openable(problem, args.knowledge))
    errors = [p for p in problems if p.severity == "error" or args.strict]
    if not problems:
        print(f"{args.knowledge}: OK", file=sys.stderr)
    elif not errors:
        print(f"{args.knowledge}: OK, with {len(problems)} warning(s) (--strict makes them failures)", file=sys.stderr)
    return 1 if errors else 0


# --- init --------------------------------------------------------------------------------


def command_init(args) -> int:
    """Copy the bundled knowledge base out, as the start of an edited or a new one."""
    target = Path(args.directory)
    try:
        written = copy_knowledge(target)
    except (InitError, OSError) as error:
        print(f"faqbot init: {error}", file=sys.stderr)
        return 1
    print(f"Copied the bundled knowledge base ({len(written)} files) to {target}.")
    print(f"Edit it, check it with `faqbot check --knowledge {target}`, and serve it with "
          f"`faqbot run --knowledge {target}` (or set FAQBOT_KNOWLEDGE={target}).")
    return 0


# --- explain: the maintainers' view of one question --------------------------------------------


def command_explain(args) -> int:
    from .core.explain import explain, format_explanation

    kb = _load_or_exit(args.knowledge)
    data = explain(kb, " ".join(args.question), lang=args.lang, top=args.top, context=args.context)
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else format_explanation(data))
    return 0


# --- run ---------------------------------------------------------------------------------


def command_run(args) -> int:
    from .services.config import RunOptions
    from .tg.run import main as run_bot  # imported here: ask and check don't need python-telegram-bot

    return run_bot(RunOptions.from_args(args))


# --- playground --------------------------------------------------------------------------


def command_playground(args) -> int:
    from .playground.server import main as run_playground  # python-telegram-bot and aiohttp load only here

    return run_playground(args)


# --- parser ------------------------------------------------------------------------------


def counted(low: int):
    """An argparse type: a whole number of at least `low` (else a usage error, exit 2)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be {low} or more, not {value}")
        return value
    return parse


def positive_number(text: str) -> float:
    """An argparse type: a number above zero, such as a count of days."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value



class VersionAction(argparse.Action):
    """`--version`, looking the version up only when asked: the look-up (importlib.metadata)
    would otherwise cost every command's start-up, `faqbot ask` included."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"faqbot {version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faqbot", description="Question-and-answer bot about Chongqing and its cooperation with the US.")
    knowledge_help = "knowledge directory (default: $FAQBOT_KNOWLEDGE, else the one bundled with the package)"
    parser.add_argument("--version", action=VersionAction, nargs=0,
                        help="show program's version number and exit")
    parser.add_argument("--knowledge", metavar="DIR", default=str(default_knowledge()), help=knowledge_help)
    # Accepted after the command too; SUPPRESS keeps it from resetting a value given before.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--knowledge", metavar="DIR", default=argparse.SUPPRESS, help=knowledge_help)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask_parser = commands.add_parser("ask", parents=[common], help="answer one question, or one per line from stdin")
    ask_parser.add_argument("question", nargs="*", default=None, help="the question (omit to read stdin)")
    ask_parser.add_argument("--json", action="store_true", help="print a JSON object (JSON Lines for stdin)")
    ask_parser.add_argument("--lang", choices=("en", "zh"), help="answer in this language")
    ask_parser.add_argument("--context", action="append", default=[], metavar="PREVIOUS",
                            help="an earlier question of the conversation (repeat, oldest first): "
                                 "the question is then read as its follow-up")
    ask_parser.set_defaults(handler=command_ask)

    chat_parser = commands.add_parser("chat", parents=[common], help="interactive session in the terminal")
    chat_parser.add_argument("--lang", choices=("en", "zh"), help="answer in this language")
    chat_parser.set_defaults(handler=command_chat)

    check_parser = commands.add_parser("check", parents=[common], help="validate the knowledge base")
    check_parser.add_argument("--strict", action="store_true", help="treat warnings as failures")
    check_parser.set_defaults(handler=command_check)

    init_parser = commands.add_parser("init", help="copy the bundled knowledge base into a new directory, to edit")
    init_parser.add_argument("directory", metavar="DIR", help="where to put it (a new or empty directory)")
    init_parser.set_defaults(handler=command_init)

    explain_parser = commands.add_parser("explain", parents=[common],
                                         help="show how the bot decides on a question: candidates, scores, threshold")
    explain_parser.add_argument("question", nargs="+", help="the question")
    explain_parser.add_argument("--json", action="store_true", help="print a JSON object")
    explain_parser.add_argument("--lang", choices=("en", "zh"), help="answer in this language")
    explain_parser.add_argument("--context", action="append", default=[], metavar="PREVIOUS",
                            help="an earlier question of the conversation (repeat, oldest first): "
                                 "the question is then read as its follow-up")
    explain_parser.add_argument("--top", type=counted(1), default=5, metavar="N", help="candidates shown (default 5)")
    explain_parser.set_defaults(handler=command_explain)

    report_parser = commands.add_parser("report", parents=[common],
                                        help="unanswered questions grouped by similarity, and answers per entry "
                                             "($FAQBOT_DB)")
    report_parser.add_argument("--days", type=days_argument, default=30, metavar="N",
                               help=f"look back N days (default 30, at most {MAX_DAYS})")
    report_parser.add_argument("--db", metavar="FILE", help="the question database (default: $FAQBOT_DB)")
    report_parser.add_argument("--limit", type=counted(1), default=20, metavar="N", help="groups shown (default 20)")
    report_parser.add_argument("--html", metavar="FILE", help="write the report as a web page with charts")
    report_parser.add_argument("--review", action="store_true",
                               help="go through the unanswered questions: add each to an entry, or ignore it")
    report_parser.set_defaults(handler=command_report)

    undo_parser = commands.add_parser("undo", parents=[common],
                                      help="take back the last change made by import or learning")
    undo_parser.set_defaults(handler=command_undo)

    spreadsheet_help = "FILE.xlsx, or FILE.csv (entries; facts in FILE.facts.csv)"
    export_parser = commands.add_parser("export", parents=[common], help="write the FAQ as a spreadsheet")
    export_parser.add_argument("file", metavar="FILE", help=spreadsheet_help)
    export_parser.set_defaults(handler=command_export)

    import_parser = commands.add_parser("import", parents=[common],
                                        help="write a spreadsheet's changes back into the knowledge YAML")
    import_parser.add_argument("file", metavar="FILE", help=spreadsheet_help)
    import_parser.set_defaults(handler=command_import)

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
