"""``lens.to_html(path)``: one self-contained HTML file of the linked views, for people
without a kernel.

The same widgets ``lens.show()`` builds are serialized with ipywidgets' own
``get_state`` (binary values split off by ``_remove_buffers`` and carried as
base64) and embedded in the page as JSON, with the one ``report.js`` bundle
(every view's render function and a small in-page host: fake widget models and
a responder) and ``report.css`` inlined. Nothing is fetched: no CDN, no kernel,
no network.

The views ask the table model for lazy data with the same messages as in a
notebook; the responder answers them from replies computed at export by the
real request handlers (the bytes the kernel would send): thumbnails, rows,
clips and per-epoch histories of a **bounded media set** (the current
selection, the most severe samples of each issue check, the saved selections
and the gallery's random sample, at most ``max_media``), every colour-by
column, and every epoch's predictions. A tile outside the media set says "not
in this report". Tags, corrections and saved selections are shown, never edited.
See docs/notes/report.md.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import os
import pathlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from ipywidgets.widgets.widget import _remove_buffers

from .bundles import bundle

if TYPE_CHECKING:
    import ipywidgets

    from ..issue_report import IssueReport
    from .table_model import TableModel

#: The tile text of a sample whose media was left out of the report (also in report.ts).
NOT_IN_REPORT = "not in this report"
#: Most bytes of colour-by columns embedded (columns past it are "not in this report").
MAX_COLUMN_BYTES = 64 * 2**20
#: Most bytes of per-epoch predictions embedded (the epoch slider needs one column each).
MAX_EPOCH_BYTES = 64 * 2**20


def _b64(data: Any) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def widget_state(widget: ipywidgets.Widget) -> dict[str, Any]:
    """One widget's state as the page gets it: JSON values plus ``buffers`` =
    ``[[path, base64], ...]`` (ipywidgets' own serialization, the kernel's bytes)."""
    state, buffer_paths, buffers = _remove_buffers(widget.get_state())
    return {
        "model_name": widget._model_name,
        "state": state,
        "buffers": [[path, _b64(buf)] for path, buf in zip(buffer_paths, buffers, strict=True)],
    }


def _reply(model: TableModel, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    """The real handler's reply to one message, buffers as base64."""
    reply, buffers = model._handlers[kind](content)
    return {"reply": {**reply, "type": kind}, "buffers": [_b64(b) for b in buffers or []]}


# ------------------------------------------------------------------ media set
def _mulberry32(seed: int):
    """The gallery's seeded PRNG (js/src/lib/random.ts), so the report knows its sample."""
    state = seed & 0xFFFFFFFF

    def imul(a: int, b: int) -> int:
        return (a * b) & 0xFFFFFFFF

    def next_float() -> float:
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    return next_float


def random_sample(n: int, k: int, seed: int) -> list[int]:
    """The gallery's random sample with nothing selected (``randomSample`` in gallery/order.ts)."""
    take = max(0, min(int(k), n))
    random = _mulberry32(seed)
    chosen: dict[int, None] = {}
    for j in range(n - take, n):
        t = int(random() * (j + 1))
        chosen[j if t in chosen else t] = None
    return sorted(chosen)


def _by_loss(table: Any, positions: np.ndarray) -> np.ndarray:
    """Positions ordered as the gallery's default sort shows them (highest loss first)."""
    positions = np.asarray(positions, dtype=np.int64)
    loss = table.derived["loss"].to_numpy(dtype=np.float64)[positions]
    return positions[np.argsort(-np.nan_to_num(loss, nan=-np.inf), kind="stable")]


def media_set(
    table: Any,
    report: IssueReport,
    saved: dict[str, np.ndarray],
    *,
    max_media: int,
    per_issue: int,
    sample: Sequence[int] = (),
) -> list[int]:
    """The row positions whose media the report carries, in priority order: the current
    selection (highest loss first), the ``per_issue`` most severe samples of each finished
    check, each saved selection (highest loss first), then the gallery's random sample;
    at most ``max_media``."""
    chosen: dict[int, None] = {}

    def add(positions: Any) -> None:
        for p in np.asarray(positions, dtype=np.int64).tolist():
            if len(chosen) >= max_media:
                return
            chosen.setdefault(int(p), None)

    add(_by_loss(table, table.selection))
    for state in report.view_state():
        if state["state"] == "done":
            add(report.ranked_positions(state["issue_type"])[:per_issue])
    for positions in saved.values():
        add(_by_loss(table, positions))
    add(sample)
    return list(chosen)


# ------------------------------------------------------------------- the page
def _issue_summary(report: IssueReport) -> list[dict[str, Any]]:
    return [
        {"label": t["label"], "count": int(t["num_issues"]), "share": float(t["share"])}
        for t in report.view_state()
        if t["state"] == "done" and t["num_issues"] > 0
    ]


