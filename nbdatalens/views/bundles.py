"""Paths of the built JS bundles, with a clear error when they were never built."""

from __future__ import annotations

import pathlib

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"


def bundle(name: str) -> pathlib.Path:
    """The path of ``nbdatalens/static/<name>``.

    The wheel ships the built files; a source checkout that lacks them gets
    told how to build them instead of a blank widget.
    """
    path = STATIC / name
    if not path.is_file():
        raise FileNotFoundError(
            f"nbdatalens' JavaScript bundle {path} is missing. Build it from a source checkout "
            "with: npm --prefix js ci && npm --prefix js run build"
        )
    return path
