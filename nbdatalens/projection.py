"""2-D layouts of embeddings for the cluster map: PCA (fast) and UMAP (cached).

PCA of 1M × 64 float32 takes ~0.15–0.2 s, about as long as hashing the same
256 MB, so a cache could not make it faster: PCA is always computed. UMAP takes
seconds to minutes (plus 10–30 s of import and numba compilation on the first
fit in a process), so its results are cached in memory and on disk, keyed by a
hash of the embedding, the parameters and the library versions.

Example::

    coords = project(embedding, "pca")          # immediate first layout
    job = ProjectionJob(embedding, "umap", on_done=show_coords).start()
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .background import lower_thread_priority
from .progress import tqdm_options

Method = Literal["umap", "pca"]
#: ``None`` = default directory, ``False`` = no disk cache, or a directory path.
CacheDir = str | os.PathLike[str] | Literal[False] | None

METHODS: tuple[str, ...] = ("umap", "pca")
UMAP_DEFAULTS: dict[str, Any] = {"n_neighbors": 15, "min_dist": 0.1}
# Bump when the stored layout for the same inputs would change meaning.
_CACHE_FORMAT = 1
_MEMORY_CACHE_ENTRIES = 32

_memory_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_memory_lock = threading.Lock()
# numba compiles UMAP's kernels on the first fit in a process; the status text
# warns about that wait only when it will actually happen.
_umap_fitted_in_process = False


def default_cache_dir() -> Path:
    """Directory of the on-disk projection cache.

    ``$NBDATALENS_CACHE_DIR/projections`` when that variable is set, otherwise
    ``~/.cache/nbdatalens/projections``.
    """
    root = os.environ.get("NBDATALENS_CACHE_DIR")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "nbdatalens"
    return base / "projections"


def clear_memory_cache() -> None:
    """Forget every projection cached in this process (the disk cache stays)."""
    with _memory_lock:
        _memory_cache.clear()


def as_embedding_matrix(embedding: Any) -> np.ndarray:
    """Return ``embedding`` as a C-contiguous float32 (N, D) matrix, validated.

    Accepts a 2-D array-like, or a 1-D sequence of equal-length vectors (a
    DataFrame column of arrays). Raises ValueError / TypeError naming the
    ``embedding`` argument and the problem.
    """
    if isinstance(embedding, np.ndarray) and embedding.dtype != object:
        matrix = embedding
    else:
        values = list(embedding) if not isinstance(embedding, np.ndarray) else embedding
        if len(values) and np.ndim(values[0]) == 1:
            try:
                matrix = np.stack([np.asarray(v) for v in values])
            except ValueError as exc:
                raise ValueError(
                    f"embedding: vectors must all have the same length ({exc})"
                ) from None
        else:
            matrix = np.asarray(values)
    if matrix.ndim != 2:
        raise ValueError(
            f"embedding must be a 2-D (samples × dimensions) matrix, got shape {matrix.shape}"
        )
    if not (np.issubdtype(matrix.dtype, np.number) or matrix.dtype == np.bool_):
        raise TypeError(f"embedding must be numeric, got dtype {matrix.dtype}")
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise ValueError(f"embedding is empty (shape {matrix.shape})")
    if matrix.dtype.kind == "f" and matrix.dtype.itemsize > 4 and matrix.size:
        with np.errstate(invalid="ignore"):
            peak = np.nanmax(np.abs(np.where(np.isinf(matrix), 0, matrix)))
        if peak > np.finfo(np.float32).max:
            raise ValueError(
                f"embedding holds finite values beyond the float32 range (up to {peak:.3g}); "
                "scale it first (e.g. divide it by its largest absolute value)"
            )
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    finite = np.isfinite(matrix)
    if not finite.all():
        row = int(np.flatnonzero(~finite.all(axis=1))[0])
        raise ValueError(
            f"embedding contains NaN or infinite values (first at row position {row}); "
            "drop or impute those rows first"
        )
    return matrix


def embedding_fingerprint(matrix: np.ndarray) -> str:
    """blake2b hex digest of a float32 matrix's shape and bytes (~0.2 s per 256 MB)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(repr(matrix.shape).encode())
    # memoryview avoids copying the (possibly huge) buffer into a bytes object.
    digest.update(memoryview(np.ascontiguousarray(matrix, dtype=np.float32)).cast("B"))
    return digest.hexdigest()


