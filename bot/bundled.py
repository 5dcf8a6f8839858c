"""Where the knowledge base shipped with the package lives, and copying it out (`faqbot init`).

A wheel installs the project's `knowledge/` directory as `bot/bundled_knowledge/` (see
pyproject.toml: one source, mapped into the package at build time). Run from a source tree
(`python -m bot`, an editable install) there is no such directory, and the tree's own
`knowledge/` is the bundled base.
"""

from __future__ import annotations

import os
import shutil
from importlib import resources
from pathlib import Path

DISTRIBUTION = "chongqing-faqbot"
SOURCE_TREE_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


def bundled_knowledge() -> Path:
    """The knowledge directory shipped with the package."""
    packaged = resources.files("bot").joinpath("bundled_knowledge")
    if packaged.is_dir():
        return Path(str(packaged))  # a wheel unpacks to real files, so this is a plain path
    return SOURCE_TREE_KNOWLEDGE


def default_knowledge() -> Path:
    """`$FAQBOT_KNOWLEDGE` if set, else the bundled base (`--knowledge DIR` comes first)."""
    configured = os.environ.get("FAQBOT_KNOWLEDGE")
    return Path(configured) if configured else bundled_knowledge()


def version() -> str:
    from importlib import metadata  # here, not above: importing it costs a cold `faqbot ask` a tenth of its time

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


class InitError(Exception):
    """The target of `faqbot init` cannot take the copy."""


def copy_knowledge(target: Path, source: Path | None = None) -> list[Path]:
    """Copy the bundled knowledge base into `target` (new or empty); the files written."""
    source = source or bundled_knowledge()
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} is a file, not a directory")
    if target.is_dir() and any(target.iterdir()):
        raise InitError(f"{target} is not empty; choose a new or empty directory (nothing was overwritten)")
    files = sorted(path for path in source.rglob("*.yaml") if path.is_file())
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return [target / path.relative_to(source) for path in files]
