"""Compare a new model with the current one: overall, per class, and on saved selections.

The saved selections are the regression set: the samples that bit you
before. Accuracy is measured against the **corrected** labels where a
sample was corrected, else the given label, for both models alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .roles import _preview

if TYPE_CHECKING:
    from .annotations import Annotations
    from .table import SampleTable

#: Code of a predicted value that is none of the classes (always wrong).
UNKNOWN_CLASS = -2


def prediction_codes(table: SampleTable, annotations: Annotations, predictions: Any) -> np.ndarray:
    """Class codes (in ``annotations.classes``) of a model's predictions for every row.

    ``predictions``: a Series indexed by sample id (aligned by id; every
    table id must be present), or an array in table order of class values
    (N) or of per-class probabilities (N × C, columns in the order of the
    table's label classes; the argmax is the prediction). A predicted value
    that is none of the classes counts as wrong.
    """
    n = table.n
    if isinstance(predictions, pd.DataFrame):
        raise TypeError("predictions must be a Series or an array, not a DataFrame")
    if isinstance(predictions, pd.Series):
        aligned = predictions.reindex(table.df.index)
        missing = aligned.isna() & ~table.df.index.isin(predictions.index)
        if missing.any():
            raise ValueError(
                f"predictions: {int(missing.sum())} sample id(s) have no prediction: "
                f"{_preview(table.df.index[missing.to_numpy()], 5)}"
            )
        values: Any = aligned.to_numpy(dtype=object)
    else:
        values = np.asarray(predictions)
        if values.ndim == 2:
            if values.shape != (n, table.n_label_classes):
                raise ValueError(
                    f"predictions: probabilities must have shape ({n}, {table.n_label_classes}) "
                    f"(samples × label classes), got {values.shape}"
                )
            return values.argmax(axis=1).astype(np.int64)
        if values.ndim != 1 or len(values) != n:
            raise ValueError(
                f"predictions: expected {n} values in table order (or a Series indexed by id), "
                f"got shape {values.shape}"
            )
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError(f"predictions: {int((codes < 0).sum())} missing value(s)")

    def code(value: Any) -> int:
        try:
            return annotations.class_code(value, allow_new=False)
        except ValueError:
            return UNKNOWN_CLASS

    mapped = np.array([code(u) for u in uniques], dtype=np.int64)
    return mapped[codes]


def _accuracy(hits: np.ndarray, counts: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)


def evaluate(
    table: SampleTable,
    annotations: Annotations,
    predictions: Any,
    name: str = "new model",
    *,
    baseline: Any = None,
    baseline_name: str = "current",
) -> pd.DataFrame:
    """Accuracy of ``predictions`` beside a baseline's, per group of samples.

    The baseline is the table's own prediction (the current model), or
    ``baseline`` (predictions in the same forms as ``predictions``).

    Rows (a ``(group, name)`` index): ``("all", "all samples")``, then
    ``("class", <class>)`` for each class some (corrected) label has, then
    ``("selection", <name>)`` for each saved selection. Columns: ``n``
    (samples), ``corrected`` (how many of them carry a corrected label),
    ``baseline_name`` (NaN without a baseline), ``name`` and ``delta``
    (``name`` − baseline).
    """
    for what, value in (("name", name), ("baseline_name", baseline_name)):
        if not isinstance(value, str) or not value or value in ("n", "corrected", "delta"):
            raise ValueError(
                f"{what} must be a non-empty string other than n, corrected and delta, "
                f"got {value!r}"
            )
    if name == baseline_name:
        raise ValueError(f"name and baseline_name must differ, both are {name!r}")
    truth = annotations.effective_label_codes().astype(np.int64)
    new_hit = prediction_codes(table, annotations, predictions) == truth
    if baseline is not None:
        current_hit = prediction_codes(table, annotations, baseline) == truth
    else:
        current_hit = None if table.pred_codes is None else table.pred_codes == truth
    corrected = annotations.corrected_codes >= 0
    n_classes = len(annotations.classes)

    labels: list[tuple[str, str]] = [("all", "all samples")]
    count = [table.n]
    n_corr = [int(corrected.sum())]
    new = [float(new_hit.mean()) if table.n else np.nan]
    cur = [np.nan if current_hit is None or not table.n else float(current_hit.mean())]

    per_class = np.bincount(truth, minlength=n_classes)
    present = np.flatnonzero(per_class)
    labels += [("class", str(annotations.classes[c])) for c in present]
    count += per_class[present].tolist()
    n_corr += (
        np.bincount(truth, weights=corrected, minlength=n_classes)[present].astype(int).tolist()
    )
    new += _accuracy(np.bincount(truth, weights=new_hit, minlength=n_classes), per_class)[
        present
    ].tolist()
    if current_hit is None:
        cur += [np.nan] * present.size
    else:
        hits = np.bincount(truth, weights=current_hit, minlength=n_classes)
        cur += _accuracy(hits, per_class)[present].tolist()

    for saved, pos in annotations.selections.items():
        labels.append(("selection", saved))
        count.append(int(pos.size))
        n_corr.append(int(corrected[pos].sum()))
        new.append(float(new_hit[pos].mean()))
        cur.append(np.nan if current_hit is None else float(current_hit[pos].mean()))

    frame = pd.DataFrame(
        {"n": count, "corrected": n_corr, baseline_name: cur, name: new},
        index=pd.MultiIndex.from_tuples(labels, names=["group", "name"]),
    )
    frame["delta"] = frame[name] - frame[baseline_name]
    return frame
