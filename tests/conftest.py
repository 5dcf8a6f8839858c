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
