"""DataLens: the object a user holds in the notebook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .table import SampleTable, SelectMode


class DataLens:
    """Linked views over one table of samples.

    Parameters
    ----------
    df:
        One row per sample; the index holds the sample ids (unique).
    projection:
        ``"umap"`` (default: PCA is shown at once, UMAP replaces it when
        ready) or ``"pca"`` (PCA only) for the cluster map.
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
        df: pd.DataFrame,
        *,
        projection: str = "umap",
        classes: Iterable[Any] | None = None,
        thresholds: Mapping[str, float] | None = None,
        **roles: Any,
    ) -> None:
        if projection not in ("umap", "pca"):
            raise ValueError(f"projection must be 'umap' or 'pca', got {projection!r}")
        self.table = SampleTable(df, classes=classes, thresholds=thresholds, **roles)
        self.projection = projection

    # -------------------------------------------------------------- data
    @property
    def df(self) -> pd.DataFrame:
        """The user's frame (never modified)."""
        return self.table.df

    @property
    def derived(self) -> pd.DataFrame:
        """Derived per-sample columns: pred, correct, loss, margin, confidence,
        variability, correctness, region (same index as ``df``)."""
        return self.table.derived

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

    # ------------------------------------------------------------- views
    def _model(self) -> Any:
        if self.table._widget_model is None:
            from .views.table_model import TableModel

            self.table._widget_model = TableModel(self.table, projection=self.projection)
        return self.table._widget_model

    def confusion_matrix(self, **kwargs: Any) -> Any:
        """The clickable confusion matrix (rows = given label, columns = prediction)."""
        from .views.confusion import ConfusionMatrix

        return ConfusionMatrix(self._model(), **kwargs)

    def data_map(self, **kwargs: Any) -> Any:
        """The Dataset Cartography data map: variability (x) × confidence (y)."""
        from .views.scatter import DataMap

        return DataMap(self._model(), **kwargs)

    def cluster_map(self, **kwargs: Any) -> Any:
        """The 2-D map of the embeddings (or the given x/y) with lasso selection."""
        from .views.scatter import ClusterMap

        return ClusterMap(self._model(), **kwargs)

    def gallery(self, **kwargs: Any) -> Any:
        """Thumbnails (or audio, or text) of the selection; a random sample when empty."""
        from .views.gallery import Gallery

        return Gallery(self._model(), **kwargs)

    def show(self) -> Any:
        """All views, linked, laid out to fit the notebook width."""
        from .views.layout import dashboard

        return dashboard(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.show()._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        n_sel = len(self.table.selection)
        return f"DataLens({self.table!r}; {n_sel} selected)"