def _script_safe(text: str) -> str:
    """Text that cannot end the ``<script>`` element it sits in."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def build_report(
    model: TableModel,
    views: Sequence[ipywidgets.Widget],
    gallery: ipywidgets.Widget,
    report: IssueReport,
    saved: dict[str, np.ndarray],
    *,
    max_media: int = 500,
    per_issue: int = 24,
    title: str | None = None,
) -> tuple[str, int]:
    """The report's HTML and how many samples carry media in it."""
    if not isinstance(max_media, int) or max_media < 0:
        raise ValueError(f"max_media must be a whole number >= 0, got {max_media!r}")
    if not isinstance(per_issue, int) or per_issue < 0:
        raise ValueError(f"per_issue must be a whole number >= 0, got {per_issue!r}")
    table = model.table
    n = table.n
    # Read-only: the gallery's detail panel cannot ask the kernel for neighbours.
    gallery._can_find_similar = False
    sample = random_sample(n, gallery.sample_size, gallery.sample_seed)
    positions = media_set(
        table, report, saved, max_media=max_media, per_issue=per_issue, sample=sample
    )
    size = int(gallery.tile_size)

    thumbs: dict[str, Any] = {}
    rows: dict[str, Any] = {}
    audio: dict[str, Any] = {}
    history: dict[str, Any] = {}
    for start in range(0, len(positions), 200):
        chunk = positions[start : start + 200]
        got = _reply(model, "thumbs", {"positions": chunk, "size": size})
        for item, buf in zip(got["reply"]["items"], got["buffers"], strict=True):
            thumbs[str(item["pos"])] = [item, buf]
        for row in model._handlers["rows"]({"positions": chunk})[0]["rows"]:
            rows[str(row["pos"])] = row
    for pos in positions:
        if table.media_role == "audio" and thumbs[str(pos)][0].get("ok"):
            try:
                audio[str(pos)] = _reply(model, "audio", {"pos": pos})
            except Exception:  # a clip that cannot be decoded plays nothing, as in a notebook
                pass
        if "history" in model._handlers:
            history[str(pos)] = _reply(model, "history", {"pos": pos})["reply"]

    # Every column the page could ask for, as the kernel's chunk replies with base64
    # data: the table's own columns always, colour-by columns while they fit.
    columns: dict[str, list[dict[str, Any]]] = {}
    core = list(model.column_info)
    spent = 0
    for name in [*core, *(c for c in model.column_names if c not in core)]:
        try:
            chunks = [head for head, _ in model._column({"names": [name], "base64": True})]
        except Exception:  # e.g. a user column that cannot be coded: not colourable here
            continue
        if name not in core:
            spent += sum(len(head["data"]) for head in chunks)
            if spent > MAX_COLUMN_BYTES:
                break
        columns[name] = [{k: v for k, v in head.items() if k != "last"} for head in chunks]

    epochs: dict[str, Any] = {}
    if table.epoch_pred is not None and table.epoch_pred.nbytes <= MAX_EPOCH_BYTES:
        for e in range(table.epoch_pred.shape[1]):
            epochs[str(e)] = _reply(model, "epoch_pred", {"epoch": e})

    widgets = [model, *views, gallery]
    kinds = {
        "ConfusionMatrix": "confusion",
        "DataMap": "scatter",
        "ClusterMap": "scatter",
        "IssuesView": "issues",
        "Gallery": "gallery",
    }
    children = [{"id": w.model_id, "kind": kinds[type(w).__name__], "wide": False} for w in views]
    children.append({"id": gallery.model_id, "kind": "gallery", "wide": len(views) % 2 == 0})
    ids = [str(i) for i in table.df.index]
    created = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = title or "nbdatalens report"
    data = {
        "title": title,
        "created": created,
        "n": n,
        "table": model.model_id,
        "models": {w.model_id: widget_state(w) for w in widgets},
        "children": children,
        "ids": ids,
        "thumb_size": size,
        "thumbs": thumbs,
        "rows": rows,
        "audio": audio,
        "history": history,
        "columns": columns,
        "epochs": epochs,
        "not_in_report": NOT_IN_REPORT,
    }
    issues = _issue_summary(report)
    summary = (
        ", ".join(f"{html.escape(i['label'])}: {i['count']:,} ({i['share']:.1%})" for i in issues)
        or "no issues found"
        if report.ran
        else "issue checks not run"
    )
    n_media = sum(1 for item, _ in thumbs.values() if item.get("kind") != "none")
    script = bundle("report.js").read_text(encoding="utf-8")
    style = bundle("report.css").read_text(encoding="utf-8")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nbdatalens">
<title>{html.escape(title)}</title>
<style>{_script_safe(style)}</style>
</head>
<body class="nbdl-report-page">
<header class="nbdl-report-header">
<h1>{html.escape(title)}</h1>
<p class="nbdl-report-facts"><span data-field="created">{created}</span> ·
<span data-field="n">{n:,} samples</span> ·
<span data-field="media">{n_media:,} with media in this report</span></p>
<p class="nbdl-report-issues" data-field="issues">Issues: {summary}</p>
<div class="nbdl-report-bar" id="nbdl-report-bar"></div>
</header>
<main class="nbdl-report-grid" id="nbdl-report-grid"></main>
<script type="application/json" id="nbdl-report-data">{_script_safe(json.dumps(data))}</script>
<script type="module">{_script_safe(script)}</script>
</body>
</html>
"""
    return page, n_media


def human_size(nbytes: int) -> str:
    """``1.2 MB``, ``340 KB``: the size the export prints."""
    if nbytes >= 10**6:
        return f"{nbytes / 10**6:.1f} MB"
    return f"{max(1, round(nbytes / 10**3))} KB"


def write_report(
    path: str | os.PathLike[str], page: str, n_media: int, *, overwrite: bool
) -> pathlib.Path:
    """Write the page atomically; print what was written."""
    from ..atomic_file import atomic_write

    data = page.encode("utf-8")
    target = atomic_write(path, lambda f: f.write(data), overwrite=overwrite)
    print(f"wrote {target.name} ({human_size(len(data))}; {n_media:,} samples with media)")
    return target
