"""`faqbot check` on hostile and broken knowledge directories: always FILE:LINE lines and
exit 1, within bounded time and memory, never a traceback (issue 14, point 5)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main

PROJECT = Path(__file__).resolve().parents[2]
PROBLEM_LINE = re.compile(r"^(?:\S*/)?kb/[^:\s][^:]*:[1-9]\d*: \S")  # as `check` prints it: openable from here

FACTS = """\
sources:
  brief:
    title: {en: A brief, zh: 简介}
    publisher: {en: A site, zh: 网站}
    published: 2014-10-27
units:
  USD: {en: "USD {n}", zh: "{n}美元"}
facts:
  - id: gdp_2013
    label: {en: GDP, zh: 生产总值}
    value: 1265.7
    unit: USD
    date: 2013
  - id: gdp_half
    formula: gdp_2013 / 2
    unit: USD
"""
TOPIC_A = """\
topic:
  id: economy
  name: {en: Economy, zh: 经济}
entries:
  - id: gdp
    questions:
      en: [What was the GDP?]
      zh: [生产总值是多少？]
    answer:
      en: "GDP was {gdp_2013} in {gdp_2013.when}, half is {gdp_half}."
      zh: "生产总值为{gdp_2013}。"
    related: [flights]
"""
TOPIC_B = """\
topic:
  id: travel
  name: {en: Travel, zh: 交通}
entries:
  - id: flights
    questions:
      en: [Are there direct flights?]
      zh: [有直航吗？]
    answer: {en: "Yes, there are.", zh: "有。"}
"""
MESSAGES = """\
topics:
  en: "You can ask about: {topics}."
  zh: "可以问我：{topics}。"
