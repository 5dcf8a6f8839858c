"""The command line contract of design.md, through real subprocesses."""

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core import render_answer
from bot.core.render import fact_value

ROOT = Path(__file__).resolve().parents[2]


def run(*args, stdin=None, env=None):
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60)


def test_ask_prints_the_answer_as_a_user_reads_it():
    result = run("ask", "How much did Chongqing export to the US?")
    assert result.returncode == 0
    assert "USD 9.07 billion" in result.stdout and "Source:" in result.stdout


def test_ask_json_has_the_contract_fields():
    data = json.loads(run("ask", "--json", "重庆人口多少").stdout)
    assert data["answered"] is True and data["id"] == "population" and data["lang"] == "zh"
    assert set(data) >= {"question", "answered", "id", "score", "lang", "answer", "alternatives"}


def test_batch_from_stdin_writes_one_line_per_question():
    questions = ["gdp", "", "where is the wifi", "重庆面积"]
    result = run("ask", "--json", stdin="\n".join(questions) + "\n")
    lines = result.stdout.splitlines()
    assert [json.loads(line)["question"] for line in lines] == questions
    plain = run("ask", stdin="\n".join(questions) + "\n").stdout.splitlines()
    assert len(plain) == len(questions)


def test_knowledge_option_and_environment(knowledge_copy):
    path = knowledge_copy / "facts.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 82400", "value: 82401"), encoding="utf-8")
    assert "82,401 km²" in run("ask", "--knowledge", str(knowledge_copy), "how big is chongqing").stdout
    assert "82,401 km²" in run("--knowledge", str(knowledge_copy), "ask", "how big is chongqing").stdout
    assert "82,401 km²" in run("ask", "how big is chongqing", env={"FAQBOT_KNOWLEDGE": str(knowledge_copy)}).stdout


def test_check_passes_on_the_bundled_knowledge():
    result = run("check")
    assert result.returncode == 0, result.stdout


def test_check_reports_file_and_line_and_fails(knowledge_copy):
    path = knowledge_copy / "faq" / "30-economy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{gdp_2013}.", "{gdp_2031}."), encoding="utf-8")
    result = run("check", "--knowledge", str(knowledge_copy))
    assert result.returncode == 1
    assert "knowledge/faq/30-economy.yaml:" in result.stdout and "missing fact 'gdp_2031'" in result.stdout


def test_a_broken_knowledge_base_fails_clearly_not_with_a_traceback(knowledge_copy):
    (knowledge_copy / "facts.yaml").write_text("sources: [\n", encoding="utf-8")
    result = run("ask", "--knowledge", str(knowledge_copy), "gdp")
    assert result.returncode == 1
    assert "facts.yaml:" in result.stderr and "Traceback" not in result.stderr


def test_chat_runs_a_session_on_stdin(twin_knowledge):
    session = "how big is chongqing\n/lang zh\nhow big is chongqing\n/lang auto\n"
    session += "How much did Chongqing export to the US?\n2\n/quit\n"
    result = run("chat", "--knowledge", str(twin_knowledge), stdin=session)
    assert result.returncode == 0
    assert "82,400 km²" in result.stdout and "8.24万平方公里" in result.stdout
    assert "Did you mean:" in result.stdout and "  2. " in result.stdout
    assert "USD 9.07 billion" in result.stdout


