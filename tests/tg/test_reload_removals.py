"""A reload that would lose entries, facts or topics is refused unless ALLOW-REMOVALS says it
is meant; admins hear what disappeared; `check` warns against what the bot last loaded; an
emptied topic file is an error (issue 14, point 2). Live, through the real Telegram stack."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from pathlib import Path

import pytest

from bot.cli import main
from bot.core import ask
from bot.core.loss import ALLOW_MARKER, MANIFEST
from bot.services.knowledge import LiveKnowledge
from telegram_harness import IGNORE_PTB_WARNINGS, running_bot, scaled_settings

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)
ADMIN = 700001
EXTRA = """\
topic:
  id: extra
  name: {en: Extra, zh: 附加}
entries:
  - id: extra-entry
    questions:
      en: [Is there an extra question about llamas?]
      zh: [有关于羊驼的问题吗？]
    answer: {en: "Llamas are extra.", zh: "羊驼是附加的。"}
"""


def save(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def check(directory: Path, *flags: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--knowledge", str(directory), "check", *flags])
    return code, out.getvalue()


@pytest.fixture
def knowledge(knowledge_copy) -> Path:
    (knowledge_copy / "faq" / "90-extra.yaml").write_text(EXTRA, encoding="utf-8")
    return knowledge_copy


def admin_settings(api):
    api.private_chat(api.add_user("Li", user_id=ADMIN, language_code="en"))
    return scaled_settings(api, admins=frozenset({ADMIN}), watch_knowledge=True, reload_debounce=0.05)


async def test_an_edit_that_removes_knowledge_needs_the_marker(knowledge):
    live = LiveKnowledge(knowledge, remember=True)
    assert (knowledge / MANIFEST).is_file()
    async with running_bot(live=live, settings=admin_settings) as bot:
        try:
            admin_chat = bot.api.private_chat(ADMIN)
            await asyncio.sleep(0.3)  # the watcher is set up
            served = live.kb

            # a topic file emptied (cut to its comments): refused as an error, by file and line
            economy = knowledge / "faq" / "30-economy.yaml"
            original = economy.read_text(encoding="utf-8")
            save(economy, "# nothing here any more\n")
            notice = await bot.new_bot_message(admin_chat, 0, timeout=15)
            assert notice.text.startswith("Knowledge not reloaded")
            assert "knowledge/faq/30-economy.yaml:1: file is empty" in notice.text
            assert live.kb is served
            alice = bot.api.add_user("Alice", language_code="en")
            chat = bot.api.private_chat(alice)
            (answer,) = await bot.reply_to(bot.api.user_sends(alice, chat, "What was Chongqing's GDP in 2013?"))
            assert answer.text.startswith(served.entries["gdp-2013"].title("en"))
            save(economy, original)
            assert (await bot.new_bot_message(admin_chat, 1, timeout=15)).text.startswith("Knowledge reloaded.")

            # a whole topic file deleted: valid, but it loses an entry and a topic
            (knowledge / "faq" / "90-extra.yaml").unlink()
            code, out = check(knowledge)
            assert code == 0 and "knowledge/faq/90-extra.yaml:1: warning: removes entry 'extra-entry', " \
                                 "topic 'extra'; the running bot had it and will refuse" in out
            assert check(knowledge, "--strict")[0] == 1
            refused = await bot.new_bot_message(admin_chat, 2, timeout=15)
            assert refused.text.startswith("Knowledge not reloaded")
            assert "knowledge/faq/90-extra.yaml:1: removes entry 'extra-entry', topic 'extra'; not reloaded" \
                in refused.text and ALLOW_MARKER in refused.text
            assert "extra-entry" in live.kb.entries
            assert ask(live.kb, "Is there an extra question about llamas?").match.entry_id == "extra-entry"

            # with the marker, the next save goes through; admins are told what went; the marker is used up
            (knowledge / ALLOW_MARKER).touch()
            assert "it will accept this" in check(knowledge)[1]
            facts = knowledge / "facts.yaml"
            save(facts, facts.read_text(encoding="utf-8"))
            accepted = await bot.new_bot_message(admin_chat, 3, timeout=15)
            assert accepted.text.startswith("Knowledge reloaded.")
            assert "Removed: 1 entry (extra-entry), 1 topic (extra)." in accepted.text
            assert "extra-entry" not in live.kb.entries and not (knowledge / ALLOW_MARKER).exists()
            assert check(knowledge, "--strict") == (0, "")  # the manifest follows the served base
            assert bot.api.schema_violations == []
        finally:
            await bot.app.post_shutdown(bot.app)


def test_a_restart_with_less_knowledge_is_logged(knowledge, caplog):
    LiveKnowledge(knowledge, remember=True)
    (knowledge / "faq" / "90-extra.yaml").unlink()
    live = LiveKnowledge(knowledge, remember=True)
    assert live.last_loss and live.last_loss.summary() == "1 entry (extra-entry), 1 topic (extra)"
    assert any("lost 1 entry (extra-entry)" in record.getMessage() for record in caplog.records)


def test_references_to_missing_entries_are_errors(knowledge):
    settings = knowledge / "settings.yaml"
    save(settings, settings.read_text(encoding="utf-8").replace("start_examples: [", "start_examples: [gone-entry, "))
    path = knowledge / "faq" / "90-extra.yaml"
    save(path, EXTRA + "    related: [also-gone]\n")
    code, out = check(knowledge)
    assert code == 1
    assert "'start_examples' names unknown id 'gone-entry'" in out
    related_line = 1 + path.read_text(encoding="utf-8").splitlines().index("    related: [also-gone]")
    where = f"knowledge/faq/90-extra.yaml:{related_line}"
    assert f"{where}: entry 'extra-entry': related entry 'also-gone' does not exist" in out