"""
SETTINGS = "start_examples: [gdp]\nfacts_card: [gdp_2013]\n"
FILES = {"facts.yaml": FACTS, "faq/10-economy.yaml": TOPIC_A, "faq/20-travel.yaml": TOPIC_B,
         "messages.yaml": MESSAGES, "settings.yaml": SETTINGS}
REQUIRED = ["facts.yaml", "faq/10-economy.yaml", "faq/20-travel.yaml"]

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True))
# Each of these makes the file it replaces wrong, whatever file it is.
HOSTILE = [
    ALIAS_BOMB,
    "? [a, b]\n: 1\n",
    "x: " + "9" * 5000 + "\n",
    "x: " + "[" * 5000 + "\n",
    "x: " + "[" * 20 + "]" * 20 + "\n" + "y: " + "{a: " * 40 + "1" + "}" * 40 + "\n",
    "",
    "# only a comment\n",
    "\x00\x01binary",
    "- a\n- b\n",
    "just text",
    "key: [unclosed\n",
    "!!python/object:os.system {}\n",
    "x: !!binary AAAA\n",
    "&a x: *a\n",
    "a: 1\na: 2\n",
]
# Edits inside a file that are always errors.
BREAKERS = [
    ("facts.yaml", "formula: gdp_2013 / 2", "formula: " + "(" * 500 + "gdp_2013" + ")" * 500),
    ("facts.yaml", "formula: gdp_2013 / 2", "formula: " + "+".join(["gdp_2013"] * 200)),
    ("facts.yaml", "formula: gdp_2013 / 2", "formula: gdp_2013 ** 99999"),
    ("facts.yaml", "value: 1265.7", "value: " + "1" * 5000),
    ("facts.yaml", "value: 1265.7", "value: [1, 2]"),
    ("facts.yaml", "date: 2013", "date: 99999-99-99"),
    ("messages.yaml", "{topics}.\"", "{place}.\""),
    ("messages.yaml", "{topics}.\"", "{topics}. {\""),
    ("messages.yaml", "{topics}.\"", "{topics!r}\""),
    ("faq/10-economy.yaml", "related: [flights]", "related: [no-such-entry]"),
    ("faq/10-economy.yaml", "{gdp_2013.when}", "{gdp_2013.when.x}"),
    ("faq/10-economy.yaml", "{gdp_2013.when}", "{missing_fact}"),
    ("faq/10-economy.yaml", "- id: gdp", "- id: [gdp]"),
    ("settings.yaml", "start_examples: [gdp]", "start_examples: [gone]"),
    ("settings.yaml", "facts_card: [gdp_2013]", "facts_card: [gdp_half]"),
    ("settings.yaml", "start_examples: [gdp]", "yaml_max_nodes: 0"),
    ("facts.yaml", "units:", '"\\e[2J\\x07 clear the screen": 1\nunits:'),  # terminal escapes, quoted back
]


def write_base(root: Path) -> Path:
    directory = root / "kb"
    for name, text in FILES.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text, encoding="utf-8")
    return directory


class Hung(Exception):
    pass


def _hung(signum, frame):
    raise Hung("check ran for more than a minute")


def run_check(directory: Path) -> tuple[int, str, str]:
    """`faqbot check` in this process, with a hard time bound (far above the ~0.1 s it takes: it
    catches a hang, such as reading a FIFO, without being a timing assertion)."""
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(60)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--knowledge", str(directory), "check"])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


def assert_reported(code: int, out: str, err: str) -> None:
    assert code == 1, out + err
    lines = out.splitlines()
    assert lines and all(PROBLEM_LINE.match(line) for line in lines), out
    assert "Traceback" not in out + err and "internal error" not in err, err
    assert not any(not char.isprintable() for char in out.replace("\n", "")), repr(out)


def test_the_base_of_the_generated_directories_is_sound(tmp_path):
    code, out, err = run_check(write_base(tmp_path))
    assert (code, out) == (0, ""), out + err


def hostile_file(directory: Path, name: str, content) -> None:
    path = directory / name
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    else:
        path.unlink()
    if content == "fifo":
        os.mkfifo(path)
    elif content == "directory":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


edits = st.one_of(
    st.tuples(st.just("replace"), st.sampled_from(REQUIRED),
              st.sampled_from(HOSTILE + ["fifo", "directory"]) | st.binary(max_size=200).map(lambda b: b"\xff" + b)),
    st.tuples(st.just("break"), st.sampled_from(range(len(BREAKERS))), st.none()),
)
yamlish = st.text(alphabet=st.sampled_from(list(":-&*?!{}[]\t%@'\"|>#\n ab1.")), max_size=30)
noise = st.tuples(st.sampled_from(sorted(FILES)), st.integers(0, 2000), yamlish | st.text(max_size=40))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(breaks=st.lists(edits, min_size=1, max_size=3), noises=st.lists(noise, max_size=2))
def test_check_reports_every_broken_directory_by_file_and_line(breaks, noises):
    with tempfile.TemporaryDirectory() as root:
        directory = write_base(Path(root))
        for name, cut, text in noises:  # random text spliced in somewhere: may or may not break
            path = directory / name
            old = path.read_text(encoding="utf-8")
            path.write_text(old[:cut] + text + old[cut:], encoding="utf-8")
        for kind, what, content in breaks:
            if kind == "replace":
                hostile_file(directory, what, content)
                continue
            name, old, new = BREAKERS[what]
            path = directory / name
            if path.is_file() and not path.is_symlink():
                text = path.read_text(encoding="utf-8", errors="replace")
                if old in text:
                    path.write_text(text.replace(old, new, 1), encoding="utf-8")
                    continue
            hostile_file(directory, "faq/20-travel.yaml", "")  # the edit's target is already gone: break another
        assert_reported(*run_check(directory))


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB: the alias bomb once took 3.9 GB


@pytest.mark.parametrize("name, content", [
    ("faq/10-economy.yaml", ALIAS_BOMB),
    ("faq/10-economy.yaml", "fifo"),
    ("facts.yaml", "x: " + "9" * 5000 + "\n"),
    ("faq/20-travel.yaml", "? [a, b]\n: 1\n"),
])
def test_faqbot_check_process_stays_bounded(tmp_path, name, content):
    """The real command in its own process, with 1 GiB of address space and a timeout far above
    what it needs (a FIFO once kept it reading for more than 180 s)."""
    directory = write_base(tmp_path)
    hostile_file(directory, name, content)
    done = subprocess.run([sys.executable, "-m", "bot", "--knowledge", str(directory), "check"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120, preexec_fn=limit_memory)
    assert_reported(done.returncode, done.stdout, done.stderr)
    assert any(re.match(rf"^\S*kb/{re.escape(name)}:", line) for line in done.stdout.splitlines()), done.stdout


@pytest.mark.parametrize("en, message", [
    ("You can ask about: {place}.", "message 'topics' (en): unknown placeholder {place} (this message has: {topics})"),
    ("You can ask about: {topics", "message 'topics' (en) has an unmatched { or }"),
    ("About {topics} and {0}", "message 'topics' (en): unknown placeholder {0}"),
])
def test_message_templates_are_checked_against_their_placeholders(tmp_path, en, message):
    directory = write_base(tmp_path)
    (directory / "messages.yaml").write_text(MESSAGES.replace("You can ask about: {topics}.", en), encoding="utf-8")
    code, out, err = run_check(directory)
    assert code == 1 and re.match(rf"^\S*kb/messages.yaml:2: {re.escape(message)}", out), out


def test_literal_braces_in_a_template_are_fine(tmp_path):
    directory = write_base(tmp_path)
    (directory / "messages.yaml").write_text(MESSAGES.replace("{topics}.", "{topics} {{like this}}."),
                                             encoding="utf-8")
    assert run_check(directory)[:2] == (0, "")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noises=st.lists(noise, min_size=1, max_size=4))
def test_check_on_random_edits_never_tracebacks(noises):
    """Random text spliced into the files may or may not break them: either way `check`
    ends with exit 0 or 1, and whatever it prints is FILE:LINE lines."""
    with tempfile.TemporaryDirectory() as root:
        directory = write_base(Path(root))
        for name, cut, text in noises:
            path = directory / name
            old = path.read_text(encoding="utf-8")
            path.write_text(old[:cut] + text + old[cut:], encoding="utf-8")
        code, out, err = run_check(directory)
        assert code in (0, 1) and (code == 1) == any(": warning: " not in line for line in out.splitlines())
        assert all(PROBLEM_LINE.match(line) for line in out.splitlines()), out
        assert "Traceback" not in out + err and "internal error" not in err, err


def test_control_characters_from_a_file_are_escaped_in_the_report(tmp_path):
    directory = write_base(tmp_path)
    name, old, new = BREAKERS[-1]
    (directory / name).write_text(FILES[name].replace(old, new), encoding="utf-8")
    code, out, err = run_check(directory)
    assert code == 1 and "unknown key '\\x1b[2J\\x07 clear the screen'" in out, out


@pytest.mark.parametrize("name, content", [
    ("facts.yaml", ""),  # an emptied facts.yaml
    ("faq/20-travel.yaml", "? [a, b]\n: 1\n"),
    ("faq/20-travel.yaml", ALIAS_BOMB),
    ("faq/20-travel.yaml", "fifo"),
    ("facts.yaml", "x: " + "9" * 5000 + "\n"),
])
def test_a_live_reload_of_a_hostile_edit_keeps_the_served_base(tmp_path, name, content):
    """What once killed the knowledge watcher is now an ordinary broken edit: reload returns
    its FILE:LINE problems and the previous base goes on being served."""
    from bot.services.knowledge import LiveKnowledge

    directory = write_base(tmp_path)
    live = LiveKnowledge(directory)
    served = live.kb
    hostile_file(directory, name, content)
    problems = live.reload()
    assert problems and all(str(problem).startswith(f"kb/{name}:") for problem in problems), problems
    assert live.kb is served