def test_check_prints_paths_that_open_from_the_current_directory(knowledge_copy):
    path = knowledge_copy / "faq" / "30-economy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{gdp_2013}.", "{gdp_2031}."), encoding="utf-8")
    elsewhere = run("check", "--knowledge", str(knowledge_copy))  # from the project, far from the copy
    beside = subprocess.run([sys.executable, "-m", "bot", "check", "--knowledge", "knowledge/faq/.."],
                            capture_output=True, text=True, cwd=knowledge_copy.parent, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    for result, cwd in ((elsewhere, ROOT), (beside, knowledge_copy.parent)):
        file, line, message = result.stdout.splitlines()[0].split(":", 2)
        assert "missing fact 'gdp_2031'" in message
        assert "{gdp_2031}" in (cwd / file).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert elsewhere.stdout.startswith(str(path)) and beside.stdout.startswith("knowledge/faq/30-economy.yaml:")


def test_version():
    result = run("--version")
    assert result.returncode == 0 and re.fullmatch(r"faqbot \d+\.\d+\.\d+\S*\n", result.stdout), result.stdout


def test_init_copies_the_bundled_knowledge_and_never_overwrites(tmp_path):
    target = tmp_path / "my-fair"
    result = run("init", str(target))
    assert result.returncode == 0, result.stderr
    copied = sorted(p.relative_to(target) for p in target.rglob("*.yaml"))
    assert copied == sorted(p.relative_to(ROOT / "knowledge") for p in (ROOT / "knowledge").rglob("*.yaml"))
    assert run("check", "--knowledge", str(target)).returncode == 0
    (target / "facts.yaml").write_text("edited", encoding="utf-8")
    again = run("init", str(target))
    assert again.returncode == 1 and "not empty" in again.stderr and "Traceback" not in again.stderr
    assert (target / "facts.yaml").read_text(encoding="utf-8") == "edited"


@pytest.mark.parametrize("args", [("explain", "--top", "0", "gdp"), ("explain", "--top", "-3", "gdp"),
                                  ("explain", "--top", "many", "gdp"), ("report", "--limit", "-1"),
                                  ("report", "--limit", "0"), ("report", "--days", "-5"),
                                  ("report", "--days", "nan"), ("playground", "--port", "70000")])
def test_values_out_of_range_are_usage_errors(args):
    result = run(*args)
    assert result.returncode == 2 and "usage: faqbot" in result.stderr and "Traceback" not in result.stderr
    assert f"argument {args[1]}:" in result.stderr


def test_report_reads_the_database_given_with_db(tmp_path):
    missing = run("report", "--db", str(tmp_path / "none.sqlite3"))
    assert missing.returncode == 1 and "none.sqlite3" in missing.stderr


def read_until(fd: int, done, timeout: float = 30.0) -> str:
    """Read a terminal's output until `done(text)` or the timeout."""
    output, deadline = b"", time.monotonic() + timeout
    while not done(output.decode("utf-8", "replace")) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                output += os.read(fd, 65536)
            except OSError:  # the other side closed
                break
    return output.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_chat_on_a_terminal_edits_lines_and_recalls_history(kb):
    pytest.importorskip("readline")
    controller, terminal = os.openpty()
    env = {**os.environ, "TERM": "xterm", "INPUTRC": "/dev/null", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "bot", "chat"], stdin=terminal, stdout=terminal,
                               stderr=terminal, cwd=ROOT, env=env, start_new_session=True)
    os.close(terminal)
    figure = fact_value(kb.facts["gdp_2013"], "en")
    try:
        assert "\n> " in read_until(controller, lambda text: "\n> " in text)
        left = "\x1b[D"
        os.write(controller, f"dp{left}{left}g\r".encode())  # "dp", back two, insert "g": "gdp"
        assert figure in read_until(controller, lambda text: figure in text and text.rstrip().endswith(">"))
        os.write(controller, b"\x1b[A\r")  # up arrow: the last question again
        again = read_until(controller, lambda text: figure in text and text.rstrip().endswith(">"))
        assert figure in again and kb.message("decline", "en") not in again
        os.write(controller, b"/quit\r")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)


def test_chat_welcome_offers_numbered_examples(kb):
    result = run("chat", stdin="1\n/quit\n")
    examples = [str(entry_id) for entry_id in kb.settings["start_examples"]]
    assert examples, "the bundled knowledge names example questions"
    for number, entry_id in enumerate(examples, 1):
        assert f"  {number}. {kb.entries[entry_id].title('en')}" in result.stdout
    first = render_answer(kb, examples[0], "en")
    assert first.plain in result.stdout


def test_a_missing_knowledge_directory_is_named_as_given(tmp_path):
    result = run("ask", "--knowledge", str(tmp_path / "missing"), "gdp")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{tmp_path / 'missing'}:1: knowledge directory not found")
