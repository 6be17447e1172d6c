"""TableModel: the single browser-side model of a SampleTable.

Views never copy the table's data: they hold a reference to this model
(``widget_serialization``) and read its columns through one client per page.
The widget state holds no column data: ``column_info`` names what can be
fetched, and the page asks for a column when a view first draws it; the reply
comes in chunks of at most 2 MiB (:mod:`nbdatalens.column_stream`). The
selection lives here too, as one ``Bytes`` trait, so a selection made in one
view reaches every other view without the kernel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets

from .. import cartography
from ..annotations import ANNOTATION_COLUMNS
from ..column_stream import WireColumn, chunk_messages, linear, raw
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
    #: dict — every column the page can fetch now → ``{"version": int, "missing": bool}``
    #: (``missing``: no finite value). A new version means new values: the page re-fetches
    #: the columns it holds. ``@x`` / ``@y`` are the cluster-map layout, ``cell`` the
    #: confusion cell code ``label × C + pred`` (label and pred are derived from it).
    column_info = traitlets.Dict().tag(sync=True)
    #: dict — coded column name → list of display strings.
    categories = traitlets.Dict().tag(sync=True)
    #: str — ``"given"``, ``"pca"``, ``"umap"`` or ``""``: where ``coords`` came from.
    coords_method = traitlets.Unicode("").tag(sync=True)
    #: str — progress text while a better layout is computed, ``""`` when settled.
    coords_status = traitlets.Unicode("").tag(sync=True)
    #: dict — data-map region thresholds.
    thresholds = traitlets.Dict().tag(sync=True)
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
        #: name → (encoded column, its categories); built on first request, dropped on change
        self._wire: dict[str, tuple[WireColumn, list[str] | None]] = {}
        self._versions: dict[str, int] = {}
        self._coords: np.ndarray | None = None
        super().__init__(
            n_rows=table.n,
            column_info=_core_info(table),
            categories=_core_categories(table),
            thresholds=dict(table.thresholds),
            column_names=_colourable_columns(table),
            selection=encode_selection(table.selection, table.n),
        )
        self._requests = RequestHandler(table, annotations, extras)
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            **self._requests.handlers(),
            **AnnotationRequests(table, annotations, export).handlers(),
            **EpochRequests(table).handlers(),
            "column": self._column,
            "drawn": self._drawn,
        }
        #: (view kinds not drawn yet, event set when none is left), one per when_drawn()
        self._draw_waits: list[tuple[set[str], threading.Event]] = []
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
            result = handler(content)
        except Exception as exc:  # report to the page, never kill the comm
            self.send(
                {"type": "error", "request_id": request_id, "error": f"{type(exc).__name__}: {exc}"}
            )
            return
        # A handler answers with one reply, or a list of them (a column's chunks).
        for reply, out_buffers in result if isinstance(result, list) else [result]:
            self.send({**reply, "type": kind, "request_id": request_id}, out_buffers or None)

    def _column(self, content: dict[str, Any]) -> list[Reply]:
        """The chunks of the asked-for columns (``names``, or one ``name``), as binary
        buffers or, with ``base64``, as text for hosts that drop buffers."""
        names = content.get("names")
        if names is None:
            names = [content["name"]]
        if not isinstance(names, list) or not names:
            raise ValueError(f"column: names must be a non-empty list, got {names!r}")
        items = []
        for name in map(str, names):
            column, categories = self.wire_column(name)
            items.append((name, column, self._versions.get(name, 0), categories))
        return chunk_messages(items, base64_data=bool(content.get("base64")))

    def when_drawn(self, kinds: Iterable[str]) -> threading.Event:
        """An event set once the page has drawn a view of each kind (``"confusion"``,
        ``"data_map"``, ``"cluster_map"``, ``"gallery"``; each view reports its first
        complete drawing), set at once for none."""
        waiting, event = set(kinds), threading.Event()
        if waiting:
            self._draw_waits.append((waiting, event))
        else:
            event.set()
        return event

    def _drawn(self, content: dict[str, Any]) -> Reply:
        view = str(content.get("view"))
        for waiting, event in self._draw_waits:
            waiting.discard(view)
            if not waiting:
                event.set()
        self._draw_waits = [w for w in self._draw_waits if w[0]]
        return {}, []

    def wire_column(self, name: str) -> tuple[WireColumn, list[str] | None]:
        """One column as the page gets it (encoded once, kept until its values change)."""
        if name not in self._wire:
            built = self._core_wire(name)
            if built is None:
                payload, categories = self._requests.column_payload(name)
                values = np.frombuffer(payload["buffer"], dtype=payload["dtype"])
                column = linear(values) if values.dtype.kind == "f" else raw(values, name=name)
                built = (column, categories)
                if name not in self.column_info:
                    self._publish_info(name, column)
            self._wire[name] = built
        return self._wire[name]

    def _core_wire(self, name: str) -> tuple[WireColumn, list[str] | None] | None:
        table = self._table
        if name in ("@x", "@y"):
            if self._coords is None:
                raise KeyError(f"no column {name!r}: the table has no cluster-map layout")
            return linear(self._coords[:, 0 if name == "@x" else 1]), None
        if name == "cell" and table.pred_codes is not None:
            c = max(1, len(table.class_names))
            cell = table.label_codes.astype(np.int64) * c + table.pred_codes
            return raw(cell, name="cell"), None
        if name == "label":
            return raw(table.label_codes, name="label"), None
        if name in ("pred", "correct") and table.pred_codes is not None:
            if name == "pred":
                return raw(table.pred_codes, name="pred"), None
            return raw(table.pred_codes == table.label_codes, name="correct"), None
        if name == "region":
            codes = table.derived["region"].cat.codes.to_numpy()
            return raw(np.where(codes < 0, 255, codes).astype(np.uint8), name="region"), None
        if name in _CORE_FLOATS:
            values = table.derived[name].to_numpy(dtype=np.float64, na_value=np.nan)
            if name == "correctness" and table.has_dynamics and table.n_epochs <= 254:
                # k of E epochs correct: E + 1 values, exact in 8 bits.
                return linear(values, steps=table.n_epochs, low=0.0, high=1.0), None
            return linear(values), None
        return None

    def _publish_info(self, name: str, column: WireColumn) -> None:
        missing = column.encoding == "linear" and bool(
            (column.data == np.iinfo(column.data.dtype).max).all()
        )
        info = {"version": self._versions.get(name, 0), "missing": missing}
        self.column_info = {**self.column_info, name: info}

    def _changed(self, name: str) -> None:
        """``name`` has new values: drop its encoding and tell the page (new version)."""
        self._wire.pop(name, None)
        if name not in self.column_info and name not in ("@x", "@y"):
            return
        self._versions[name] = self._versions.get(name, 0) + 1
        info = dict(self.column_info.get(name, {"missing": False}))
        info["version"] = self._versions[name]
        if name in ("@x", "@y"):
            info["missing"] = False
        self.column_info = {**self.column_info, name: info}

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
        with self._layout_lock, self.hold_sync():
            self._coords = xy
            self._changed("@x")
            self._changed("@y")
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
        """The cluster-map coordinates as the page draws them (N×2 float32, quantised to
        16 bits of their extent; the lasso selects by these), None without a layout."""
        if self._coords is None:
            return None
        return np.column_stack([self.wire_column(a)[0].decoded() for a in ("@x", "@y")])

    # ------------------------------------------------------ derived columns
    def refresh_columns(self) -> None:
        """Tell the page the core columns changed (after labels were corrected, for
        instance): each gets a new version, which the page fetches when it shows it."""
        with self.hold_sync():
            self.categories = {**self.categories, **_core_categories(self._table)}
            for name in list(_core_info(self._table)):
                if name not in ("@x", "@y"):
                    self._changed(name)

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
        """A colour-by column's values changed: a new version (built when next asked)."""
        if name not in self.column_info:
            return  # no view colours by it yet; it is built when one asks
        self._changed(name)


def _with_payload(annotations: dict[str, Any], key: str, values: np.ndarray) -> dict[str, Any]:
    """``annotations`` with ``key`` set to the payload of ``values``, or left out when all are 0."""
    out = {k: v for k, v in annotations.items() if k != key}
    if values.any():
        out[key] = array_payload(values)
    return out


#: The derived float metrics every table has (NaN where unknown).
_CORE_FLOATS = ("loss", "margin", "confidence", "variability", "correctness")


def _core_info(table: SampleTable) -> dict[str, Any]:
    """``column_info`` of the columns every table has, before any is encoded."""
    d = table.derived
    names = ["label", "region", *_CORE_FLOATS]
    if table.pred_codes is not None:
        names += ["cell", "pred", "correct"]
    info = {name: {"version": 0, "missing": False} for name in names}
    for name in _CORE_FLOATS:
        info[name]["missing"] = bool(d[name].isna().all())
    return info


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
