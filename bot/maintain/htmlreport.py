"""`faqbot report --html FILE`: the report as one self-contained web page with charts.

The charts are inline SVG drawn here (bars only: a few dozen lines, nothing to download,
nothing to load from a network), so the page opens from a file, a mail attachment or a USB
stick. Every text from the database or the knowledge is HTML-escaped.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from ..core import KnowledgeBase
from ..services.store import QuestionStore, utc_now
from . import yamledit
from .overview import OUTCOMES, Overview, from_store

COLOURS = {"answered": "#2e7d32", "did you mean": "#f9a825", "declined": "#c62828"}
BAR = "#1565c0"
SHOWN = 15  # bars in a ranking chart


def _number(value: float) -> str:
    return f"{value:,.0f}"


def stacked_days(per_day: dict[str, Counter], width: int = 860, height: int = 260) -> str:
    """Questions per day, one bar per day, stacked by outcome."""
    if not per_day:
        return _empty(width)
    left, bottom, top = 44, 36, 12
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(sum(c.values()) for c in per_day.values()) or 1
    step = plot_w / len(per_day)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="questions per day by outcome">']
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
                     f'{_number(peak * fraction)}</text>')
    label_every = max(1, round(len(per_day) / 10))
    for index, (day, counts) in enumerate(per_day.items()):
        x, y = left + index * step, top + plot_h
        for outcome in OUTCOMES:
            h = plot_h * counts[outcome] / peak
            if h > 0:
                y -= h
                parts.append(f'<rect x="{x + step * 0.1:.1f}" y="{y:.1f}" width="{step * 0.8:.1f}" height="{h:.1f}" '
                             f'fill="{COLOURS[outcome]}">'
                             f'<title>{escape(day)}: {counts[outcome]} {outcome}</title></rect>')
        if index % label_every == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height - bottom + 16}" class="axis" '
                         f'text-anchor="middle">{escape(day[5:])}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{COLOURS[o]}"></i>{o}</span>' for o in OUTCOMES)
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def ranking(items: list[tuple[str, int]], width: int = 860, colour: str = BAR, label_width: int = 320) -> str:
    """Horizontal bars, largest first, with their labels and figures."""
    items = items[:SHOWN]
    if not items:
        return _empty(width)
    row, peak = 26, max(value for _, value in items) or 1
    height = row * len(items) + 6
    bar_space = width - label_width - 60
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for index, (label, value) in enumerate(items):
        y = 4 + index * row
        w = max(1.0, bar_space * value / peak)
        shown = label if len(label) <= 48 else label[:47] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{y + 16}" class="label" text-anchor="end">'
                     f'<title>{escape(label)}</title>{escape(shown)}</text>'
                     f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" rx="2" fill="{colour}"/>'
                     f'<text x="{label_width + w + 6:.1f}" y="{y + 16}" class="figure">{_number(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _empty(width: int) -> str:
    return f'<p class="empty" style="width:{width}px">Nothing recorded in this period.</p>'


STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC",
       "Microsoft YaHei", sans-serif; color: #1b1b1b; margin: 24px auto; max-width: 900px; padding: 0 16px; }
h1 { font-size: 1.6em; margin-bottom: 0; } .sub { color: #555; margin-top: 4px; }
h2 { font-size: 1.15em; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 18px 0; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.card b { display: block; font-size: 1.7em; } .card span { color: #555; }
.chart { max-width: 100%; height: auto; } .grid { stroke: #e3e3e3; }
.axis, .figure { font-size: 12px; fill: #555; } .label { font-size: 13px; fill: #1b1b1b; }
.legend { font-size: 13px; color: #333; margin-top: 4px; } .key { margin-right: 16px; }
.key i { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px; }
.pair { display: flex; gap: 24px; flex-wrap: wrap; } .pair > div { flex: 1; min-width: 280px; }
.empty { color: #777; font-style: italic; } footer { color: #777; font-size: 12px; margin-top: 32px; }
"""


def render(view: Overview, kb: KnowledgeBase | None, generated: datetime) -> str:
    period = "all kept days" if view.days is None else f"the last {view.days:g} days"
    outcomes = view.outcomes
    cards = "".join(f'<div class="card"><b>{value}</b><span>{escape(label)}</span></div>' for value, label in (
        (_number(view.questions), "questions"),
        (f"{view.share('answered'):.0f}%", f"answered ({_number(outcomes['answered'])})"),
        (_number(outcomes["did you mean"]), "did you mean"),
        (_number(outcomes["declined"]), "declined")))
    titles = {entry_id: entry.title("en") for entry_id, entry in kb.entries.items()} if kb is not None else {}
    entries = [(f"{entry_id} — {titles[entry_id]}" if entry_id in titles else entry_id, n)
               for entry_id, n in view.entries]
    groups = [(f"{group.example}" + (f"  (+{len(group.texts) - 1} wordings)" if len(group.texts) > 1 else ""),
               group.count) for group in view.groups]
    sections = [
        ("Questions per day, by outcome", stacked_days(view.per_day)),
        ("Answers per entry", ranking(entries, label_width=420)),
        ("Languages and chat types", '<div class="pair"><div>' + ranking(view.languages.most_common(), 420, BAR, 120)
         + "</div><div>" + ranking(view.chats.most_common(), 420, "#6a1b9a", 120) + "</div></div>"),
        ("Why questions were declined",
         ranking(view.reasons.most_common(), colour=COLOURS["declined"], label_width=220)),
        ("Top unanswered questions (groups of similar wordings)", ranking(groups, colour="#ef6c00", label_width=420)),
    ]
    body = "".join(f"<h2>{escape(title)}</h2>{chart}" for title, chart in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>FAQ bot report — {escape(period)}</title><style>{STYLE}</style></head><body>"
            f"<h1>FAQ bot report</h1><p class=\"sub\">Questions of {escape(period)}, as the bot recorded them "
            f"(who asked is never recorded).</p><div class=\"cards\">{cards}</div>{body}"
            f"<footer>Made by faqbot report --html on {generated:%Y-%m-%d %H:%M} UTC. Answered includes "
            f"low-confidence answers; groups are questions the bot declined or was unsure about.</footer>"
            f"</body></html>\n")


def write_report(path: Path, store: QuestionStore, kb: KnowledgeBase | None, days: float | None,
                 now: datetime | None = None) -> None:
    now = now or utc_now()
    view = from_store(store, kb, days, now)
    path.parent.mkdir(parents=True, exist_ok=True)
    yamledit.atomic_write(path, render(view, kb, now.astimezone(timezone.utc)))
