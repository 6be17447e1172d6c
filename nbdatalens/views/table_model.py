"""TableModel: the single browser-side model of a SampleTable.

Views never copy the table's data: they hold a reference to this model
(``widget_serialization``) and read its typed-array columns, decoded once in
the browser. The selection lives here too, as one ``Bytes`` trait, so a
selection made in one view reaches every other view without the kernel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets

from .. import cartography
from ..annotations import ANNOTATION_COLUMNS
from ..transport import array_payload, bytes_serialization, decode_selection, encode_selection
from .annotation_messages import AnnotationRequests, Exporter
from .bundles import bundle
from .epoch_requests import EpochRequests
from .requests import Reply, RequestHandler

if TYPE_CHECKING:
    import pandas as pd

    from ..annotations import Annotations
    from ..table import SampleTable

CORRECT_NAMES = ["wrong", "correct"]
#: Largest table whose UMAP layout is seeded (reproducible but single-threaded).
SEEDED_UMAP_MAX_ROWS = 20_000


class TableModel(anywidget.AnyWidget):
    """Browser model of a :class:`~nbdatalens.table.SampleTable` (never displayed itself)."""

    _esm = bundle("table.js")

    #: int — number of rows N.
    n_rows = traitlets.Int(0).tag(sync=True)
    #: dict — column name → typed-array payload (see docs/architecture.md).
    columns = traitlets.Dict().tag(sync=True)
    #: dict — coded column name → list of display strings.
    categories = traitlets.Dict().tag(sync=True)
    #: dict — ``{"x": payload, "y": payload}`` of the cluster-map layout, ``{}`` without one.
    coords = traitlets.Dict().tag(sync=True)
    #: str — ``"given"``, ``"pca"``, ``"umap"`` or ``""``: where ``coords`` came from.
    coords_method = traitlets.Unicode("").tag(sync=True)
    #: str — progress text while a better layout is computed, ``""`` when settled.
    coords_status = traitlets.Unicode("").tag(sync=True)
    #: dict — data-map region thresholds.
    thresholds = traitlets.Dict().tag(sync=True)
    #: dict — columns added on request (colour by any column), same payload format.
    extra_columns = traitlets.Dict().tag(sync=True)
    #: list[str] — every column a view may colour by.
    column_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: bytes — the encoded selection (empty = nothing selected).
    selection = traitlets.Bytes(b"").tag(sync=True, **bytes_serialization)
    #: dict — per-row annotations: ``{"tags": payload (bit i set = the row carries
    #: tag_names[i]), "corrected": payload (0 = not corrected, k = corrected to
    #: classes[k - 1]), "classes": [display names]}``; "tags" / "corrected" are left
    #: out while no row has one (nothing to send for a table nobody annotated yet).
    annotations = traitlets.Dict().tag(sync=True)
    #: list[str] — the tags in use, in bit order of ``annotations["tags"]``.
    tag_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    #: list[dict] — saved selections, ``[{"name": str, "count": int}]`` in order of saving.
    saved_selections = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: dict — the issue checks: ``{"types": [{issue_type, label, num_issues, share, state,
    #: status, description, tag}], "flagged": {issue_type: payload of row positions, most
    #: severe first}}``; ``{}`` before any check ran. See docs/architecture.md.
    issues = traitlets.Dict().tag(sync=True)
    #: str — the issue type the user last picked in the Issues view (the gallery sorts the
    #: selection by its severity), ``""`` for none. Set by the page or ``lens.select_issue``.
    active_issue = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        table: SampleTable,
        annotations: Annotations,
        *,
        projection: str = "umap",
        export: Exporter,
        extras: Callable[[], Sequence[pd.DataFrame]] = tuple,
    ) -> None:
        """Created once per lens by :class:`~nbdatalens.lens.DataLens`, which owns it.

        ``export(path, format, overwrite)`` writes the selection (the page's
        export button); ``extras()`` returns more frames joined after the
        annotation columns (colour-by and the detail panel read them).
        """
        self._table = table
        self._annotations = annotations
        self._echo = False
        super().__init__(
            n_rows=table.n,
            columns=_core_columns(table),
            categories=_core_categories(table),
            thresholds=dict(table.thresholds),
            column_names=_colourable_columns(table),
            selection=encode_selection(table.selection, table.n),
        )
        self._requests = RequestHandler(table, annotations, extras)
        self._handlers: dict[str, Callable[[dict[str, Any]], Reply]] = {
            **self._requests.handlers(),
            **AnnotationRequests(table, annotations, export).handlers(),
            **EpochRequests(table).handlers(),
            "column": self._column,
        }
        self.on_msg(self._dispatch)
        for kind in ("tags", "corrections", "selections"):
            self._send_annotations(kind)
        annotations.observe(self._send_annotations)
        table.observe(self._selection_from_python, "selection")
        self.observe(self._selection_from_browser, "selection")
        self._layout_lock = threading.Lock()
        self._start_layout(projection)

    @property
    def table(self) -> SampleTable:
        return self._table

    def add_handler(self, kind: str, handler: Callable[[dict[str, Any]], Reply]) -> None:
        """Serve one more message type through the dispatcher (the lens adds its own)."""
        if kind in self._handlers:
            raise ValueError(f"message type {kind!r} already has a handler")
        self._handlers[kind] = handler

    # -------------------------------------------------------------- messages
    def _dispatch(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        """The one handler of the page's messages: every reply carries the request's id;
        an unknown type or a failure is answered with an error, never left unanswered."""
        kind = content.get("type")
        request_id = content.get("request_id")
        handler = self._handlers.get(kind) if isinstance(kind, str) else None
        try:
            if handler is None:
                known = ", ".join(sorted(self._handlers))
                raise ValueError(f"unknown message type {kind!r}; known: {known}")
            reply, out_buffers = handler(content)
        except Exception as exc:  # report to the page, never kill the comm
            self.send(
                {"type": "error", "request_id": request_id, "error": f"{type(exc).__name__}: {exc}"}
            )
            return
        self.send({**reply, "type": kind, "request_id": request_id}, out_buffers or None)

    def _column(self, content: dict[str, Any]) -> Reply:
        """Add a column to ``extra_columns`` (colour by any column); idempotent."""
        name = str(content["name"])
        if name not in self.extra_columns:
            payload, names = self._requests.column_payload(name)
            with self.hold_sync():  # categories must arrive with the codes they name
                if names is not None:
                    self.categories = {**self.categories, name: names}
                self.extra_columns = {**self.extra_columns, name: payload}
        # Sent after the trait update, so the column is there when the browser hears this.
        return {"name": name}, []

    # ------------------------------------------------------------- selection
    def _selection_from_python(self, change: dict[str, Any]) -> None:
        if self._echo:
            return
        # Our own write of the trait is not a selection from the browser: decoding it
        # back into the table (a second sort of up to N positions) would change nothing.
        self._echo = True
        try:
            self.selection = encode_selection(change["new"], self._table.n)
        finally:
            self._echo = False

    def _selection_from_browser(self, change: dict[str, Any]) -> None:
        if self._echo:
            return
        # The browser already shows this selection; writing it back to the
        # table must not echo a re-encoded copy that could overtake a newer one.
        self._echo = True
        try:
            self._table.select_positions(decode_selection(change["new"], self._table.n))
        finally:
            self._echo = False

    # ---------------------------------------------------------------- layout
    def _start_layout(self, projection: str) -> None:
        table = self._table
        if table.xy is not None:
            self._set_coords(table.xy, "given")
            return
        if table.embedding is None:
            return
        from ..projection import ProjectionJob, project

        emb = table.embedding
        if emb.shape[1] <= 2:
            coords = emb if emb.shape[1] == 2 else np.column_stack([emb[:, 0], np.zeros(len(emb))])
            self._set_coords(coords, "given")
            return
        if projection not in ("umap", "pca"):
            raise ValueError(f"projection must be 'umap' or 'pca', got {projection!r}")
        self._set_coords(project(emb, "pca"), "pca")
        if projection == "umap":
            self.coords_status = "computing UMAP layout… (PCA shown meanwhile)"
            self._job = ProjectionJob(
                emb,
                "umap",
                on_done=lambda xy: self._set_coords(xy, "umap"),
                on_error=self._layout_failed,
                on_status=self._layout_status,
                # A seed makes umap-learn single-threaded (3.5x slower at 50k here); keep
                # the demo-sized layouts reproducible and let large ones use every core.
                random_state=0 if len(emb) <= SEEDED_UMAP_MAX_ROWS else None,
            )
            self._job.start()

    def _set_coords(self, xy: np.ndarray, method: str) -> None:
        xy = np.asarray(xy, dtype=np.float32)
        with self._layout_lock:
            self.coords = {"x": array_payload(xy[:, 0]), "y": array_payload(xy[:, 1])}
            self.coords_method = method
            if method != "pca":
                self.coords_status = ""

    def _layout_status(self, text: str) -> None:
        if self.coords_method == "pca":
            self.coords_status = text

    def _layout_failed(self, exc: BaseException) -> None:
        self.coords_status = f"UMAP failed ({type(exc).__name__}: {exc}); showing PCA"

    @property
    def layout_coords(self) -> np.ndarray | None:
        """The current cluster-map coordinates as an N×2 float32 array (None without any)."""
        if not self.coords:
            return None
        return np.column_stack(
            [np.frombuffer(self.coords[a]["buffer"], dtype=np.float32) for a in ("x", "y")]
        )

    # ------------------------------------------------------ derived columns
    def refresh_columns(self) -> None:
        """Re-send the core columns (after labels were corrected, for instance)."""
        self.columns = _core_columns(self._table)
        self.categories = _core_categories(self._table)

    # ---------------------------------------------------------- annotations
    def _send_annotations(self, kind: str) -> None:
        """Send what changed; colour-by columns built from annotations are rebuilt in place."""
        store = self._annotations
        with self.hold_sync():
            if kind == "tags":
                bits = store.tag_bits()
                self.annotations = _with_payload(self.annotations, "tags", bits)
                self.tag_names = store.tag_names
                self.refresh_extra("tags")
            elif kind == "corrections":
                # Shifted by one so 0 means "not corrected": unsigned, uint8 up to 255 classes.
                shifted = store.corrected_codes.astype(np.int64) + 1
                annotations = _with_payload(self.annotations, "corrected", shifted)
                self.annotations = {**annotations, "classes": [str(c) for c in store.classes]}
                self.refresh_extra("corrected_label")
            elif kind == "selections":
                self.saved_selections = [
                    {"name": name, "count": int(pos.size)} for name, pos in store.selections.items()
                ]

    def refresh_extra(self, name: str) -> None:
        """Rebuild a colour-by column already sent (its values changed)."""
        if name not in self.extra_columns:
            return  # no view colours by it yet; it is built when one asks
        payload, names = self._requests.column_payload(name)
        if names is not None:
            self.categories = {**self.categories, name: names}
        self.extra_columns = {**self.extra_columns, name: payload}


def _with_payload(annotations: dict[str, Any], key: str, values: np.ndarray) -> dict[str, Any]:
    """``annotations`` with ``key`` set to the payload of ``values``, or left out when all are 0."""
    out = {k: v for k, v in annotations.items() if k != key}
    if values.any():
        out[key] = array_payload(values)
    return out


def _core_columns(table: SampleTable) -> dict[str, Any]:
    d = table.derived
    cols: dict[str, Any] = {"label": array_payload(table.label_codes)}
    if table.pred_codes is not None:
        cols["pred"] = array_payload(table.pred_codes)
        cols["correct"] = array_payload((table.pred_codes == table.label_codes).astype(np.uint8))
    for name in ("loss", "margin", "confidence", "variability", "correctness"):
        cols[name] = array_payload(d[name].to_numpy(dtype=np.float32, na_value=np.nan))
    region = d["region"].cat.codes.to_numpy()
    cols["region"] = array_payload(np.where(region < 0, 255, region).astype(np.uint8))
    return cols


def _core_categories(table: SampleTable) -> dict[str, list[str]]:
    names = table.class_names
    return {
        "label": names,
        "pred": names,
        "region": list(cartography.REGIONS),
        "correct": CORRECT_NAMES,
    }


def _colourable_columns(table: SampleTable) -> list[str]:
    core = ["label", "pred", "correct", "region", "loss", "margin"]
    core += ["confidence", "variability", "correctness", "forgetting", "learned_epoch", "flips"]
    if table.pred_codes is None:
        core = [c for c in core if c not in ("pred", "correct")]
    if not table.has_dynamics:
        core = [c for c in core if c not in ("region", "confidence", "variability", "correctness")]
        core = [c for c in core if c not in ("forgetting", "learned_epoch", "flips")]
    elif getattr(table, "epoch_pred", None) is None:
        core.remove("flips")
    used = table.roles.used_columns()
    user = [
        str(c)
        for c in table.df.columns
        if c not in used and isinstance(c, str) and _is_scalar_column(table.df[c])
    ]
    core += list(ANNOTATION_COLUMNS)
    return core + [c for c in user if c not in core]


def _is_scalar_column(series: Any) -> bool:
    if series.dtype != object:
        return True
    sample = series.head(20)
    return all(isinstance(v, (str, int, float, bool)) or v is None for v in sample)
