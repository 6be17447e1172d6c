"""What the lens finds by itself: issue checks, similar samples, data boosting.

The methods of :class:`~nbdatalens.lens.DataLens` that search the data rather
than show it, kept apart so that ``lens.py`` stays about owning the table and
its views. They use only what a lens owns: ``table``, ``annotations``,
``report`` (the issue checks) and, once created, the table ``model``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .similarity import boost_candidates, pool_embedding, similar_positions

if TYPE_CHECKING:
    from .annotations import Annotations
    from .issue_report import IssueReport
    from .table import SampleTable, SelectMode


class FindingMethods:
    """Issue checks, "find similar" and data boosting (mixed into DataLens)."""

    table: SampleTable
    annotations: Annotations
    report: IssueReport
    _model: Any
    model: Any

    # ------------------------------------------------------------- issues
    def find_issues(
        self,
        issue_types: Iterable[str] | None = None,
        *,
        progress: bool | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """Run every issue check the roles allow (or only ``issue_types``); return the summary.

        Checks (cleanlab Datalab's names): ``label`` (likely mislabeled, with
        ``suggested_label``), ``near_duplicate``, ``exact_duplicate``, ``outlier``,
        ``class_imbalance``, ``label_split``, ``underperforming_group``,
        ``coverage`` and the media checks. Each gives every sample
        ``is_<type>_issue`` and ``<type>_score`` in [0, 1], lower = more
        severe (:attr:`issues`). A check the roles do not allow is listed in the
        summary as ``not run: <why>``. ``params``: ``{issue_type: {threshold:
        value}}`` (see each check in :mod:`nbdatalens.issues`). ``show()``
        starts the checks in the background; this waits for that run.
        ``progress``: a progress bar when the checks take over a second
        (``False`` or ``NBDATALENS_PROGRESS=0``: none).

        >>> lens.find_issues()                              # doctest: +SKIP
        >>> lens.find_issues(["label"], label={"max_score": 0.3})  # doctest: +SKIP
        """
        self.report.wait(progress=progress)
        if issue_types is not None or params or not self.report.ran:
            self.report.run(issue_types, progress=progress, **params)
        return self.issue_summary

    def _report_ready(self) -> IssueReport:
        self.report.wait(progress=None)
        if not self.report.ran:
            self.report.run()
        return self.report

    @property
    def issue_summary(self) -> pd.DataFrame:
        """One row per check: issue_type, num_issues, share, status, description (runs the
        checks first if they never ran)."""
        return self._report_ready().summary()

    @property
    def issues(self) -> pd.DataFrame:
        """Per sample (same index as ``df``): ``is_<type>_issue``, ``<type>_score`` and the
        checks' extra columns (``suggested_label``, ``duplicate_set``, …)."""
        return self._report_ready().frame()

    def issue_ids(self, issue_type: str) -> pd.Index:
        """The ids a check flagged, most severe first."""
        return self.table.ids(self._report_ready().ranked_positions(issue_type))

    def select_issue(self, issue_type: str, mode: SelectMode = "replace") -> None:
        """Select the samples a check flagged; every view follows (the gallery sorts them
        worst first)."""
        positions = self._report_ready().ranked_positions(issue_type)
        if self._model is not None:
            self._model.active_issue = issue_type
        self.table.select_positions(positions, mode)

    def issues_view(self, **kwargs: Any) -> Any:
        """The Issues view: one row per check; a click selects its flagged samples."""
        from .views.issues import IssuesView

        return IssuesView(self.model, **kwargs)

    # ------------------------------------------------------- find similar
    def similar(self, ids: Any, k: int = 12) -> pd.DataFrame:
        """The ``k`` samples most similar (cosine of the embedding) to each of ``ids``.

        One row per (query, neighbour), grouped by query, most similar first:
        ``query_id``, ``id``, ``similarity``, ``rank`` (1 = nearest), ``label``,
        ``pred``. A query is never its own neighbour. Uses the table's one kNN
        index (exact up to 20k rows, approximate above, see
        :mod:`nbdatalens.neighbors`).

        >>> lens.similar(lens.issue_ids("label")[:3], k=5)    # doctest: +SKIP
        """
        table = self.table
        query, found, sim, rank = similar_positions(table.knn(), table.positions(ids), k)
        names = np.asarray([*table.classes, None], dtype=object)[:-1]
        pred = (
            names[table.pred_codes[found]]
            if table.pred_codes is not None
            else np.full(found.size, None, dtype=object)
        )
        return pd.DataFrame(
            {
                "query_id": table.ids(query),
                "id": table.ids(found),
                "similarity": sim.astype(np.float64),
                "rank": rank,
                "label": names[table.label_codes[found]],
                "pred": pred,
            }
        )

    def select_similar(self, ids: Any, k: int = 12, mode: SelectMode = "replace") -> None:
        """Select ``ids`` and their ``k`` most similar samples; every view follows."""
        table = self.table
        query, found, _, _ = similar_positions(table.knn(), table.positions(ids), k)
        table.select_positions(np.concatenate([query, found]), mode)

    def _similar_message(self, content: dict[str, Any]) -> tuple[dict[str, Any], list[bytes]]:
        """The page's "find similar" (``{type: "similar", pos, k}``): select the sample and
        its ``k`` neighbours; reply with the selected count."""
        k = int(content.get("k", 12))
        self.select_similar(self.table.ids([int(content["pos"])]), k)
        return {"count": len(self.table.selection), "k": k}, []

    # ------------------------------------------------------- data boosting
    def _boost_seeds(self, seeds: Any) -> np.ndarray:
        table = self.table
        if seeds is not None:
            return np.unique(table.positions(seeds))
        wrong = (
            np.zeros(table.n, dtype=bool)
            if table.pred_codes is None
            else table.pred_codes != self.annotations.effective_label_codes()
        )
        if table.split_codes is not None:
            return np.flatnonzero(wrong & (table.split_codes == 1))
        if len(table.selection):
            return np.asarray(table.selection, dtype=np.int64)
        return np.flatnonzero(wrong)

    def boost(
        self, pool: Any, k: int = 5, seeds: Any = None, *, embedding: Hashable | None = None
    ) -> pd.DataFrame:
        """Pull the nearest pool candidates for each seed sample (data boosting).

        ``pool``: a DataFrame with an embedding column (found by name like the
        lens' own, or ``embedding=``) and any media / text columns, or an
        M × D array; no label needed. ``seeds`` (ids) default to the
        misclassified samples of the validation split when the table has a
        split, otherwise the current selection, otherwise every misclassified
        sample ("misclassified" judges the prediction against the corrected
        label where there is one).

        Returns a DataFrame indexed by pool id: ``seed`` (the lens id that
        pulled it), ``similarity`` (cosine), ``suggested_label`` (the seed's
        label: corrected where corrected), ``rank`` (1 = the seed's nearest),
        then the pool's other columns. A candidate pulled by several seeds
        appears once, with its closest seed; a pool row that is a sample of the
        lens already (the same vector) is left out. See
        :func:`nbdatalens.similarity.boost_candidates`.

        >>> cands = lens.boost(pool_df, k=5)                  # doctest: +SKIP
        >>> lens.boost_view(cands)                            # doctest: +SKIP
        """
        table = self.table
        if table.embedding is None:
            raise ValueError("boost needs an embedding: the lens' table has no embedding role")
        vectors, ids = pool_embedding(pool, embedding, table.embedding.shape[1])
        positions = self._boost_seeds(seeds)
        labels = np.asarray([*self.annotations.classes, None], dtype=object)[:-1]
        seed_labels = labels[self.annotations.effective_label_codes()[positions]]
        cands = boost_candidates(table, positions, vectors, ids, k, seed_labels)
        if isinstance(pool, pd.DataFrame):
            rest = pool.drop(columns=[c for c in pool.columns if c in cands.columns])
            cands = cands.join(rest)
        return cands

    def boost_view(self, candidates: pd.DataFrame, **kwargs: Any) -> Any:
        """The pool candidates of :meth:`boost` as a lens of their own, shown at once: a
        gallery (each tile says which seed pulled it), the selection toolbar (tag, export;
        Label Studio tasks carry the suggested label as the prediction) and a cluster map
        when the pool has an embedding. Returns that lens; a lens displays as its
        dashboard. ``kwargs`` name roles of the pool (``image="path"``)."""
        missing = {"seed", "similarity", "suggested_label"} - set(candidates.columns)
        if missing:
            raise ValueError(
                f"candidates: missing column(s) {sorted(missing)}; pass what lens.boost returned"
            )
        frame = candidates.rename(columns={"suggested_label": "label"})
        frame["prediction"] = frame["label"]
        frame["seed"] = frame["seed"].map(lambda s: f"{s}")
        # A lens displays as its dashboard, so returning it shows it in the notebook.
        lens_type: Any = type(self)  # DataLens (imported from here it would be a cycle)
        return lens_type(frame, projection="pca", classes=self.annotations.classes, **kwargs)
