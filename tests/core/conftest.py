"""Fixtures shared by the core's tests."""

from __future__ import annotations

import pytest

from bot import indexcache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache directory of the test's own (the index cache and the parsed-file cache)."""
    where = tmp_path / "cache"
    monkeypatch.setenv(indexcache.CACHE_ENV, str(where))
    return where
