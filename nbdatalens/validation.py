"""Turn role sources into checked numpy arrays.

Every error raised here names the column (or ``<array>`` for values passed
directly) and says what is wrong, before anything is drawn. The checks are
vectorised and cheap when the input is good (one summing pass decides that a
million rows hold no NaN); the per-row masks that name the offending ids are
only built on the error path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .probability import SUM_TOLERANCE
from .roles import Source, _preview, is_vector_cell
from .validation_values import check_distinct_names


def check_frame(df: Any) -> pd.DataFrame:
    """The frame itself: a non-empty DataFrame with a unique index."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(
            f"DataLens expects a pandas DataFrame with one row per sample, got {type(df).__name__}"
        )
    if len(df) == 0:
        raise ValueError("the DataFrame is empty: nbdatalens needs at least one sample (row)")
    if not df.index.is_unique:
        dup = df.index[df.index.duplicated()].unique()
        raise ValueError(
            f"the DataFrame index must hold unique sample ids, but {len(dup)} id(s) repeat, "
            f"e.g. {_preview(dup, 5)}; use df.reset_index(drop=True) or set a unique id column "
            "as the index"
        )
    return df


def check_thresholds(thresholds: Mapping[str, float] | None) -> dict[str, float]:
    """Data-map thresholds merged over the defaults; unknown keys and bad values refused."""
    from . import cartography

    merged = {**cartography.DEFAULT_THRESHOLDS, **(thresholds or {})}
    # The cartography module owns the rules (known keys, ranges); an empty call applies them.
    cartography.assign_regions(np.zeros(0), np.zeros(0), merged)
    return {k: float(v) for k, v in merged.items()}


def raw_values(df: pd.DataFrame, src: Source) -> Any:
    """The values of a single-column source, as a Series or the given array."""
    if src.columns is None:
        return src.value
    return df[src.columns[0]]


def _bad_rows(df: pd.DataFrame, mask: np.ndarray) -> str:
    return _preview(df.index[np.asarray(mask)], 5)


def encode_labels(
    df: pd.DataFrame, src: Source, role: str = "label"
) -> tuple[list[Any], np.ndarray]:
    """Label-like values as ``(classes, codes)``: ``classes[codes[i]]`` is row i's value.

    ``classes`` are sorted when they are orderable (first-seen order otherwise);
    a categorical column keeps its category order, unused categories included.
    Missing values are refused with the ids of their rows.

    >>> df = pd.DataFrame({"y": ["dog", "cat", "dog"]})
    >>> encode_labels(df, Source(("y",)))
    (['cat', 'dog'], array([1, 0, 1], dtype=int32))
    """
    values = raw_values(df, src)
    if isinstance(values, np.ndarray) and values.ndim != 1:
        hint = "; for one-hot labels pass labels.argmax(axis=1)" if values.ndim == 2 else ""
        raise ValueError(
            f"column {src.name!r} ({role}): expected one value per row, got shape "
            f"{values.shape}{hint}"
        )
    if not isinstance(values, (pd.Series, np.ndarray)):
        values = pd.Series(values if isinstance(values, pd.Categorical) else list(values))
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        classes = values.cat.categories.tolist()
    else:
        try:
            try:
                codes, uniques = pd.factorize(values, sort=True)
            except TypeError:  # unorderable mix of types: keep first-seen order
                codes, uniques = pd.factorize(values, sort=False)
        except TypeError as exc:
            raise TypeError(
                f"column {src.name!r} ({role}): values must be hashable class values "
                f"(str, int, ...): {exc}"
            ) from None
        classes = uniques.tolist()
    missing = codes < 0
    if missing.any():
        raise ValueError(
            f"column {src.name!r} ({role}): {int(missing.sum())} missing value(s) (NaN/None) "
            f"at ids {_bad_rows(df, missing)}"
        )
    check_distinct_names(classes, f"column {src.name!r} ({role})")
    return classes, codes.astype(np.int32, copy=False)


