import re
import shutil
from pathlib import Path

import pytest

from bot.core import load_knowledge

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(scope="session")
def kb():
    return load_knowledge(KNOWLEDGE)


@pytest.fixture
def knowledge_copy(tmp_path) -> Path:
    """A private copy of the bundled knowledge directory, safe to break."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture
def twin_knowledge(knowledge_copy) -> Path:
    """The bundled knowledge plus 'exports-twin', asked exactly like 'exports-to-us-2013',
    and settings under which questions about exports to the US get a "did you mean"."""
    path = knowledge_copy / "faq" / "40-us-trade.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("  - id: exports-to-us-2013"), text.index("  - id: imports-from-us-2013")
    twin = text[start:end].replace("id: exports-to-us-2013", "id: exports-twin")
    twin = re.sub(r"    examples:\n(      - .*\n)+", "", twin)
    path.write_text(text[:end] + twin + text[end:], encoding="utf-8")
    # Any two candidates over a low threshold are "close": the test does not depend on
    # how the learnt weights happen to split two identical entries.
    settings = knowledge_copy / "settings.yaml"
    text = re.sub(r"^threshold: .*$", "threshold: 1", settings.read_text(encoding="utf-8"), flags=re.M)
    settings.write_text(re.sub(r"^margin: .*$", "margin: 1.0", text, flags=re.M), encoding="utf-8")
    return knowledge_copy


# Each folder is a marker (registered in pyproject.toml): `pytest -m core` runs the fast tests
# that need neither python-telegram-bot's stack, nor the local Bot API server, nor a browser.
LAYER_MARKERS = ("core", "tg", "localapi", "browser")


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).resolve().parent
    for item in items:
        folder = item.path.resolve().relative_to(tests).parts[0]
        if folder in LAYER_MARKERS:
            item.add_marker(folder)
