"""Formatting, splitting, keyboards and throttle arithmetic - plus a long answer end to end."""

from __future__ import annotations

import shutil

import pytest
import yaml

from bot.core import render_answer
from bot.localapi import parse_html
from bot.services.knowledge import LiveKnowledge
from bot.tg import replies
from bot.tg.replies import MAX_MESSAGE, Line, split_lines, utf16_len
from bot.tg.throttle import RecentAnswers, group_limiter_rates
from telegram_harness import IGNORE_PTB_WARNINGS, KNOWLEDGE, assert_clean, running_bot, shared_live

pytestmark = pytest.mark.filterwarnings(IGNORE_PTB_WARNINGS)


def test_split_keeps_every_line_and_each_part_is_valid_html_under_the_limit():
    lines = [Line("A <title> & more", "b")]
    lines += [Line(f"Line {n}: Chongqing & the US <trade> 重庆与美国 " + "x" * (n % 90)) for n in range(300)]
    lines += [Line(""), Line("Source: a brief <2014>", "i")]
    parts = split_lines(lines)
    assert len(parts) > 1
    texts = []
    for part in parts:
        text, entities = parse_html(part)  # raises on invalid HTML, as Telegram would
        assert utf16_len(text) <= MAX_MESSAGE
        texts.append(text)
    kept = [text for text in "\n".join(texts).split("\n") if text]
    assert kept == [line.text for line in lines if line.text]  # nothing lost, nothing reordered
    assert texts[0].startswith("A <title> & more") and texts[-1].endswith("Source: a brief <2014>")
    first_text, first_entities = parse_html(parts[0])
    assert first_entities[0]["type"] == "bold"


def test_split_counts_utf16_and_cuts_an_overlong_line_at_spaces():
    emoji_line = "🙂" * 3000  # 6000 UTF-16 units, no spaces: cut hard
    words = " ".join(["word"] * 2000)  # 9999 characters
    parts = split_lines([Line(emoji_line), Line(words, "i")])
    for part in parts:
        text, _ = parse_html(part)
        assert utf16_len(text) <= MAX_MESSAGE
    joined = [parse_html(p)[0] for p in parts]
    assert "".join(joined[:2]) == emoji_line
    assert all(not t.startswith(" ") and not t.endswith(" ") for t in joined)
    assert " ".join(joined[2:]).split() == words.split()  # words kept whole


def test_short_text_is_one_message():
    assert split_lines([Line("Hello", "b"), Line("world")]) == ["<b>Hello</b>\nworld"]
    assert split_lines([Line(""), Line("")]) == []


def test_every_keyboard_fits_telegrams_callback_data_limit():
    kb = shared_live().kb
    for lang in ("en", "zh"):
        keyboards = [replies.topics_keyboard(kb, lang), replies.examples_keyboard(kb, lang),
                     replies.language_keyboard(kb, lang, "auto")]
        keyboards += [replies.topic_keyboard(kb, topic.id, lang) for topic in kb.topics]
        for entry_id in kb.entries:
            answer = render_answer(kb, entry_id, lang)
            keyboards += [replies.related_keyboard(answer), replies.browsed_answer_keyboard(kb, answer)]
        for keyboard in filter(None, keyboards):
            for row in keyboard.inline_keyboard:
                for button in row:
                    assert 1 <= len(button.callback_data.encode()) <= 64
    with pytest.raises(ValueError):
        replies.callback("a", "en", "x" * 60)


def test_group_limiter_never_exceeds_the_window():
    for limit, window in ((20, 60.0), (20, 2.0), (3, 1.0), (2, 60.0)):
        burst, period = group_limiter_rates(limit, window)
        rate = burst / period
        assert burst >= 1 and burst + rate * window <= limit + 1e-9
    assert group_limiter_rates(0, 60) == (0, 0)


def test_recent_answers_merge_within_the_window():
    now = [0.0]
    recent = RecentAnswers(window=60, clock=lambda: now[0])
    assert recent.claim(-1, "gdp-2013", "en")
    assert not recent.claim(-1, "gdp-2013", "en")  # claimed, still being sent
    assert recent.claim(-1, "gdp-2013", "zh") and recent.claim(-2, "gdp-2013", "en")
    now[0] = 500.0
    assert not recent.claim(-1, "gdp-2013", "en")  # a send waiting in the rate limiter stays claimed
    recent.posted(-1, "gdp-2013", "en", message_id=7)
    now[0] = 559.0
    assert recent.is_recent(-1, "gdp-2013", "en") and not recent.claim(-1, "gdp-2013", "en")
    now[0] = 560.0
    assert recent.claim(-1, "gdp-2013", "en")
    recent.release(-1, "gdp-2013", "en")
    assert recent.claim(-1, "gdp-2013", "en")


@pytest.fixture
def long_answer_knowledge(tmp_path):
    """A copy of the knowledge with one answer made longer than a Telegram message."""
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, directory)
    for path in (directory / "faq").glob("*.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for entry in document["entries"]:
            if entry["id"] == "gdp-2013":
                paragraph = entry["answer"]["en"]
                entry["answer"]["en"] = "\n".join(f"{paragraph} ({n})" for n in range(120))
                path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
                return LiveKnowledge(directory)
    raise AssertionError("entry gdp-2013 not found")


async def test_long_answer_is_split_and_only_the_last_part_has_buttons(long_answer_knowledge):
    async with running_bot(live=long_answer_knowledge) as bot:
        alice = bot.api.add_user("Alice", language_code="en")
        chat = bot.api.private_chat(alice)
        answer = render_answer(bot.kb, "gdp-2013", "en")
        assert utf16_len(answer.plain) > MAX_MESSAGE
        question = bot.api.user_sends(alice, chat, "What was Chongqing's GDP?")
        expected = len(split_lines(replies.answer_lines(answer)))
        parts = await bot.reply_to(question, count=expected)
        assert len(parts) == expected >= 2
        assert [p.reply_markup is not None for p in parts] == [False] * (expected - 1) + [True]
        assert parts[0].text.startswith(answer.title) and parts[-1].text.endswith(answer.source)
        assert_clean(bot)
