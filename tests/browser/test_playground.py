"""`faqbot playground`: the page in headless Chromium, against the real bot and LocalBotApi.

The playground runs as `python -m bot playground --port 0` (a subprocess, as a person starts
it); the browser is Debian's chromium driven by Playwright (never `playwright install`: the
test machines reach package registries only). Without either, the tests skip.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.core import AMBIGUOUS, ask, load_knowledge, render_answer
from bot.core.explain import explain
from bot.core.render import fact_value
from bot.playground.server import BOT_USERNAME, GROUP_TITLE
from telegram_harness import AMBIGUOUS_CANDIDATES

PROJECT = Path(__file__).resolve().parents[2]
KNOWLEDGE = PROJECT / "knowledge"
CHROMIUM = os.environ.get("FAQBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = Path(os.environ.get("FAQBOT_SCREENSHOT", "/tmp/playground.png"))
WAIT = 10_000  # ms: the bot answers in well under a second; rate limits may add one or two
ALICE, WANG, MICHAEL, LI = range(4)  # indexes into server.PEOPLE, as the "You are" selector lists them

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the browser tests skip; the others still run
    expect = sync_playwright = None


# --------------------------------------------------------------------------- the playground
@contextmanager
def playground(knowledge: Path, db: Path | str = "off"):
    """`faqbot playground --port 0` in a subprocess; yields the page's URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FAQBOT_"))}
    process = subprocess.Popen([sys.executable, "-m", "bot", "playground", "--port", "0", "--knowledge",
                                str(knowledge), "--db", str(db)], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        url = _announced_url(process)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, errors = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, errors
    assert "Traceback" not in errors, errors


def _announced_url(process: subprocess.Popen, timeout: float = 30) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if selector.select(timeout=deadline - time.monotonic()):
                line = process.stdout.readline()
                if not line:
                    break
                if found := re.search(r"faqbot playground: (http://\S+)", line):
                    return found.group(1)
    process.kill()
    raise AssertionError(f"the playground did not start: {process.stderr.read()}")


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    """The module's playground records its questions here."""
    return tmp_path_factory.mktemp("playground") / "questions.sqlite3"


@pytest.fixture(scope="module")
def url(database):
    with playground(KNOWLEDGE, database) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    if sync_playwright is None:
        pytest.skip("Playwright for Python is not installed (pip install playwright; the browser is Debian's chromium)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed ({CHROMIUM}): apt-get install chromium chromium-driver")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, url):
    """A fresh tab on the page, 1280x800; fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(url)
    expect(tab.locator("body[data-ready=true]")).to_have_count(1, timeout=WAIT)
    yield tab
    context.close()
    assert errors == []


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(KNOWLEDGE)


# --------------------------------------------------------------------------- acting on the page
def be(page, person: int) -> None:
    page.select_option("#who", index=person)


def open_chat(page, view: str) -> None:
    page.click(f".chat-item[data-view={view}]")


def send(page, text: str) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")
    expect(page.locator("#input")).to_have_value("")


def bot_messages(page):
    return page.locator(".msg.bot")


def next_bot_message(page, before: int):
    """Wait for the bot's next message in the open chat (it had sent `before` there)."""
    expect(bot_messages(page)).to_have_count(before + 1, timeout=WAIT)
    return bot_messages(page).nth(before)


# --------------------------------------------------------------------------- tests
def test_private_question_is_answered_with_its_figure_formatted_as_telegram_shows_it(page, kb):
    be(page, ALICE)
    open_chat(page, "private")
    send(page, "How much did Chongqing export to the US?")
    answer = next_bot_message(page, 0)
    expected = render_answer(kb, "exports-to-us-2013", "en")
    expect(answer).to_contain_text(fact_value(kb.facts["us_exports_2013"], "en"))  # USD 9.07 billion
    expect(answer.locator(".text strong").first).to_have_text(expected.title)  # <b> from the entities
    expect(answer.locator(".text em").first).to_contain_text("Source:")
    expect(answer.locator(".quote")).to_contain_text("How much did Chongqing export to the US?")  # a reply
    related = [f"a:en:{entry_id}" for entry_id, _ in expected.related[:3]]
    assert answer.locator(".kb-button").evaluate_all("bs => bs.map(b => b.dataset.callback)") == related

    # What people type is text, never markup.
    send(page, "<b>GDP</b> & <img src=x onerror=alert(1)>")
    mine = page.locator(".msg.out").last
    expect(mine.locator(".text")).to_have_text("<b>GDP</b> & <img src=x onerror=alert(1)>")
    assert mine.locator(".text b, .text img").count() == 0
    next_bot_message(page, 1)
    page.screenshot(path=str(SCREENSHOT))


