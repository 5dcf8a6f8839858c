"""`faqbot ask` batches of hostile input (a seeded generator): every line gets exactly one
output line, an unreadable line gets {"error": ...}, and the output is strict JSON Lines."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIECES = ["gdp", "重庆", "exports to the US", "2013", "Chengdu", "?", "   ", "\t", "@cq_faq_bot", "/ask",
          "\u2028", "\u2029", "\u0085", "\u000b", "\u000c", "\u001c", "\u200b", "\ufeff", "\u202e", "\x00",
          "😀", "👍🏽", "e\u0301", "ｆｕｌｌ", "<b>", "&amp;", "\\", '"', "{}", "𝕏", "\U0010ffff", "ﷺ", "a" * 300]
BAD_BYTES = [b"\xff", b"\xfe\xff", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80", b"\xe2\x82", b"\xf4\x90\x80\x80"]


def fuzz_lines(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    lines = []
    for _ in range(count):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))
        raw = text.encode("utf-8")
        if rng.random() < 0.15:  # not UTF-8: a surrogate, an overlong form, a cut sequence ...
            at = rng.randint(0, len(raw))
            raw = raw[:at] + rng.choice(BAD_BYTES) + raw[at:]
        lines.append(raw.replace(b"\n", b" ").replace(b"\r", b" "))
    return lines


def is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def run_batch(lines: list[bytes], *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "ask", *flags], input=b"\n".join(lines) + b"\n",
                          capture_output=True, cwd=ROOT, timeout=120)


def test_fuzzed_batch_json_lines():
    lines = fuzz_lines(2014, 400)
    assert any(not is_utf8(raw) for raw in lines) and any(b"\xe2\x80\xa8" in raw for raw in lines)
    done = run_batch(lines, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    output = done.stdout.decode("utf-8")  # the output itself is valid UTF-8
    records = output.splitlines()  # splits at every Unicode line break, U+2028 and U+0085 included
    assert len(records) == len(lines)
    for raw, record in zip(lines, records, strict=True):
        data = json.loads(record)
        if is_utf8(raw):
            assert data["question"] == raw.decode("utf-8")
            assert isinstance(data["answered"], bool) and 0 <= data["score"] <= 100
        else:
            assert set(data) == {"error"} and "UTF-8" in data["error"]


def test_fuzzed_batch_plain_text():
    lines = fuzz_lines(1027, 200)
    done = run_batch(lines)
    assert done.returncode == 0, done.stderr[-2000:]
    records = done.stdout.decode("utf-8").split("\n")[:-1]
    assert len(records) == len(lines)
    for raw, record in zip(lines, records, strict=True):
        assert record.startswith("error: ") == (not is_utf8(raw))


def test_an_argument_that_is_not_utf8_gets_an_error():
    done = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", b"gdp \xff"], capture_output=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"error": "the question is not valid UTF-8"}