def _library_versions(method: str) -> dict[str, str]:
    import sklearn

    versions = {"sklearn": sklearn.__version__, "numpy": np.__version__}
    if method == "umap":
        from importlib.metadata import version

        versions["umap"] = version("umap-learn")
    return versions


def projection_cache_key(
    fingerprint: str, method: str, random_state: int | None, params: dict[str, Any]
) -> str:
    """Cache key of one projection: embedding hash + method + parameters + versions."""
    description = json.dumps(
        {
            "fingerprint": fingerprint,
            "method": method,
            "random_state": random_state,
            "params": params,
            "versions": _library_versions(method),
            "format": _CACHE_FORMAT,
        },
        sort_keys=True,
        default=repr,
    )
    return f"{method}-" + hashlib.blake2b(description.encode(), digest_size=20).hexdigest()


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")


def _resolve_cache_dir(cache_dir: CacheDir) -> Path | None:
    if cache_dir is False:
        return None
    return default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()


def _cache_lookup(key: str, directory: Path | None, n_rows: int) -> np.ndarray | None:
    with _memory_lock:
        hit = _memory_cache.get(key)
        if hit is not None:
            _memory_cache.move_to_end(key)
            return hit.copy()
    if directory is None:
        return None
    path = directory / f"{key}.npy"
    try:
        coords = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None  # missing or unreadable file: recompute rather than fail
    if coords.shape != (n_rows, 2) or coords.dtype != np.float32:
        return None
    _memory_store(key, coords)
    return coords.copy()


def _memory_store(key: str, coords: np.ndarray) -> None:
    with _memory_lock:
        _memory_cache[key] = coords.copy()
        _memory_cache.move_to_end(key)
        while len(_memory_cache) > _MEMORY_CACHE_ENTRIES:
            _memory_cache.popitem(last=False)


def _disk_store(key: str, directory: Path, coords: np.ndarray) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Write next to the target, then rename: a reader never sees half a file.
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, coords, allow_pickle=False)
            os.replace(tmp_name, directory / f"{key}.npy")
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    except OSError as exc:
        warnings.warn(
            f"nbdatalens: could not write the projection cache in {directory}: {exc}",
            RuntimeWarning,
            stacklevel=3,
        )


def _compute_pca(matrix: np.ndarray, random_state: int | None, params: dict) -> np.ndarray:
    from sklearn.decomposition import PCA

    n_rows, n_dims = matrix.shape
    if n_rows == 1:
        return np.zeros((1, 2), dtype=np.float32)
    if n_dims == 1:
        # A 1-D embedding has one axis of variation: lay it out along x.
        x = matrix[:, 0] - matrix[:, 0].mean()
        return np.column_stack([x, np.zeros_like(x)]).astype(np.float32)
    # float32 squares overflow from ~1.8e19 (PCA's X.T @ X then fails to converge): fit
    # large-magnitude embeddings scaled by a power of two (exact), and scale back.
    peak = float(np.abs(matrix).max())
    scale = 2.0 ** -np.ceil(np.log2(peak)) if peak > 2.0**32 else 1.0
    fitted = matrix * np.float32(scale) if scale != 1.0 else matrix
    coords = PCA(n_components=2, random_state=random_state, **params).fit_transform(fitted)
    if scale != 1.0:
        coords = np.asarray(coords, dtype=np.float64) / scale
    return np.ascontiguousarray(coords, dtype=np.float32)