def test_buttons_did_you_mean_topics_and_related(page, kb):
    be(page, MICHAEL)
    open_chat(page, "private")
    question = next(q for q in AMBIGUOUS_CANDIDATES if ask(kb, q, lang="en").match.status == AMBIGUOUS)
    reply = ask(kb, question, lang="en")
    send(page, question)
    options = next_bot_message(page, 0)
    message_id = options.get_attribute("data-mid")
    first_id, first_title = reply.options[0]
    options.locator(".kb-button", has_text=first_title).first.click()
    # "Did you mean": the same message becomes the answer, in place, marked edited.
    edited = page.locator(f".msg.bot[data-mid='{message_id}']")
    expect(edited.locator(".text strong").first).to_have_text(render_answer(kb, first_id, "en").title,
                                                              timeout=WAIT)
    expect(edited.locator(".edited")).to_have_count(1)
    expect(bot_messages(page)).to_have_count(1)

    # A related question: its answer as a new message.
    related_id, related_title = render_answer(kb, first_id, "en").related[0]
    edited.locator(".kb-button", has_text=related_title).first.click()
    expect(next_bot_message(page, 1).locator(".text strong").first).to_have_text(
        render_answer(kb, related_id, "en").title)

    # /topics, from the command menu the bot set: a topic's questions replace the list, in place.
    page.click("#menu")
    page.locator(".command-item", has_text="/topics").click()
    browser_message = next_bot_message(page, 2)
    topic = kb.topics[0]
    browser_message.locator(".kb-button", has_text=topic.name.get("en")).click()
    expect(browser_message.locator(".text strong").first).to_have_text(topic.name.get("en"), timeout=WAIT)
    expect(bot_messages(page)).to_have_count(3)


def test_group_privacy_ask_replies_and_toasts(page, kb):
    be(page, WANG)
    open_chat(page, "group")
    expect(page.locator("#chat-name")).to_have_text(GROUP_TITLE)
    before = bot_messages(page).count()

    # Not addressed to the bot: privacy mode keeps it from the bot, and the page says so.
    send(page, "重庆的GDP是多少？")
    unaddressed = page.locator(".msg.out").last
    expect(unaddressed.locator(".unseen-note")).to_have_count(1)

    send(page, "/ask 重庆对美国出口多少？")
    answer = next_bot_message(page, before)  # the first reply is to /ask, not to the other message
    expect(answer.locator(".quote")).to_contain_text("/ask 重庆对美国出口多少？")
    expect(answer).to_contain_text(fact_value(kb.facts["us_exports_2013"], "zh"))  # in Chinese
    expect(page.locator(".msg.out").last.locator(".unseen-note")).to_have_count(0)
    page.wait_for_timeout(500)
    expect(bot_messages(page)).to_have_count(before + 1)  # still nothing for the unaddressed one

    # Reply to the bot's message (the "reply" action): that reaches the bot.
    answer.hover()
    answer.locator(".reply-button").click()
    expect(page.locator("#reply-bar")).to_be_visible()
    send(page, "美国公司在重庆投资了多少？")
    threaded = page.locator(".msg.out").last
    expect(threaded.locator(".quote")).to_contain_text(answer.locator(".text strong").first.inner_text())
    expect(threaded.locator(".unseen-note")).to_have_count(0)
    followup = next_bot_message(page, before + 1)

    # A related question already answered in the group: the presser gets a toast instead.
    button = followup.locator(".kb-button").first
    button.click()
    next_bot_message(page, before + 2)
    button.click()
    expect(page.locator(".toast")).not_to_have_count(0, timeout=WAIT)
    expect(bot_messages(page)).to_have_count(before + 3)


