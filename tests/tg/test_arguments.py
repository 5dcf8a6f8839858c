"""Numbers from users and maintainers out of range, and a damaged question database: a clear
message, never an exception (issue 14, point 7)."""

from __future__ import annotations

import contextlib
import io
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.knowledge import LiveKnowledge
from bot.services.store import QuestionStore
from telegram_harness import IGNORE_PTB_WARNINGS, KNOWLEDGE, running_bot, scaled_settings

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
PROJECT = Path(__file__).resolve().parents[2]
ADMIN = 700001


@pytest.mark.parametrize("days", ["nan", "inf", "-inf", "1e9", "0", "-1", "many"])
def test_report_days_out_of_range_is_a_usage_error(tmp_path, monkeypatch, days):
    QuestionStore(tmp_path / "q.sqlite3")
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "q.sqlite3"))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_:
        main(["--knowledge", str(KNOWLEDGE), "report", f"--days={days}"])
    assert exit_.value.code == 2
    assert "argument --days" in err.getvalue() and "number of days" in err.getvalue()


def test_report_accepts_days_in_range(tmp_path, monkeypatch):
    QuestionStore(tmp_path / "q.sqlite3")
    monkeypatch.setenv("FAQBOT_DB", str(tmp_path / "q.sqlite3"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--knowledge", str(KNOWLEDGE), "report", "--days", "3650"]) == 0
    assert "Unanswered questions" in out.getvalue()


def damaged_databases(tmp_path: Path) -> list[Path]:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database\n" * 200)
    healthy = tmp_path / "healthy.sqlite3"
    store = QuestionStore(healthy)
    for number in range(300):
        store.add_unanswered(f"question {number} " + "x" * 200, "en", "private", "declined", "low", None, 0.0)
    with sqlite3.connect(healthy) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    broken = tmp_path / "broken.sqlite3"
    data = bytearray(healthy.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xa5" * (len(data) - page)  # every page after the first overwritten
    broken.write_bytes(bytes(data))
    return [garbage, broken]


def test_report_on_a_damaged_database(tmp_path):
    for path in damaged_databases(tmp_path):
        done = subprocess.run([sys.executable, "-m", "bot", "--knowledge", str(KNOWLEDGE), "report"],
                              capture_output=True, text=True, cwd=PROJECT, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "FAQBOT_DB": str(path)})
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith(f"faqbot report: cannot read the question database {path}: "), done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""


async def test_unanswered_arguments_out_of_range_get_the_usage(tmp_path):
    live = LiveKnowledge(KNOWLEDGE, store=QuestionStore(tmp_path / "q.sqlite3"))

    def settings(api):
        api.private_chat(api.add_user("Li", user_id=ADMIN, language_code="en"))
        return scaled_settings(api, admins=frozenset({ADMIN}))

    async with running_bot(live=live, settings=settings) as bot:
        try:
            chat = bot.api.private_chat(ADMIN)
            commands = ["/unanswered 10 1000000", "/unanswered 0", "/unanswered 10 abc", "/unanswered 1 2 3",
                        "/unanswered 99999999999999999999", "/unanswered ١٠", "/unanswered 5 3650"]
            for number, command in enumerate(commands):
                bot.api.user_sends(ADMIN, chat, command)
                reply = await bot.new_bot_message(chat, number)
                if command.endswith("3650"):
                    assert reply.text.startswith("Unanswered questions (last 3650 days)")
                else:
                    assert reply.text.startswith("Usage: /unanswered [TOP 1-50] [DAYS 1-3650]"), command
            assert bot.api.schema_violations == [] and bot.errors.messages == []

            # the database damaged under the running bot: the admin is told, nothing crashes
            (broken,) = [path for path in damaged_databases(tmp_path) if path.name == "broken.sqlite3"]
            for suffix in ("-wal", "-shm"):
                Path(f"{live.store.path}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(broken, live.store.path)
            bot.api.user_sends(ADMIN, chat, "/unanswered")
            reply = await bot.new_bot_message(chat, len(commands))
            assert reply.text.startswith("Cannot read the question database:")
            assert all(message.startswith("cannot read the question database") for message in bot.errors.messages)
        finally:
            await bot.app.post_shutdown(bot.app)