def _compute_umap(
    matrix: np.ndarray, random_state: int | None, params: dict, progress: bool | None = False
) -> np.ndarray:
    global _umap_fitted_in_process
    n_rows = matrix.shape[0]
    if n_rows <= 3:
        # UMAP's graph and spectral init need a few points; tiny inputs get PCA.
        return _compute_pca(matrix, random_state, {})
    # Imported here: umap + numba take seconds to import, which only UMAP users should pay.
    import umap

    options = {**UMAP_DEFAULTS, **params}
    options["n_neighbors"] = min(int(options["n_neighbors"]), n_rows - 1)
    if random_state is not None:
        # umap forces n_jobs=1 when seeded and warns unless it was asked for.
        options.setdefault("n_jobs", 1)
    if n_rows < 2 * options["n_neighbors"] + 4:
        # The spectral init is unstable on a handful of points.
        options.setdefault("init", "random")
    # No warnings.catch_warnings() here: it swaps process-wide state and this runs in
    # a worker thread; passing n_jobs=1 above is what keeps umap quiet instead.
    # umap-learn draws its epoch bar with tqdm when given tqdm_kwds (without verbose's logs).
    options.setdefault("tqdm_kwds", tqdm_options(progress, "UMAP layout", unit="epoch"))
    reducer = umap.UMAP(n_components=2, random_state=random_state, **options)
    coords = reducer.fit_transform(matrix)
    _umap_fitted_in_process = True
    return np.ascontiguousarray(coords, dtype=np.float32)


def _compute(
    method: str,
    matrix: np.ndarray,
    random_state: int | None,
    params: dict,
    progress: bool | None = False,
):
    if method == "pca":
        return _compute_pca(matrix, random_state, params)
    return _compute_umap(matrix, random_state, params, progress)


def project(
    embedding: Any,
    method: Method = "umap",
    *,
    random_state: int | None = 0,
    cache_dir: CacheDir = None,
    progress: bool | None = None,
    **params: Any,
) -> np.ndarray:
    """Lay out an (N, D) embedding in 2-D; returns raw (N, 2) float32 coordinates.

    ``method="pca"`` is a linear projection (scikit-learn, ~0.15 s for 1M × 64)
    and is never cached. ``method="umap"`` (umap-learn; defaults
    ``n_neighbors=15, min_dist=0.1``) is deterministic for a given
    ``random_state`` (which makes umap single-threaded; pass ``None`` for a
    faster, parallel, non-reproducible fit) and is cached in memory and in
    ``cache_dir`` (default :func:`default_cache_dir`; ``False`` disables the
    disk cache). Extra ``params`` go to ``umap.UMAP`` / ``sklearn.decomposition.PCA``.
    ``progress``: umap-learn's epoch bar when the fit takes over a second (see
    :mod:`nbdatalens.progress`).

    Coordinates are not rescaled, so they can be compared with your own.

    >>> coords = project(np.random.rand(100, 8), "pca")
    >>> coords.shape, coords.dtype
    ((100, 2), dtype('float32'))
    """
    _check_method(method)
    matrix = as_embedding_matrix(embedding)
    if method == "pca":
        return _compute_pca(matrix, random_state, params)
    directory = _resolve_cache_dir(cache_dir)
    key = projection_cache_key(embedding_fingerprint(matrix), method, random_state, params)
    cached = _cache_lookup(key, directory, matrix.shape[0])
    if cached is not None:
        return cached
    coords = _compute(method, matrix, random_state, params, progress)
    _memory_store(key, coords)
    if directory is not None:
        _disk_store(key, directory, coords)
    return coords