def test_inline_mode_lists_results_and_posts_via_the_bot(page, kb):
    be(page, LI)
    open_chat(page, "group")
    mine_before = page.locator(".msg.out").count()
    page.fill("#input", f"@{BOT_USERNAME} 重庆GDP")
    page.dispatch_event("#input", "input")
    results = page.locator(".inline-result")
    expect(results.first).to_be_visible(timeout=WAIT)
    title = results.first.locator("strong").inner_text()
    results.first.click()
    expect(page.locator(".msg.out")).to_have_count(mine_before + 1, timeout=WAIT)
    posted = page.locator(".msg.out").last
    expect(posted.locator(".via")).to_have_text(f"via @{BOT_USERNAME}")
    expect(posted.locator(".text strong").first).to_have_text(title)
    expect(page.locator("#inline-results")).to_be_hidden()


def test_phone_width_shows_one_pane_at_a_time(browser, url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.goto(url)
    expect(tab.locator("body[data-ready=true]")).to_have_count(1, timeout=WAIT)
    expect(tab.locator(".chat")).to_be_hidden()
    tab.click(".chat-item[data-view=group]")
    expect(tab.locator("#input")).to_be_visible()
    expect(tab.locator(".sidebar")).to_be_hidden()
    tab.click("#back")
    expect(tab.locator(".chat-item[data-view=private]")).to_be_visible()
    context.close()


def test_a_phone_375_px_wide_fits_the_chat_list_and_the_chat(browser, url):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.goto(url)
    expect(tab.locator("body[data-ready=true]")).to_have_count(1, timeout=WAIT)
    tab.locator("#who").select_option(index=WANG)
    tab.click(".chat-item[data-view=group]")
    before = bot_messages(tab).count()
    send(tab, "/ask How much did Chongqing export to the US, and what about imports and the surplus in 2013?")
    next_bot_message(tab, before)  # the chat list's preview of the group is now a long line
    tab.click("#back")
    for selector in (".sidebar", "#who", ".chat-item[data-view=private]", ".chat-item-preview >> nth=0"):
        box = tab.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, (selector, box)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 375
    tab.click(".chat-item[data-view=group]")
    for selector in (".chat", "#input", "#send", "#chat-status"):
        box = tab.locator(selector).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 375, (selector, box)
    assert tab.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_follow_ups_are_read_in_context(page, kb):
    be(page, WANG)
    open_chat(page, "private")
    before = bot_messages(page).count()
    send(page, "重庆对美国出口多少？")
    next_bot_message(page, before)
    send(page, "那进口呢？")  # the same conversation: Chongqing's imports from the US
    answer = next_bot_message(page, before + 1)
    expect(answer).to_contain_text("2013年自美进口：" + fact_value(kb.facts["us_imports_2013"], "zh"))


def test_why_shows_what_explain_shows(page, kb):
    be(page, MICHAEL)
    open_chat(page, "private")
    before = bot_messages(page).count()
    send(page, "What was Chongqing's GDP in 2019?")
    answer = next_bot_message(page, before)
    answer.locator(".why-button").click()
    why = answer.locator(".why")
    expect(why).to_be_visible(timeout=WAIT)
    expected = explain(kb, "What was Chongqing's GDP in 2019?")
    expect(why).to_contain_text(f"threshold {expected['settings']['threshold']:g}")
    expect(why).to_contain_text(expected["candidates"][0]["id"])
    expect(why).to_contain_text(f"Scope guard: {expected['guard']['note']}")
    expect(why).to_contain_text(expected["decision"]["status"])
    answer.locator(".why-button").click()
    expect(why).to_be_hidden()


def test_privacy_switch_lets_the_bot_see_mentions(page, kb):
    be(page, ALICE)
    open_chat(page, "group")
    switch = page.locator("#privacy-mode")
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(page.locator("#chat-status")).to_contain_text("privacy mode off")
    try:
        before = bot_messages(page).count()
        # a question no other test asks in the group: a repeat within a minute would be merged
        send(page, f"@{BOT_USERNAME} How many US-funded enterprises has Chongqing approved?")
        expect(next_bot_message(page, before)).to_contain_text(fact_value(kb.facts["us_funded_enterprises"], "en"))
        send(page, "/autoanswer on")
        enabled = next_bot_message(page, before + 1)
        expect(enabled).to_contain_text("Auto answer is on")
        expect(enabled).not_to_contain_text("/setprivacy")  # the bot knows it can see the group now
        send(page, "/autoanswer off")
        next_bot_message(page, before + 2)
    finally:
        switch.check()
    expect(page.locator("#chat-status")).to_contain_text("privacy mode on")
    send(page, f"@{BOT_USERNAME} gdp")
    expect(page.locator(".msg.out").last.locator(".unseen-note")).to_have_count(1)


def test_questions_asked_on_the_page_show_in_the_report(page, database):
    be(page, LI)
    open_chat(page, "private")
    before = bot_messages(page).count()
    send(page, "Where can I park my car at the fair?")
    next_bot_message(page, before)
    page.wait_for_timeout(500)  # the store writes off the event loop
    report = subprocess.run([sys.executable, "-m", "bot", "report", "--db", str(database)], capture_output=True,
                            text=True, cwd=PROJECT, timeout=60)
    assert report.returncode == 0, report.stderr
    assert "Where can I park my car at the fair?" in report.stdout


def test_only_the_page_itself_may_drive_the_playground(url):
    request = urllib.request.Request(url + "_local/send", method="POST", data=json.dumps({}).encode(),
                                     headers={"Origin": "https://evil.example", "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403
    port = url.split(":")[-1]
    rebound = urllib.request.Request(url + "_playground/session", headers={"Host": f"evil.example:{port}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound, timeout=5)
    assert refused.value.code == 403
    with urllib.request.urlopen(url, timeout=5) as response:
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_knowledge_edit_changes_the_answer_live(browser, tmp_path):
    from bot.services.knowledge import LiveKnowledge

    if not hasattr(LiveKnowledge, "watch"):
        pytest.skip("LiveKnowledge cannot watch its directory yet (live reload is being built)")
    pytest.importorskip("watchfiles", reason="live reload needs watchfiles")
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    facts = knowledge / "facts.yaml"
    with playground(knowledge) as address:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        tab = context.new_page()
        tab.goto(address)
        expect(tab.locator("body[data-ready=true]")).to_have_count(1, timeout=WAIT)
        expect(tab.locator("#notice")).to_contain_text("edits show up live")
        send(tab, "How much did Chongqing export to the US?")
        expect(next_bot_message(tab, 0)).to_contain_text("9.07 billion")

        source = facts.read_text(encoding="utf-8")
        edited = re.sub(r"(- id: us_exports_2013\n(?:.*\n)*?\s+value: )9\.07 billion", r"\g<1>9.31 billion", source)
        assert edited != source
        facts.write_text(edited, encoding="utf-8")
        expect(tab.locator("#notice")).to_contain_text("Knowledge reloaded", timeout=WAIT)

        send(tab, "How much did Chongqing export to the US?")
        expect(next_bot_message(tab, 1)).to_contain_text("9.31 billion")

        # A broken edit: the notice says so (and the bot tells its admin, Alice, in private,
        # where bot.tg.admin does that), while the last good version keeps answering.
        facts.write_text(edited.replace("- id: us_exports_2013", "- id: us_exports_2013\n    value: [", 1),
                         encoding="utf-8")
        expect(tab.locator("#notice")).to_contain_text("not loaded", timeout=WAIT)
        expect(tab.locator("#notice-problems li").first).to_contain_text("facts.yaml:")
        tab.wait_for_timeout(300)
        before = bot_messages(tab).count()
        send(tab, "How much did Chongqing export to the US?")
        expect(next_bot_message(tab, before)).to_contain_text("9.31 billion")
        context.close()


def test_run_without_a_token_offers_the_playground():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FAQBOT_"))}
    done = subprocess.run([sys.executable, "-m", "bot", "run", "--knowledge", str(KNOWLEDGE)],
                          capture_output=True, text=True, env=env, cwd=PROJECT, timeout=60)
    assert done.returncode == 2
    assert "@BotFather" in done.stderr and "faqbot playground" in done.stderr
