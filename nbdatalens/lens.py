"""DataLens: the object a user holds in the notebook."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import annotation_frames, evaluation, export, export_audio
from .annotations import Annotations
from .columns import joined_frame
from .issue_report import IssueReport
from .lens_finding import FindingMethods
from .table import SampleTable, SelectMode


class DataLens(FindingMethods):
    """Linked views over one table of samples.

    Parameters
    ----------
    df:
        One row per sample: a pandas DataFrame (the index holds the sample ids,
        unique), a polars DataFrame, a pyarrow Table / RecordBatch /
        RecordBatchReader, or any object with ``__arrow_c_stream__``. Numbers
        stay numbers; list / array columns (embeddings, probabilities, dynamics)
        are read as blocks (:mod:`nbdatalens.frames`). ``lens.df`` is the table as
        pandas.
    id:
        The column holding the sample ids, for frames without an index (polars,
        Arrow; numbered 0..N-1 otherwise) or to use a column of a pandas frame:
        ``DataLens(pl_df, id="sample_id")``.
    projection:
        ``"umap"`` (default: PCA is shown at once, UMAP replaces it when
        ready) or ``"pca"`` (PCA only) for the cluster map.
    session:
        A file (``"review.lens.json"``) that keeps the tags, corrections and
        saved selections: restored when it exists, and every change is saved
        to it (atomically, merging what other lenses on the file saved) before
        it is made; a change that cannot be saved raises and is not made. A
        file written for another dataset (other ids, or other content under
        the same ids) is refused with a ValueError, never merged; the frame
        ``apply_corrections()`` returned is the same dataset. See
        :mod:`nbdatalens.session`.
    classes, thresholds, **roles:
        See :class:`~nbdatalens.table.SampleTable`. Roles are found by
        conventional column names (``label``, ``prediction``, ``probs``,
        ``dynamics``, ``embedding``, ``x``/``y``, ``image``, ``audio``,
        ``text``) or named: ``DataLens(df, label="y", image="path")``, or
        passed as arrays aligned with ``df``: ``DataLens(df, probs=P)``.

    Example
    -------
    >>> from nbdatalens import DataLens
    >>> from nbdatalens.datasets import load_digits_demo
    >>> lens = DataLens(load_digits_demo())
    >>> lens.show()                                # doctest: +SKIP
    >>> lens.select(lens.derived.query("loss > 3").index)
    >>> lens.selected                              # doctest: +SKIP
    """

    def __init__(
        self,
        df: Any,
        *,
        id: Hashable | None = None,
        projection: str = "umap",
        classes: Iterable[Any] | None = None,
        thresholds: Mapping[str, float] | None = None,
        session: str | os.PathLike[str] | None = None,
        **roles: Any,
    ) -> None:
        if projection not in ("umap", "pca"):
            raise ValueError(f"projection must be 'umap' or 'pca', got {projection!r}")
        #: The sample table: roles, derived columns, the selection.
        self.table = SampleTable(df, id=id, classes=classes, thresholds=thresholds, **roles)
        self.projection = projection
        #: Tags, corrections and saved selections (by row position).
        self.annotations = Annotations(self.table)
        #: The session file binding, or None.
        self.session = None
        if session is not None:
            from .session import Session

            self.session = Session(session, self.table, self.annotations)
        #: The issue checks: progress and results (see :meth:`find_issues`).
        self.report = IssueReport(self.table)
        self._model: Any = None

    # -------------------------------------------------------------- data
    @property
    def df(self) -> pd.DataFrame:
        """The user's frame (never modified); a polars / Arrow table as pandas (list columns
        hold one numpy row per cell, views of the table's buffers)."""
        return self.table.df

    @property
    def derived(self) -> pd.DataFrame:
        """Derived per-sample columns: pred, correct, loss, margin, confidence,
        variability, correctness, region, forgetting, learned_epoch, flips (same
        index as ``df``)."""
        return self.table.derived

    def frame(self) -> pd.DataFrame:
        """Every column in one frame, by id: the user's, the derived ones, ``tags`` and
        ``corrected_label`` (nbdatalens' own columns win a name clash). Views colour by
        and export from this frame."""
        return joined_frame(self.table, self.annotations, extras=self._extras())

    def _extras(self) -> list[pd.DataFrame]:
        return [self.report.frame()] if self.report.ran else []

    # --------------------------------------------------------- selection
    @property
    def selected(self) -> pd.Index:
        """Ids of the selected samples, in table order (empty when nothing is selected)."""
        return self.table.selected

    def select(self, ids: Any, mode: SelectMode = "replace") -> None:
        """Select samples by id; every view follows. ``mode``: replace, add or subtract."""
        self.table.select(ids, mode)

    def clear_selection(self) -> None:
        """Select nothing."""
        self.table.clear_selection()

    def _ids_or_selection(self, ids: Any) -> Any:
        """Row positions of ``ids``, or of the selection when ``ids`` is None."""
        if ids is None:
            if len(self.table.selection) == 0:
                raise ValueError(export.NOTHING_SELECTED)
            return self.table.selection
        return self.table.positions(ids)

    # ------------------------------------------------- tags & corrections
    def tag(self, ids: Any, tag: str) -> int:
        """Tag samples (ids, a mask, or ``None`` = the selection); returns how many newly carry it.

        Built-in tags: ``mislabeled``, ``ambiguous``, ``duplicate``,
        ``bad-sample``; any other text works too (1–40 characters).

        >>> lens.tag(lens.selected, "mislabeled")          # doctest: +SKIP
        """
        return self.annotations.tag(self._ids_or_selection(ids), tag)

    def untag(self, ids: Any, tag: str) -> int:
        """Remove a tag from samples (``None`` = the selection); returns how many lost it."""
        return self.annotations.untag(self._ids_or_selection(ids), tag)

    def relabel(self, ids: Any, label: Any) -> int:
        """Record the corrected label of samples (``None`` for ids = the selection).

        ``label`` is one label for all, or one per id (a list in the order of
        ``ids``, or a Series indexed by id). A label matches a class by value
        or by its text (``"7"`` finds class ``7``); any other value becomes a
        new class, with a warning. ``None`` removes the correction, and so
        does correcting a sample to its given label. Returns how many
        samples changed. The user's frame is never modified: see
        :meth:`apply_corrections`.

        >>> lens.relabel([17, 42], 7)                      # doctest: +SKIP
        >>> fixes = nbdatalens.read_label_studio("export.json")  # doctest: +SKIP
        >>> lens.relabel(fixes.index, fixes["corrected_label"])  # doctest: +SKIP
        """
        positions = self._ids_or_selection(ids)
        if isinstance(label, pd.Series):  # aligned by id, not by order
            wanted = self.table.ids(positions)
            missing = ~wanted.isin(label.index)
            if missing.any():
                raise ValueError(
                    f"label: the Series has no value for {int(missing.sum())} of the ids, "
                    f"e.g. {wanted[missing][0]!r}"
                )
            label = label[~label.index.duplicated(keep="last")].reindex(wanted).to_numpy(object)
        return self.annotations.relabel(positions, label)

    @property
    def tags(self) -> pd.DataFrame:
        """A boolean column per tag in use, by id: ``lens.select(lens.tags["duplicate"])``."""
        return annotation_frames.tags_frame(self.annotations)

    @property
    def corrections(self) -> pd.DataFrame:
        """Every tagged or corrected sample: given_label, corrected_label, tags, time (UTC)."""
        return annotation_frames.corrections_frame(self.annotations)

    def apply_corrections(
        self,
        df: pd.DataFrame | None = None,
        *,
        drop_tagged: str | Iterable[str] | None = None,
        label_column: Hashable | None = None,
    ) -> pd.DataFrame:
        """A corrected copy of ``df`` (default: the lens' frame), matched by id.

        The label column (the lens' label column, or ``label_column``) holds
        the corrected label where there is one; rows of ``df`` whose id was
        not corrected, and ids ``df`` lacks, are left alone. The column keeps
        its dtype when it can hold the new labels. ``drop_tagged="bad-sample"``
        (or a list of tags) also leaves out the samples carrying those tags.

        >>> clean = lens.apply_corrections(drop_tagged="bad-sample")  # doctest: +SKIP
        """
        return annotation_frames.apply_corrections(
            self.annotations, df, drop_tagged=drop_tagged, label_column=label_column
        )

    # ------------------------------------------------------- saved selections
    def save_selection(self, name: str, ids: Any = None) -> int:
        """Save the selection (or ``ids``) as ``name`` (replaces that name); returns its size."""
        return self.annotations.save_selection(name, self._ids_or_selection(ids))

    @property
    def selections(self) -> dict[str, pd.Index]:
        """Saved selections: name → ids (table order), in order of saving."""
        return {name: self.table.ids(pos) for name, pos in self.annotations.selections.items()}

    def restore_selection(self, name: str) -> None:
        """Select a saved selection's samples again; every view follows."""
        self.table.select_positions(self.annotations.saved_positions(name))

    def delete_selection(self, name: str) -> None:
        """Forget a saved selection."""
        self.annotations.delete_selection(name)

    def evaluate(
        self,
        predictions: Any,
        name: str = "new model",
        *,
        baseline: Any = None,
        baseline_name: str = "current",
    ) -> pd.DataFrame:
        """Accuracy of a new model's predictions beside the current model's.

        Rows: all samples, each class, each saved selection (the regression
        set). Columns: ``n``, ``corrected``, ``current``, ``<name>``,
        ``delta``. Both models are measured against the **corrected** label
        where a sample was corrected, else the given label.

        ``predictions``: a Series indexed by id, or an array in table order
        of class values (N) or of class probabilities (N × classes).
        ``baseline``: another model's predictions (same forms) to compare
        with instead of the lens' own prediction, shown as ``baseline_name``.

        >>> lens.evaluate(new_model.predict(X), name="retrained")  # doctest: +SKIP
        >>> lens.evaluate(fixed, "clean", baseline=noisy, baseline_name="noisy")  # doctest: +SKIP
        """
        return evaluation.evaluate(
            self.table,
            self.annotations,
            predictions,
            name,
            baseline=baseline,
            baseline_name=baseline_name,
        )

    # ------------------------------------------------------------- export
    def export(
        self,
        path: str | os.PathLike[str],
        format: str | None = None,
        *,
        ids: Any = None,
        overwrite: bool = False,
        audio: str = "full",
        loudest_seconds: float = export_audio.LOUDEST_SECONDS,
        progress: bool | None = None,
    ) -> pathlib.Path:
        """Write the selected samples (or ``ids``) to a file; return its absolute path.

        The format follows the suffix (``.csv``, ``.json``, ``.jsonl``,
        ``.parquet``) or ``format=``: ``"csv"``, ``"json"``, ``"jsonl"``,
        ``"parquet"`` or ``"label-studio"``. Tabular files hold the id, the
        user's columns (in-memory images and audio left out; vectors as JSON
        lists, JSON text in CSV), the derived columns, ``tags`` and
        ``corrected_label``: see :mod:`nbdatalens.export`.

        ``"label-studio"`` writes Label Studio import tasks: the media (path,
        or an inline data URI for in-memory images and audio), the sample id
        and given label in ``data``, and the model's predicted class and its
        probability as a prediction, so the labeler sees what the model
        thought. Label the tasks with :meth:`label_studio_config`'s config::

            <View>
              <Header value="Given label" size="6"/>
              <Header value="$given_label" size="4"/>
              <Image name="image" value="$image"/>
              <Choices name="label" toName="image" choice="single" showInline="true">
                <Choice value="0"/> … one per class
              </Choices>
            </View>

        and read the results back with :func:`nbdatalens.read_label_studio`.

        ``audio="loudest"`` (default ``"full"``; needs an audio column) trims
        each exported clip to its loudest section: the window of
        ``loudest_seconds`` (default 1 s; the whole clip when shorter) with
        the most energy, the ``loudest_start`` / ``loudest_end`` of the issue
        checks when they ran (the section the gallery marks), else measured
        now. Tabular formats write the trimmed clips as 16-bit mono WAV files
        into a folder beside the file, ``<stem>_audio/<id>.wav``, and add an
        ``audio_loudest`` column with each file's absolute path; Label Studio
        tasks inline the trimmed clip as ``data.audio`` instead of the full
        one. The folder appears whole or not at all. See
        :mod:`nbdatalens.export_audio`.

        The write is atomic (temporary file, then rename): an error leaves no
        partial file. An existing file (or clip folder) is replaced only with
        ``overwrite=True``. With nothing selected and no ``ids``: ValueError;
        an ``audio`` other than ``"full"`` / ``"loudest"``, or ``"loudest"``
        on a table without audio: ValueError. ``progress``: a progress bar while
        thumbnails or clips are encoded, when that takes over a second.

        >>> lens.export("relabel.csv")                          # doctest: +SKIP
        >>> lens.export("tasks.json", format="label-studio")    # doctest: +SKIP
        >>> lens.export("fixes.csv", audio="loudest")  # + fixes_audio/<id>.wav  # doctest: +SKIP
        """
        return export.export_samples(
            self.table,
            self.annotations,
            path,
            format,
            ids=ids,
            overwrite=overwrite,
            extras=self._extras(),
            audio=audio,
            loudest_seconds=loudest_seconds,
            progress=progress,
            windows=(
                export_audio.check_windows(self.report, loudest_seconds)
                if audio == "loudest"
                else None
            ),
        )

    def label_studio_config(self) -> str:
        """The Label Studio labeling config (XML) for this lens' Label Studio export."""
        from .label_studio import label_studio_config

        return label_studio_config(self.table)

    # ------------------------------------------------------------- views
    @property
    def model(self) -> Any:
        """The one browser-side table model every view of this lens reads (created on
        first use; ``projection`` applies then)."""
        if self._model is None:
            from .views.table_model import TableModel

            self._model = TableModel(
                self.table,
                self.annotations,
                projection=self.projection,
                export=lambda path, fmt, overwrite: self.export(path, fmt, overwrite=overwrite),
                extras=self._extras,
            )
            from .views.issues import connect_issues

            connect_issues(self._model, self.report, self.annotations)
            if self.table.embedding is not None:
                self._model.add_handler("similar", self._similar_message)
        return self._model

    def confusion_matrix(self, **kwargs: Any) -> Any:
        """The clickable confusion matrix (rows = given label, columns = prediction).

        ``epoch=3`` shows the predictions after epoch index 3 (needs per-epoch
        predictions: a recorder, or N×E×C dynamics); the view's slider moves it.
        """
        from .views.confusion import ConfusionMatrix

        return ConfusionMatrix(self.model, **kwargs)

    def data_map(self, **kwargs: Any) -> Any:
        """The Dataset Cartography data map: variability (x) × confidence (y)."""
        from .views.scatter import DataMap

        return DataMap(self.model, **kwargs)

    def cluster_map(self, **kwargs: Any) -> Any:
        """The 2-D map of the embeddings (or the given x/y) with lasso selection."""
        from .views.scatter import ClusterMap

        return ClusterMap(self.model, **kwargs)

    def gallery(self, **kwargs: Any) -> Any:
        """Thumbnails (or audio, or text) of the selection; a random sample when empty."""
        from .views.gallery import Gallery

        return Gallery(self.model, **kwargs)

    def toolbar(self, **kwargs: Any) -> Any:
        """The selection toolbar: tag, relabel, export and save the selection from the page."""
        from .views.toolbar import SelectionToolbar

        return SelectionToolbar(self.model, **kwargs)

    def views(self) -> list[Any]:
        """One of each view this table can draw, in dashboard order: the Issues view, then
        the confusion matrix, data map and cluster map where the table allows them (no
        dynamics, no data map; no prediction, no confusion matrix)."""
        table = self.table
        views = [self.issues_view()]
        if table.pred_codes is not None:
            views.append(self.confusion_matrix())
        if table.has_dynamics:
            views.append(self.data_map())
        if table.embedding is not None or table.xy is not None:
            views.append(self.cluster_map())
        return views

    def show(self) -> Any:
        """All views, linked, laid out to fit the notebook width. Queues the issue checks in
        the background: they run once the page has drawn the views (or after 10 s without
        a page), and the Issues view fills in as each finishes; never waits for them.

        In marimo (which shows anywidgets but not ipywidgets containers) this is one
        ``Dashboard`` anywidget wrapped in ``mo.ui.anywidget``: assign it (``dash =
        lens.show()``) and a cell reading ``dash.selected`` re-runs on every selection
        made in the page."""
        from .views.dashboard import Dashboard, for_marimo, marimo_running
        from .views.layout import dashboard

        views, gallery = self.views(), self.gallery()
        # The checks wait until the page has drawn these views (or 10 s): run beside the
        # drawing they would take the GIL and a core from the column replies and the page.
        drawn = self.model.when_drawn(v.DRAWN_AS for v in [*views, gallery] if v.DRAWN_AS)
        self.report.start(after=drawn)
        if marimo_running():
            return for_marimo(
                Dashboard(
                    views, toolbar=self.toolbar(), gallery=gallery, selected=lambda: self.selected
                )
            )
        return dashboard(views, toolbar=self.toolbar(), gallery=gallery)

    # ------------------------------------------------------------ figures
    def figure(self, kind: str, *, ax: Any = None, **options: Any) -> Any:
        """A matplotlib Figure of one view, the current selection highlighted (for papers).

        ``kind``: ``"confusion"``, ``"data_map"``, ``"cluster_map"`` or ``"issues"``.
        Drawn on a :class:`matplotlib.figure.Figure` (never pyplot: nothing is shown
        or kept globally), or onto ``ax`` (an existing Axes; its figure is returned)
        to compose panels. Save it with ``fig.savefig("map.pdf")`` (PNG, PDF, SVG;
        point clouds are rasterized, text and outlines stay vector). Every kind takes
        ``title=`` and ``figsize=``; the others:

        - ``confusion``: ``normalize="true"`` (colour = share of the given label;
          the cells still show counts), ``epoch=`` (per-epoch predictions),
          ``annotate=`` (counts in the cells; default up to 30 classes).
        - ``data_map``: ``marginals=True`` (histograms of both axes),
          ``point_size=``. Needs training dynamics.
        - ``cluster_map``: ``color="label"`` (or ``"pred"``, ``"loss"``, any column
          of :meth:`frame`), ``cmap=``, ``point_size=``, ``layout="umap"|"pca"``
          (default: the lens' projection). Uses the layout the cluster map shows;
          a UMAP still being fitted for the views is waited for, and one no view
          asked for is fitted now (once: it is cached in memory and on disk).
          Needs an embedding or x / y columns.
        - ``issues``: flagged samples per check; runs the checks first if they
          never ran (as :attr:`issue_summary` does), waits for a run ``show()``
          started.

        >>> fig = lens.figure("data_map", marginals=True)   # doctest: +SKIP
        >>> fig.savefig("data_map.pdf")                      # doctest: +SKIP
        """
        from . import figures

        if kind not in figures.KINDS:
            raise ValueError(f"unknown figure kind {kind!r}; choose one of {list(figures.KINDS)}")
        selection = self.table.selection
        if kind == "confusion":
            return figures.confusion_figure(self.table, selection=selection, ax=ax, **options)
        if kind == "data_map":
            return figures.data_map_figure(self.table, selection=selection, ax=ax, **options)
        if kind == "issues":
            report = self._report_ready()
            return figures.issues_figure(report, selection=selection, ax=ax, **options)
        coords, method = self._figure_layout(options.pop("layout", None))
        return figures.cluster_map_figure(
            self.table, coords, method=method, selection=selection, frame=self.frame, ax=ax,
            **options,
        )  # fmt: skip

    def _figure_layout(self, layout: str | None) -> tuple[Any, str]:
        """The cluster map's coordinates and their method, computed as the views compute them."""
        table = self.table
        if table.xy is not None:
            return table.xy, "given"
        emb = table.embedding
        if emb is None:
            raise ValueError(
                "figure('cluster_map') needs an embedding or x / y columns: the table has "
                "neither. Pass embedding= (N×D vectors) or x= and y= to DataLens"
            )
        if emb.shape[1] <= 2:
            flat = np.column_stack([emb[:, 0], np.zeros(len(emb), dtype=emb.dtype)])
            return (emb if emb.shape[1] == 2 else flat), "given"
        method = self.projection if layout is None else layout
        if method not in ("umap", "pca"):
            raise ValueError(f"layout must be 'umap' or 'pca', got {method!r}")
        model = self._model
        if model is not None:
            if model.coords_method == method:
                return model.layout_coords, method
            job = getattr(model, "_job", None)
            if method == "umap" and job is not None and job.method == "umap":
                return job.wait(), "umap"  # the views' own fit: never a second UMAP
        from .projection import project
        from .views.table_model import SEEDED_UMAP_MAX_ROWS

        if method == "pca":
            return project(emb, "pca"), "pca"
        seed = 0 if len(emb) <= SEEDED_UMAP_MAX_ROWS else None  # as the views fit it
        return project(emb, "umap", random_state=seed), "umap"

    def to_html(
        self,
        path: str | os.PathLike[str],
        *,
        max_media: int = 500,
        per_issue: int = 24,
        title: str | None = None,
        overwrite: bool = False,
    ) -> pathlib.Path:
        """Write one self-contained HTML file of the linked views; return its absolute path.

        The file opens in any browser without a kernel or a network: the Issues view,
        confusion matrix, data map, cluster map and gallery work and stay linked as in
        ``show()``. The gallery carries thumbnails (or audio, text) of at most
        ``max_media`` samples: the current selection, the ``per_issue`` most severe
        samples of each issue check, the saved selections, then the gallery's random
        sample; other tiles say "not in this report". A selection made in the file is
        copied out as ids with its "Copy ids" button. Tags and corrections are shown,
        not edited. Runs the issue checks first if they never ran (waits for a UMAP
        layout still being computed). Written atomically; an existing file is replaced
        only with ``overwrite=True``. Prints the file's size.

        >>> lens.to_html("report.html", max_media=300)   # doctest: +SKIP
        wrote report.html (1.4 MB; 300 samples with media)
        """
        from .views.report import build_report, write_report

        target = pathlib.Path(path).expanduser()
        if not overwrite and target.exists():
            raise FileExistsError(f"{target} already exists; pass overwrite=True to replace it")
        self._report_ready()
        model = self.model
        job = getattr(model, "_job", None)
        if job is not None:
            try:
                job.wait()
            except Exception:  # the layout failed or was cancelled: PCA is shown, as in show()
                pass
        page, n_media = build_report(
            model,
            self.views(),
            self.gallery(),
            self.report,
            dict(self.annotations.selections),
            max_media=max_media,
            per_issue=per_issue,
            title=title,
        )
        return write_report(target, page, n_media, overwrite=overwrite)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.show()._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        n_sel = len(self.table.selection)
        return f"DataLens({self.table!r}; {n_sel} selected)"