class ProjectionJob:
    """Compute a projection in a daemon thread so the kernel stays responsive.

    ``start()`` answers a cached result at once (``on_done`` is called before
    ``start`` returns); otherwise it sets ``status`` to a human progress text
    and fits in a background thread, then calls ``on_done(coords)`` or
    ``on_error(exc)`` **from that thread**. umap-learn has no progress
    callback, so ``status`` says what is happening rather than a percentage.
    ``on_status(text)`` hears every change of ``status`` (``""`` when done).

    Invalid input raises in the constructor, before any thread starts.

    >>> done = []
    >>> job = ProjectionJob(np.random.rand(500, 8), on_done=done.append, cache_dir=False)
    >>> coords = job.start().wait()    # blocks; views rely on the callbacks instead
    >>> coords.shape, len(done)
    ((500, 2), 1)
    """

    def __init__(
        self,
        embedding: Any,
        method: Method = "umap",
        *,
        on_done: Callable[[np.ndarray], None],
        on_error: Callable[[BaseException], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        random_state: int | None = 0,
        cache_dir: CacheDir = None,
        **params: Any,
    ) -> None:
        _check_method(method)
        self.method = method
        self.state: Literal["pending", "running", "done", "error", "cancelled"] = "pending"
        self.status = ""
        self.result: np.ndarray | None = None
        self.error: BaseException | None = None
        self._matrix = as_embedding_matrix(embedding)
        self._on_done = on_done
        self._on_error = on_error
        self._on_status = on_status
        self._random_state = random_state
        self._directory = _resolve_cache_dir(cache_dir)
        self._params = params
        self._finished = threading.Event()
        self._lock = threading.Lock()

    @property
    def done(self) -> bool:
        """True once the job has a result or an error (or was cancelled)."""
        return self._finished.is_set()

    def start(self) -> ProjectionJob:
        """Answer from the cache, or start the background fit; returns ``self``."""
        if self.state != "pending":
            raise ValueError(f"this ProjectionJob was already started (state {self.state!r})")
        key = None
        if self.method != "pca":
            fingerprint = embedding_fingerprint(self._matrix)
            key = projection_cache_key(fingerprint, self.method, self._random_state, self._params)
            cached = _cache_lookup(key, self._directory, self._matrix.shape[0])
            if cached is not None:
                self._finish(cached)
                return self
        self.state = "running"
        self._set_status(self._progress_text())
        worker = threading.Thread(
            target=self._run, args=(key,), name=f"nbdatalens-{self.method}", daemon=True
        )
        worker.start()
        return self

    def cancel(self) -> None:
        """Stop reporting: the fit runs to its end (umap cannot be interrupted), unheard."""
        with self._lock:
            if not self._finished.is_set():
                self.state = "cancelled"
                self.status = ""
                self._finished.set()

    def wait(self, timeout: float | None = None) -> np.ndarray:
        """Block until done; return the coordinates or raise the fit's error."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"{self.method} projection still running after {timeout} s")
        if self.error is not None:
            raise self.error
        if self.result is None:
            raise ValueError("this ProjectionJob was cancelled before it finished")
        return self.result

    def _progress_text(self) -> str:
        n_rows = self._matrix.shape[0]
        if self.method == "pca":
            return f"computing PCA of {n_rows:,} points…"
        if not _umap_fitted_in_process:
            return f"computing UMAP of {n_rows:,} points (first run compiles numba, ~1 min)…"
        return f"computing UMAP of {n_rows:,} points…"

    def _run(self, key: str | None) -> None:
        lower_thread_priority()  # a fit runs beside the page the user works in
        try:
            coords = _compute(self.method, self._matrix, self._random_state, self._params)
            if key is not None:
                _memory_store(key, coords)
                if self._directory is not None:
                    _disk_store(key, self._directory, coords)
        except Exception as exc:
            self._fail(exc)
        else:
            self._finish(coords)

    def _set_status(self, text: str) -> None:
        self.status = text
        if self._on_status is not None:
            self._on_status(text)

    def _finish(self, coords: np.ndarray) -> None:
        with self._lock:
            if self.state == "cancelled":
                return
            self.result = coords
            self.state = "done"
        self._set_status("")
        self._finished.set()
        try:
            self._on_done(coords)
        except Exception as exc:
            # A failing view callback is reported like a failed fit, not lost in the thread.
            if self._on_error is None:
                raise
            self._on_error(exc)

    def _fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.state == "cancelled":
                return
            self.error = exc
            self.state = "error"
        self._set_status(f"{self.method.upper()} failed: {exc}")
        self._finished.set()
        if self._on_error is not None:
            self._on_error(exc)
