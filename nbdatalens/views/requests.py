"""Answers to the browser's requests for data that stays in Python until asked for.

Rows (tooltips, detail panel), thumbnails (gallery tiles, as binary buffers),
audio clips and extra colour-by columns. See docs/architecture.md for the
message shapes. One bad file becomes one flagged tile: nothing here raises
into the comm.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..annotations import TAG_SEPARATOR
from ..transport import array_payload

if TYPE_CHECKING:
    from ..table import SampleTable
    from .table_model import TableModel

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
    text = str(value)
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


class RequestHandler:
    """Serves one TableModel's custom messages."""

    def __init__(self, table: SampleTable, model: TableModel) -> None:
        self.table = table
        self.model = model
        self._thumbs: OrderedDict[tuple[str, int, int], tuple[dict[str, Any], bytes]] = (
            OrderedDict()
        )
        self._thumb_bytes = 0
        # What a tile shows, in the gallery's precedence: image, then audio, then text.
        self._media_role = next(
            (role for role in ("image", "audio", "text") if role in table.roles), "none"
        )

    def handle(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        kind = content.get("type")
        try:
            if kind == "rows":
                self._rows(content)
            elif kind == "thumbs":
                self._media(content)
            elif kind == "audio":
                self._audio(content)
            elif kind == "column":
                self._column(content)
        except Exception as exc:  # report to the page, never kill the comm
            self.model.send(
                {
                    "type": "error",
                    "request_id": content.get("request_id"),
                    "error": f"{type(exc).__name__}: {exc}",
                }
            )

    def _positions(self, content: dict[str, Any], limit: int = MAX_ROWS_PER_REQUEST) -> np.ndarray:
        pos = np.asarray(content.get("positions", []), dtype=np.int64)[:limit]
        return pos[(pos >= 0) & (pos < self.table.n)]

    # ------------------------------------------------------------------ rows
    def rows(self, positions: np.ndarray) -> list[dict[str, Any]]:
        """Every column of the rows at ``positions`` as display text.

        Only the asked-for rows are touched (the user's columns, then the
        derived ones, then the annotation columns ``tags`` / ``corrected_label``
        when a lens attached annotations; later ones win a name clash, as in
        ``SampleTable.frame()``), so a detail-panel click costs the same at 1M
        rows as at 1k.
        """
        table = self.table
        user = table.df.iloc[positions]
        derived = table.derived.iloc[positions]
        annotated = _annotation_cells(table, positions)
        own = {*derived.columns, *annotated}
        user_columns = [c for c in user.columns if c not in own]
        out = []
        for k, pos in enumerate(positions.tolist()):
            values = {str(col): cell_text(user[col].iat[k]) for col in user_columns}
            values.update({str(col): cell_text(derived[col].iat[k]) for col in derived.columns})
            values.update({col: texts[k] for col, texts in annotated.items()})
            out.append({"pos": pos, "id": cell_text(user.index[k]), "values": values})
        return out

    def _rows(self, content: dict[str, Any]) -> None:
        rows = self.rows(self._positions(content))
        self.model.send({"type": "rows", "request_id": content.get("request_id"), "rows": rows})

    # ----------------------------------------------------------- thumbnails
    def media_item(self, pos: int, size: int) -> tuple[dict[str, Any], bytes]:
        """The tile for one row: its id, and an image thumbnail, audio waveform or text snippet.

        Items are cached (LRU) by (position, size): scrolling back costs nothing.
        """
        from .. import media

        role = self._media_role
        sample_id = cell_text(self.table.df.index[pos])
        if role == "none":
            return {"pos": pos, "id": sample_id, "ok": True, "kind": "none", "mime": ""}, b""
        key = (role, pos, size)
        if key in self._thumbs:
            self._thumbs.move_to_end(key)
            return self._thumbs[key]
        value = _cell(self.table, role, pos)
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
                samples, sr = media.decode_audio(value, self._sample_rate(pos))
                data = media.waveform_png(samples, (size * 2, size))
                item["quality"] = media.audio_quality(samples)
                item["duration"] = round(len(samples) / sr, 3)
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

    def _media(self, content: dict[str, Any]) -> None:
        size = int(content.get("size", 96))
        size = max(16, min(size, 512))
        items, buffers = [], []
        for pos in self._positions(content).tolist():
            item, data = self.media_item(pos, size)
            items.append(item)
            buffers.append(data)
        self.model.send(
            {
                "type": "thumbs",
                "request_id": content.get("request_id"),
                "size": size,
                "items": items,
            },
            buffers,
        )

    def _sample_rate(self, pos: int) -> int | None:
        if "sample_rate" in self.table.roles:
            return int(_cell(self.table, "sample_rate", pos))
        return None

    def _audio(self, content: dict[str, Any]) -> None:
        from .. import media

        pos = int(content["pos"])
        samples, sr = media.decode_audio(
            _cell(self.table, "audio", pos), self._sample_rate(pos)
        )
        self.model.send(
            {
                "type": "audio",
                "request_id": content.get("request_id"),
                "pos": pos,
                "mime": "audio/wav",
            },
            [media.wav_bytes(samples, sr)],
        )

    # ---------------------------------------------------------- colour by
    def column_payload(self, name: str) -> tuple[dict[str, Any], list[str] | None]:
        """A user column as a typed array; non-numeric columns become codes + categories."""
        frame = self.table.frame()
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

    def _column(self, content: dict[str, Any]) -> None:
        name = str(content["name"])
        if name not in self.model.extra_columns:
            payload, names = self.column_payload(name)
            with self.model.hold_sync():  # categories must arrive with the codes they name
                if names is not None:
                    self.model.categories = {**self.model.categories, name: names}
                self.model.extra_columns = {**self.model.extra_columns, name: payload}
        # Sent after the trait update, so the column is there when the browser hears this.
        self.model.send({"type": "column", "request_id": content.get("request_id"), "name": name})


def _annotation_cells(table: SampleTable, positions: np.ndarray) -> dict[str, list[str]]:
    """The ``tags`` and ``corrected_label`` texts of the rows at ``positions`` ("—" = none).

    Read per tag from the sorted tagged positions, never through a per-row
    array of the whole table. Empty when no lens attached annotations.
    """
    store = getattr(table, "annotations", None)
    if store is None:
        return {}
    names = np.asarray(store.tag_names, dtype=object)
    has = np.zeros((positions.size, names.size), dtype=bool)
    for i, name in enumerate(names):  # a few tags, each a sorted array of positions
        has[:, i] = np.isin(positions, store.tagged(name))
    tags = [TAG_SEPARATOR.join(names[row]) or "—" for row in has]
    classes = [cell_text(c) for c in store.classes] + ["—"]  # code -1 = not corrected
    corrected = [classes[c] for c in store.corrected_codes[positions].tolist()]
    return {"tags": tags, "corrected_label": corrected}


def _cell(table: SampleTable, role: str, pos: int) -> Any:
    src = table.roles[role]
    if src is None:
        raise KeyError(role)
    if src.columns is None:
        return src.value[pos]
    return table.df[src.columns[0]].iat[pos]