def _not_vectors(df: pd.DataFrame, src: Source, role: str, cells: Sequence[Any]) -> Exception:
    """The error for a column of vectors that failed to stack: missing, wrong type or ragged."""
    bad = [i for i, v in enumerate(cells) if not is_vector_cell(v)]
    missing = [i for i in bad if _is_missing_cell(cells[i])]
    if missing:
        return ValueError(
            f"column {src.name!r} ({role}): {len(missing)} row(s) have no vector (missing "
            f"value), e.g. ids {_preview(df.index[missing], 5)}"
        )
    if bad:
        return TypeError(
            f"column {src.name!r} ({role}): expected one vector (list or array) per row, found "
            f"a {type(cells[bad[0]]).__name__} at ids {_preview(df.index[bad], 5)}"
        )
    shapes = pd.Series([np.shape(v) for v in cells], index=df.index)
    common = shapes.mode().iloc[0]
    odd = shapes != common
    if odd.any():
        return ValueError(
            f"column {src.name!r} ({role}): rows have different lengths (ragged): most have "
            f"shape {common}, but ids {_preview(shapes.index[odd], 5)} have "
            f"{_preview(shapes[odd].unique(), 3)}"
        )
    return TypeError(f"column {src.name!r} ({role}): values must be numbers")


def _is_missing_cell(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _stack_cells(
    df: pd.DataFrame, src: Source, role: str, cells: list[Any], allow_missing: bool = False
) -> np.ndarray:
    """One vector (or matrix) per cell → one array with rows first.

    ``np.concatenate`` of the cells then a reshape is about twice as fast as
    ``np.stack`` (no per-cell ``expand_dims`` view); the per-cell lengths are
    compared first, since a concatenation alone cannot tell ragged rows apart
    when their lengths happen to add up. With ``allow_missing`` a None / NaN
    cell becomes a row of NaN.
    """
    n = len(cells)
    try:
        lengths = np.fromiter(map(len, cells), dtype=np.intp, count=n)
    except TypeError:
        present = [v for v in cells if not _is_missing_cell(v)]
        if not allow_missing or not present or not is_vector_cell(present[0]):
            raise _not_vectors(df, src, role, cells) from None
        gap = np.full(np.shape(present[0]), np.nan)
        cells = [gap if _is_missing_cell(v) else v for v in cells]
        return _stack_cells(df, src, role, cells)
    if (lengths != lengths[0]).any():
        raise _not_vectors(df, src, role, cells)
    try:
        flat = np.concatenate(cells)
    except ValueError:  # 0-d cells (strings, dicts) or trailing shapes that differ
        raise _not_vectors(df, src, role, cells) from None
    return flat.reshape((n, int(lengths[0]), *flat.shape[1:]))


def _block(df: pd.DataFrame, src: Source, role: str) -> np.ndarray:
    """Several numeric columns (one per class or dimension) as one N×K float64 array."""
    cols = list(src.columns or ())
    out = np.empty((len(df), len(cols)), dtype=np.float64)
    for j, col in enumerate(cols):
        series = df[col]
        if not pd.api.types.is_numeric_dtype(series.dtype):
            raise TypeError(
                f"column {col!r} ({role}): values must be numbers, got dtype {series.dtype}"
            )
        out[:, j] = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return out


def _list_block(df: pd.DataFrame, src: Source, role: str, allow_missing: bool) -> np.ndarray:
    """The block of a list column (:class:`nbdatalens.frames.ListBlock`), or the error saying
    why the column is none: ragged rows, values that are not numbers, null rows."""
    block = src.list_block
    where = f"column {src.name!r} ({role})"
    if block.problem == "non-numeric":
        raise TypeError(
            f"{where}: a list column of {block.type} holds no numbers; expected lists of "
            "numbers (int or float), one vector per row"
        )
    if block.problem == "ragged" and block.lengths is not None:
        lengths = pd.Series(block.lengths, index=df.index)
        present = lengths[lengths >= 0]
        common = int(present.mode().iloc[0])
        odd = present != common
        raise ValueError(
            f"{where}: rows have different lengths (ragged list column): most have length "
            f"{common}, but ids {_preview(present.index[odd.to_numpy()], 5)} have "
            f"{_preview(sorted(present[odd].unique().tolist()), 3)}"
        )
    if block.problem is not None:
        what = {
            "ragged": "rows hold inner lists of different lengths (ragged list column)",
            "inner-null": "rows hold a missing (null) inner list",
        }[block.problem]
        rows = block.bad_rows if block.bad_rows is not None else np.zeros(0, dtype=np.int64)
        raise ValueError(f"{where}: {len(rows)} {what}, e.g. ids {_preview(df.index[rows], 5)}")
    values = block.values
    if block.null is not None:
        if not allow_missing:
            raise ValueError(
                f"{where}: {int(block.null.sum())} row(s) are null (no list), e.g. ids "
                f"{_bad_rows(df, block.null)}; every sample needs a vector"
            )
        values = values.astype(np.result_type(values.dtype, np.float32))  # a copy: NaN rows
        values[block.null] = np.nan
    return values


def _check_finite(
    df: pd.DataFrame, arr: np.ndarray, name: str, role: str, allow_nan_rows: bool = False
) -> None:
    """Refuse NaN / ±inf, naming the rows; with ``allow_nan_rows`` a row entirely NaN passes."""
    if arr.size == 0 or arr.dtype.kind in "iub":
        return
    # One summing pass, no N×D boolean temporary: NaN and ±inf propagate into the
    # total. A total that overflowed from large finite values gets the exact check.
    with np.errstate(over="ignore", invalid="ignore"):
        total = arr.sum()
    if np.isfinite(total) or (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        return
    rows = arr.reshape(len(arr), -1)
    bad = ~np.isfinite(rows).all(axis=1)
    if allow_nan_rows:
        bad &= ~np.isnan(rows).all(axis=1)
        if not bad.any():
            return
    hint = " (a sample without any is NaN in every entry)" if allow_nan_rows else ""
    raise ValueError(
        f"column {name!r} ({role}): {int(bad.sum())} row(s) contain NaN or infinite "
        f"values, e.g. ids {_bad_rows(df, bad)}{hint}"
    )


def stack_vectors(
    df: pd.DataFrame,
    src: Source,
    role: str,
    ndim: int | tuple[int, ...],
    allow_missing: bool = False,
) -> np.ndarray:
    """A column of per-row vectors (or one N×… array, or a column block) as a numeric array.

    A numeric column of scalars counts as N×1 when 2-D is wanted. Missing
    vectors, ragged rows, non-numeric values and NaN are refused with the
    column name and the ids of the rows at fault. With ``allow_missing`` a
    missing cell or a row that is NaN throughout stands for "no value for
    this sample" and comes back as a row of NaN.
    """
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if src.block:
        arr = _block(df, src, role)
    elif src.list_block is not None:
        arr = _list_block(df, src, role, allow_missing)
    else:
        values = raw_values(df, src)
        if isinstance(values, pd.Series):
            values = values.to_numpy()
        if isinstance(values, (list, tuple)):
            arr = _stack_cells(df, src, role, list(values), allow_missing)
        else:
            arr = np.asarray(values)
            if arr.dtype == object and arr.ndim == 1:
                arr = _stack_cells(df, src, role, arr.tolist(), allow_missing)
            elif arr.ndim == 1 and 1 not in allowed:
                arr = arr[:, None]
    if arr.dtype.kind not in "iuf":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"column {src.name!r} ({role}): values must be numbers, got dtype {arr.dtype}"
            ) from None
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(
            f"column {src.name!r} ({role}): expected {want} values (rows first), got shape "
            f"{arr.shape}"
        )
    _check_finite(df, arr, src.name, role, allow_nan_rows=allow_missing)
    return arr


def check_probs_column(
    df: pd.DataFrame, probs: np.ndarray, name: str, n_classes: int, classes: Sequence[Any]
) -> np.ndarray:
    """The probs column as an N×C matrix: finite, non-negative, rows summing to 1, C classes.

    The column-level twin of :func:`nbdatalens.probability.check_probabilities`: its
    errors name the column and the offending ids, and it shares that tolerance.
    """
    if probs.ndim != 2:
        raise ValueError(
            f"column {name!r} (probs): expected N×C probabilities, got shape {probs.shape}"
        )
    if probs.shape[1] == 1 and n_classes == 2:
        raise ValueError(
            f"column {name!r} (probs): one number per row, but there are 2 classes; for a "
            "binary classifier's positive-class probability p pass "
            "probs=np.column_stack([1 - p, p])"
        )
    if probs.shape[1] != n_classes:
        raise ValueError(
            f"column {name!r} (probs): each row has {probs.shape[1]} probabilities but there are "
            f"{n_classes} classes {_preview(classes)}; pass classes=[...] in probability-column "
            "order if some class never appears as a label"
        )
    _check_finite(df, probs, name, "probs")
    if probs.min() < 0:
        neg = (probs < 0).any(axis=1)
        raise ValueError(
            f"column {name!r} (probs): {int(neg.sum())} row(s) have negative probabilities, "
            f"e.g. ids {_bad_rows(df, neg)}; pass logits through a softmax first"
        )
    # A matrix-vector product sums short rows far faster than a per-row reduction.
    sums = probs @ np.ones(probs.shape[1], dtype=probs.dtype)
    off = np.abs(sums - 1.0) > SUM_TOLERANCE
    if off.any():
        worst = float(sums[off][np.argmax(np.abs(sums[off] - 1))])
        raise ValueError(
            f"column {name!r} (probs): {int(off.sum())} row(s) do not sum to 1 (e.g. ids "
            f"{_bad_rows(df, off)}, one sums to {worst:.4g}); if these are logits or scores, "
            "apply a softmax first"
        )
    return probs.astype(np.float32, copy=False)


#: Rows per block in the one-pass scan of N×E×C dynamics: small enough that a
#: class-major copy of the block stays in cache, large enough that the
#: per-block Python overhead is noise (~500 blocks for 1M rows).
SCAN_ROWS = 2048


def check_dynamics(
    df: pd.DataFrame, arr: np.ndarray, name: str, label_codes: np.ndarray, n_classes: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Check per-epoch dynamics and reduce them to ``(given, correct)``.

    ``arr`` is N×E (the given label's probability per epoch) or N×E×C (every
    class's), each row finite or NaN throughout (a sample without dynamics,
    as :func:`stack_vectors` with ``allow_missing`` leaves it). ``given`` is
    the N×E float32 given-label probability, NaN for a sample without
    dynamics; ``correct`` the N×E bool "argmax was the given label" (ties go
    to the lowest class, as ``np.argmax``), or None for N×E input, where
    only the given label's probability is known.
    """
    n_rows = len(label_codes)
    if arr.shape[0] != n_rows or arr.ndim not in (2, 3):
        raise ValueError(
            f"column {name!r} (dynamics): expected N×E per-epoch probabilities of the given label "
            f"or N×E×C per-epoch probabilities with N={n_rows}, got shape {arr.shape}"
        )
    if arr.ndim == 3 and arr.shape[2] != n_classes:
        raise ValueError(
            f"column {name!r} (dynamics): shape {arr.shape} has {arr.shape[2]} probabilities per "
            f"epoch (last axis) but there are {n_classes} classes"
        )
    if arr.shape[1] < 1:
        raise ValueError(f"column {name!r} (dynamics): no epochs recorded (shape {arr.shape})")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float32)
    absent = np.isnan(arr[:, 0].reshape(n_rows, -1)[:, 0])
    if absent.all():
        raise ValueError(f"column {name!r} (dynamics): every row is missing (NaN)")
    if absent.any():  # checked and reduced as a uniform guess, then set back to NaN
        arr = arr.copy()
        arr[absent] = 1.0 / arr.shape[2] if arr.ndim == 3 else 0.5
    if arr.ndim == 2:
        lo, hi = arr.min(), arr.max()
        given, correct, worst_sum = arr.astype(np.float32), None, 0.0  # a copy: ours
    else:
        given, correct, lo, hi, worst_sum = _scan_full_dynamics(arr, label_codes)
    if lo < 0 or hi > 1 + SUM_TOLERANCE:
        bad = ((arr < 0) | (arr > 1 + SUM_TOLERANCE)).reshape(n_rows, -1).any(axis=1)
        raise ValueError(
            f"column {name!r} (dynamics): probabilities must lie in [0, 1]; {int(bad.sum())} "
            f"row(s) do not, e.g. ids {_bad_rows(df, bad)}"
        )
    if worst_sum > SUM_TOLERANCE:
        rows = (np.abs(arr.sum(axis=2) - 1.0) > SUM_TOLERANCE).any(axis=1)
        raise ValueError(
            f"column {name!r} (dynamics): per-epoch probabilities must sum to 1 over the "
            f"classes; {int(rows.sum())} row(s) do not, e.g. ids {_bad_rows(df, rows)}"
        )
    if absent.any():
        given[absent] = np.nan
        if correct is not None:
            correct[absent] = False
    return given, correct


def _scan_full_dynamics(
    arr: np.ndarray, label_codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    """One blocked pass over N×E×C: given-label probability, exact correctness, range, sums.

    ``np.argmax`` / ``sum`` / ``take_along_axis`` over a short last axis each
    cost a full pass with per-row overhead (~2 s together for 1M × 10 × 10);
    here each block is copied once to class-major order so that every
    per-class step is a contiguous vector operation.
    """
    n, e, c = arr.shape
    given = np.empty((n, e), dtype=np.float32)
    correct = np.empty((n, e), dtype=bool)
    lo, hi, worst_sum = np.inf, -np.inf, 0.0
    rows = min(n, SCAN_ROWS)
    step = np.arange(rows * e).reshape(rows, e)
    prefix = np.empty((c, rows * e), dtype=arr.dtype)
    codes = label_codes.astype(np.intp, copy=False)
    for start in range(0, n, rows):
        block = arr[start : start + rows]
        b = len(block)
        k = b * e
        t = np.ascontiguousarray(block.reshape(k, c).T)
        lo, hi = min(lo, float(t.min())), max(hi, float(t.max()))
        worst_sum = max(worst_sum, float(np.abs(t.sum(axis=0) - 1.0).max()))
        # prefix[j] = max over the classes before j. The given label is the argmax
        # (its first maximum, as np.argmax) iff it is >= every class and > all before it.
        p = prefix[:, :k]
        p[0] = -np.inf
        for j in range(1, c):
            np.maximum(p[j - 1], t[j - 1], out=p[j])
        top = np.maximum(p[c - 1], t[c - 1])
        flat_index = (codes[start : start + b, None] * k + step[:b]).ravel()
        g = np.take(t.ravel(), flat_index)
        before = np.take(p.ravel(), flat_index)
        given[start : start + b] = g.reshape(b, e)
        correct[start : start + b] = ((g >= top) & (g > before)).reshape(b, e)
    return given, correct, lo, hi, worst_sum


def recorder_dynamics(
    df: pd.DataFrame, rec: Any, label_codes: np.ndarray, classes: list[Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(given, correct, last-epoch probabilities or None)`` from a TrainingDynamics recorder.

    Rows follow the frame: a recorder built with ``index=`` is reordered by id.
    ``classes`` are the table's label classes, which ``label_codes`` index; the
    last epoch's probabilities are returned in that order when the recorder
    kept full probabilities over exactly those classes.
    """
    what = "dynamics (TrainingDynamics recorder)"
    n = len(df)
    n_rec = getattr(rec, "n_samples", n)
    if n_rec != n:
        raise ValueError(f"{what}: it holds {n_rec} samples but the frame has {n} rows")
    order: np.ndarray | None = None  # order[i]: the recorder's row for the frame's row i
    rec_index = getattr(rec, "index", None)
    if rec_index is not None and not rec_index.equals(df.index):
        order = rec_index.get_indexer(df.index)
        if (order < 0).any():
            raise ValueError(
                f"{what}: {int((order < 0).sum())} of the frame's ids are not in the "
                f"recorder's index, e.g. {_bad_rows(df, order < 0)}"
            )
    codes = label_codes
    if order is not None:
        codes = np.empty_like(label_codes)
        codes[order] = label_codes
    try:
        given, correct = rec.to_arrays(codes, classes=classes)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    if given.shape[1] == 0:
        raise ValueError(
            f"{what}: no epoch recorded yet; call rec.record(epoch, probs) after each epoch"
        )
    last = None
    full = getattr(rec, "full_probs", None)
    if full is not None:
        cols = pd.Index(rec.classes).get_indexer(pd.Index(classes))
        if len(rec.classes) == len(classes) and (cols >= 0).all():
            last = full[:, -1, :][:, cols]
    if order is not None:
        given, correct = given[order], correct[order]
        last = None if last is None else last[order]
    return given, correct, last


#: The split names a ``split`` column may hold (case-insensitive), and what each means.
SPLIT_ALIASES = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "test": "test",
    "testing": "test",
    "holdout": "test",
}
#: The splits, in code order (``SampleTable.split_codes`` indexes this).
SPLITS = ("train", "validation", "test")


def check_split(df: pd.DataFrame, values: Any, name: str) -> np.ndarray:
    """Split codes (0 train, 1 validation, 2 test) of a ``split`` column.

    Accepts the names in :data:`SPLIT_ALIASES` in any case; anything else
    (an unknown name, a missing value) is refused naming the column, the
    values and the ids.
    """
    series = pd.Series(np.asarray(values, dtype=object), index=df.index)
    text = series.map(lambda v: v.strip().lower() if isinstance(v, str) else v)
    mapped = text.map(SPLIT_ALIASES)
    bad = mapped.isna().to_numpy()
    if bad.any():
        unknown = pd.unique(series[bad].astype(object))
        raise ValueError(
            f"column {name!r} (split): values {_preview(list(unknown), 5)} are not a split "
            f"name, e.g. ids {_bad_rows(df, bad)}; use train / validation / test "
            f"(also accepted: {', '.join(sorted(set(SPLIT_ALIASES) - set(SPLITS)))}), or pass "
            "split=False if the column is no split"
        )
    return mapped.map({s: i for i, s in enumerate(SPLITS)}).to_numpy(dtype=np.int8)
