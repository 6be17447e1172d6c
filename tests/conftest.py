"""Fixtures shared by every test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep projection caches out of the user's ~/.cache during tests."""
    monkeypatch.setenv("NBDATALENS_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "nbdl-cache"))
