"""Progress bars for long work run from plain Python (scripts, a terminal, a notebook cell).

The views show their own progress (the Issues view's states, the cluster map's
status); this is for the calls a user waits on: ``lens.find_issues()``, a UMAP
fit through :func:`nbdatalens.projection.project`, exports that encode many
thumbnails or clips. tqdm (already installed with umap-learn) draws them:
``tqdm.auto`` gives a text bar in a terminal and a widget bar in a notebook.

A bar appears only when the work takes longer than :data:`DELAY` seconds, so
quick calls stay silent. ``progress=False`` on a call, or the environment
variable ``NBDATALENS_PROGRESS=0``, turns bars off; ``NBDATALENS_PROGRESS=1``
shows them at once (no delay).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

#: Seconds of work before a bar is drawn.
DELAY = 1.0
ENV = "NBDATALENS_PROGRESS"


def _setting() -> str:
    return os.environ.get(ENV, "").strip().lower()


def enabled(progress: bool | None) -> bool:
    """Whether a call given ``progress`` (None = the default) draws a bar."""
    if progress is not None:
        return bool(progress)
    return _setting() not in {"0", "false", "no", "off"}


def tqdm_options(progress: bool | None, desc: str, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for a tqdm bar (also umap-learn's ``tqdm_kwds``)."""
    at_once = _setting() in {"1", "true", "yes", "on"}
    return {
        "desc": desc,
        "disable": not enabled(progress),
        "delay": 0.0 if at_once else DELAY,
        "mininterval": 0.0 if at_once else 0.1,
        "leave": False,
        "dynamic_ncols": True,
        **extra,
    }


def bar(total: int, desc: str, *, progress: bool | None = None, unit: str = "it") -> Any:
    """A tqdm bar of ``total`` steps (use as a context manager; ``.update()`` per step)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, **tqdm_options(progress, desc))


def track(
    items: Iterable[T], total: int, desc: str, *, progress: bool | None = None, unit: str = "it"
) -> Iterator[T]:
    """Yield ``items`` while a bar counts them."""
    with bar(total, desc, progress=progress, unit=unit) as b:
        for item in items:
            yield item
            b.update(1)
