"""Answers to the browser's requests for data that stays in Python until asked for.

Rows (tooltips, detail panel), thumbnails (gallery tiles, as binary buffers),
audio clips and extra colour-by columns. See docs/architecture.md for the
message shapes. Each handler returns its reply and buffers; the table model's
one dispatcher sends them (and turns an exception into an error reply). One
bad file becomes one flagged tile.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import audio, media
from ..columns import joined_frame
from ..transport import array_payload

if TYPE_CHECKING:
    from ..annotations import Annotations
    from ..table import SampleTable

#: What a handler returns: the reply's fields (``type`` and ``request_id`` are
#: added by the dispatcher) and its binary buffers.
Reply = tuple[dict[str, Any], list[bytes]]

#: Most thumbnails kept in memory per table (≈ 1–3 KB each at 96 px).
THUMB_CACHE_SIZE = 20_000
#: Most bytes of thumbnails kept per table: photos cost ~10–30 KB at 96 px, digits 0.3 KB.
THUMB_CACHE_BYTES = 64 * 2**20
#: Longest text shown per cell in tooltips and the detail panel.
MAX_CELL_CHARS = 400
#: Most rows answered in one request.
MAX_ROWS_PER_REQUEST = 500


def cell_text(value: Any) -> str:
    """A short, human-readable text for one cell (vectors are summarised)."""
    if isinstance(value, np.ndarray):
        if value.size <= 12 and value.ndim == 1:
            return (
                "["
                + ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in value.tolist())
                + "]"
            )
        return f"<array {'×'.join(map(str, value.shape))} {value.dtype}>"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (list, tuple)) and len(value) > 12:
        return f"<{type(value).__name__} of {len(value)}>"
    if isinstance(value, (float, np.floating)):
        return "—" if np.isnan(value) else f"{value:.4g}"
    if value is None or value is pd.NA or value is pd.NaT:
        return "—"
    text = str(value)
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


class RequestHandler:
    """Serves one table model's data requests: ``rows``, ``thumbs``, ``audio``, ``column``."""

    def __init__(
        self,
        table: SampleTable,
        annotations: Annotations,
        extras: Callable[[], Sequence[pd.DataFrame]] = tuple,
    ) -> None:
        self.table = table
        self.annotations = annotations
        #: frames joined after the annotation columns (e.g. the issue checks' columns)
        self.extras = extras
        self._thumbs: OrderedDict[tuple[str, int, int], tuple[dict[str, Any], bytes]] = (
            OrderedDict()
        )
        self._thumb_bytes = 0

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], Reply]]:
        """Message type → handler, for the table model's dispatcher."""
        return {"rows": self._rows, "thumbs": self._media, "audio": self._audio}

    def _positions(self, content: dict[str, Any], limit: int = MAX_ROWS_PER_REQUEST) -> np.ndarray:
        pos = np.asarray(content.get("positions", []), dtype=np.int64)[:limit]
        return pos[(pos >= 0) & (pos < self.table.n)]

    # ------------------------------------------------------------------ rows
    def rows(self, positions: np.ndarray) -> list[dict[str, Any]]:
        """Every column of the rows at ``positions`` as display text.

        Only the asked-for rows are touched (:func:`nbdatalens.columns.joined_frame`
        with ``positions``), so a detail-panel click costs the same at 1M rows
        as at 1k.
        """
        frame = joined_frame(
            self.table, self.annotations, positions=positions, extras=self.extras()
        )
        columns = [(str(c), frame[c].tolist()) for c in frame.columns]
        ids = [cell_text(i) for i in frame.index]
        return [
            {"pos": pos, "id": ids[k], "values": {c: cell_text(v[k]) for c, v in columns}}
            for k, pos in enumerate(positions.tolist())
        ]

    def _rows(self, content: dict[str, Any]) -> Reply:
        return {"rows": self.rows(self._positions(content))}, []

    # ----------------------------------------------------------- thumbnails
    def media_item(self, pos: int, size: int) -> tuple[dict[str, Any], bytes]:
        """The tile for one row: its id, and an image thumbnail, audio waveform or text snippet.

        Items are cached (LRU) by (position, size): scrolling back costs nothing.
        """
        role = self.table.media_role
        sample_id = cell_text(self.table.df.index[pos])
        if role == "none":
            return {"pos": pos, "id": sample_id, "ok": True, "kind": "none", "mime": ""}, b""
        key = (role, pos, size)
        if key in self._thumbs:
            self._thumbs.move_to_end(key)
            return self._thumbs[key]
        value = self.table.cell(role, pos)
        item: dict[str, Any] = {
            "pos": pos,
            "id": sample_id,
            "kind": role,
            "ok": True,
            "mime": "image/png",
        }
        data = b""
        if role == "image":
            data, error = media.thumbnail_or_error(value, size)
            if error:
                item.update(ok=False, error=error, mime="")
                data = b""
        elif role == "audio":
            try:
                samples, sr = audio.decode_audio(value, self._sample_rate(pos))
                data = audio.waveform_png(samples, (size * 2, size))
                item["quality"] = audio.audio_quality(samples)
                item["duration"] = round(len(samples) / sr, 3)
                # the loudest section, as the issue checks define it (drawn on the waveform)
                start, end = audio.loudest_window(samples, sr)
                item["loudest"] = [round(start, 3), round(end, 3)]
            except Exception as exc:  # one bad clip is one flagged tile
                known = isinstance(exc, (ValueError, TypeError))  # messages that explain themselves
                error = str(exc) if known else f"cannot decode audio: {type(exc).__name__}: {exc}"
                item.update(ok=False, error=error, mime="")
        else:
            item.update(mime="", text=cell_text(value))
        result = (item, data or b"")
        self._thumbs[key] = result
        self._thumb_bytes += len(result[1])
        while len(self._thumbs) > THUMB_CACHE_SIZE or (
            self._thumb_bytes > THUMB_CACHE_BYTES and len(self._thumbs) > 1
        ):
            _, (_, dropped) = self._thumbs.popitem(last=False)
            self._thumb_bytes -= len(dropped)
        return result

    def _media(self, content: dict[str, Any]) -> Reply:
        size = int(content.get("size", 96))
        size = max(16, min(size, 512))
        items, buffers = [], []
        for pos in self._positions(content).tolist():
            item, data = self.media_item(pos, size)
            items.append(item)
            buffers.append(data)
        return {"size": size, "items": items}, buffers

    def _sample_rate(self, pos: int) -> int | None:
        if "sample_rate" in self.table.roles:
            return int(self.table.cell("sample_rate", pos))
        return None

    def _audio(self, content: dict[str, Any]) -> Reply:

        pos = int(content["pos"])
        samples, sr = audio.decode_audio(self.table.cell("audio", pos), self._sample_rate(pos))
        return {"pos": pos, "mime": "audio/wav"}, [audio.wav_bytes(samples, sr)]

    # ---------------------------------------------------------- colour by
    def column_payload(self, name: str) -> tuple[dict[str, Any], list[str] | None]:
        """A user column as a typed array; non-numeric columns become codes + categories."""
        frame = joined_frame(self.table, self.annotations, extras=self.extras())
        if name not in frame.columns:
            raise KeyError(f"no column {name!r}")
        series = frame[name]
        if pd.api.types.is_bool_dtype(series.dtype):
            return array_payload(series.fillna(False).to_numpy(dtype=np.uint8)), ["False", "True"]
        if pd.api.types.is_numeric_dtype(series.dtype) and not isinstance(
            series.dtype, pd.CategoricalDtype
        ):
            return array_payload(series.to_numpy(dtype=np.float32, na_value=np.nan)), None
        codes, uniques = pd.factorize(series.astype(object), sort=True, use_na_sentinel=True)
        names = [cell_text(u) for u in uniques]
        if (codes < 0).any():  # missing values get their own category, shown as "—"
            codes = np.where(codes < 0, len(names), codes)
            names.append("—")
        return array_payload(codes.astype(np.int64)), names
