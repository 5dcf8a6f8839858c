"""`faqbot report --html`: one self-contained page with charts, opened in headless Chromium
(Debian's, driven by Playwright) with the network cut off."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.core import load_knowledge
from bot.maintain.htmlreport import write_report
from bot.maintain.overview import from_store, headline
from bot.services.store import QuestionStore

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("FAQBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOT = Path(os.environ.get("FAQBOT_REPORT_SCREENSHOT", "/tmp/faqbot-report.png"))
NOW = datetime(2024, 6, 14, 18, tzinfo=timezone.utc)

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None


@pytest.fixture
def store(tmp_path) -> QuestionStore:
    """Ten days of a fair: answers every day, some declined and did-you-mean questions."""
    store = QuestionStore(tmp_path / "questions.sqlite3")
    for back in range(10):
        at = datetime(2024, 6, 14, 10, tzinfo=timezone.utc) - timedelta(days=back)
        for number in range(5 + back):
            store.count_answer(["exports-to-us-2013", "gdp-2013", "direct-flights"][number % 3],
                               "zh" if number % 4 == 0 else "en", "supergroup" if number % 2 else "private", at=at)
        if back % 2 == 0:
            store.add_unanswered("<b>wifi</b> password?", "en", "private", "declined", "low-confidence", None, 0, at=at)
            store.add_unanswered("重庆2019年的GDP是多少", "zh", "group", "declined", "other-year", "gdp-2013", 40,
                                 at=at)
        store.add_unanswered("trade", "en", "private", "ambiguous", "did-you-mean", "us-trade-2013", 50, at=at)
    return store


def test_the_figures_add_up(store):
    view = from_store(store, None, 30, NOW)
    assert view.outcomes == {"answered": sum(range(5, 15)), "did you mean": 10, "declined": 10}
    assert len(view.per_day) == 30  # every day of the period, the quiet ones too
    assert view.reasons == {"low-confidence": 5, "other-year": 5}
    assert view.groups[0].count == 10 and view.groups[0].example == "trade"
    lines = headline(view)
    assert lines[0] == "Questions in the last 30 days: 115"
    assert lines[1] == "answered 95 (83%) · did you mean 10 · declined 10"
    assert "http" not in "\n".join(lines)


def test_the_command_writes_the_page(store, tmp_path):
    page = tmp_path / "out" / "report.html"
    done = subprocess.run([sys.executable, "-m", "bot", "report", "--html", str(page), "--db", str(store.path),
                           "--days", "3650"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    assert "&lt;b&gt;wifi&lt;/b&gt;" in html and "<b>wifi" not in html
    for remote in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert remote not in html  # nothing to fetch: the page is all there is


def test_the_page_in_a_real_browser(store, tmp_path):
    if sync_playwright is None:
        pytest.skip("Playwright for Python is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed ({CHROMIUM})")
    page_file = tmp_path / "report.html"
    write_report(page_file, store, load_knowledge(ROOT / "knowledge"), 14, NOW)
    requested = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 960, "height": 900})
            page.route("**/*", lambda route: (requested.append(route.request.url),
                                              route.continue_() if route.request.url.startswith("file:")
                                              else route.abort()))
            errors = []
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.goto(page_file.as_uri())
            assert [h.inner_text() for h in page.locator("h2").all()] == [
                "Questions per day, by outcome", "Answers per entry", "Languages and chat types",
                "Why questions were declined", "Top unanswered questions (groups of similar wordings)"]
            assert page.locator("svg.chart").count() == 6
            charts = page.locator("svg.chart")
            # per day: one bar per outcome that day had (10 answered, 10 did you mean, 5 declined days x2 reasons)
            assert charts.nth(0).locator("rect").count() == 10 + 10 + 5
            box = charts.nth(0).bounding_box()
            assert box["width"] > 600 and box["height"] > 200  # drawn, at a readable size
            assert "exports-to-us-2013 — How much did Chongqing export to the US?" in charts.nth(1).text_content()
            assert "<b>wifi</b> password?" in page.inner_text("body")  # shown as typed, not as markup
            assert page.locator(".card b").first.inner_text() == "115"  # questions in the 14 days: 95 + 10 + 10
            assert requested == [page_file.as_uri()] and errors == []
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
