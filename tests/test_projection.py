import threading

import numpy as np
import pytest

from nbdatalens import projection
from nbdatalens.projection import (
    ProjectionJob,
    clear_memory_cache,
    default_cache_dir,
    embedding_fingerprint,
    project,
)


@pytest.fixture(autouse=True)
def _fresh_memory_cache():
    clear_memory_cache()
    yield
    clear_memory_cache()


@pytest.fixture
def fake_umap(monkeypatch):
    """Replace the UMAP fit with a cheap, counted stand-in (the cache is what is tested)."""
    calls = []

    def fit(matrix, random_state, params, progress=False):
        calls.append(params)
        return np.ascontiguousarray(matrix[:, :2] * 10, dtype=np.float32)

    monkeypatch.setattr(projection, "_compute_umap", fit)
    return calls


def _blobs(n_per=60, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=20, size=(3, dim))
    return np.concatenate([c + rng.normal(size=(n_per, dim)) for c in centres]).astype(np.float32)


# ------------------------------------------------------------------ PCA
def test_pca_of_points_on_a_line_recovers_their_spacing():
    t = np.array([0.0, 1.0, 2.0, 5.0])
    direction = np.array([3.0, 4.0, 0.0])  # length 5
    points = t[:, None] * direction + np.array([1.0, -2.0, 7.0])
    coords = project(points, "pca")
    assert coords.shape == (4, 2) and coords.dtype == np.float32
    expected = (t - t.mean()) * 5
    assert np.allclose(np.abs(coords[:, 0]), np.abs(expected), atol=1e-4)
    assert np.allclose(coords[:, 0] * np.sign(coords[-1, 0]), expected, atol=1e-4)
    assert np.allclose(coords[:, 1], 0, atol=1e-4)


def test_pca_accepts_a_column_of_vectors_and_float64():
    emb = _blobs()
    from_rows = project(list(emb.astype(np.float64)), "pca")
    assert np.allclose(from_rows, project(emb, "pca"), atol=1e-4)


def test_one_dimensional_embedding_is_laid_out_along_x():
    coords = project(np.array([[1.0], [3.0], [5.0]]), "pca")
    assert np.allclose(coords, [[-2, 0], [0, 0], [2, 0]])


def test_single_row_lands_at_origin():
    assert np.array_equal(project(np.ones((1, 8)), "umap", cache_dir=False), np.zeros((1, 2)))


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (np.zeros(5), ValueError, "2-D"),
        (np.zeros((0, 4)), ValueError, "empty"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "numeric"),
        ([np.zeros(3), np.zeros(4)], ValueError, "same length"),
    ],
)
def test_bad_embeddings_are_rejected_by_name(value, error, match):
    with pytest.raises(error, match=f"embedding.*{match}|{match}.*embedding"):
        project(value, "pca")


def test_nan_rows_are_reported_with_their_position():
    emb = np.ones((6, 3))
    emb[4, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite values \\(first at row position 4\\)"):
        project(emb, "umap")


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="method must be one of \\['umap', 'pca'\\], got 'tsne'"):
        project(np.ones((4, 3)), "tsne")


# ------------------------------------------------------------- hashing
def test_fingerprint_depends_on_values_and_shape_not_dtype():
    emb = _blobs()
    assert embedding_fingerprint(emb) == embedding_fingerprint(emb.astype(np.float64))
    changed = emb.copy()
    changed[17, 3] += 1e-3
    assert embedding_fingerprint(changed) != embedding_fingerprint(emb)
    assert embedding_fingerprint(emb.reshape(90, 32)) != embedding_fingerprint(emb)


# -------------------------------------------------------------- caching
def test_memory_cache_skips_the_second_fit_and_returns_copies(fake_umap):
    emb = _blobs()
    first = project(emb, "umap", cache_dir=False)
    first[:] = 0  # a user scribbling on the result must not change the cache
    second = project(emb, "umap", cache_dir=False)
    assert len(fake_umap) == 1
    assert np.array_equal(second, emb[:, :2] * 10)


def test_different_parameters_or_seed_are_fitted_again(fake_umap):
    emb = _blobs()
    project(emb, "umap", cache_dir=False)
    project(emb, "umap", cache_dir=False, n_neighbors=5)
    project(emb, "umap", cache_dir=False, random_state=1)
    project(emb, "umap", cache_dir=False, n_neighbors=5)
    assert fake_umap == [{}, {"n_neighbors": 5}, {}]


def test_disk_cache_survives_a_new_process(fake_umap, tmp_path):
    emb = _blobs()
    coords = project(emb, "umap", cache_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 1 and files[0].startswith("umap-") and files[0].endswith(".npy")
    assert np.array_equal(np.load(tmp_path / files[0]), coords)
    clear_memory_cache()  # what a kernel restart does
    again = project(emb, "umap", cache_dir=tmp_path)
    assert len(fake_umap) == 1
    assert np.array_equal(again, coords)


def test_corrupt_cache_file_is_recomputed(fake_umap, tmp_path):
    emb = _blobs()
    project(emb, "umap", cache_dir=tmp_path)
    (cached_file,) = tmp_path.iterdir()
    cached_file.write_bytes(b"not a numpy file")
    clear_memory_cache()
    coords = project(emb, "umap", cache_dir=tmp_path)
    assert len(fake_umap) == 2
    assert np.array_equal(np.load(cached_file), coords)


def test_cache_dir_false_writes_nothing(fake_umap, tmp_path, monkeypatch):
    monkeypatch.setenv("NBDATALENS_CACHE_DIR", str(tmp_path))
    project(_blobs(), "umap", cache_dir=False)
    clear_memory_cache()
    project(_blobs(), "umap", cache_dir=False)
    assert len(fake_umap) == 2
    assert not any(tmp_path.rglob("*"))


def test_default_cache_dir_follows_the_environment(fake_umap, tmp_path, monkeypatch):
    monkeypatch.setenv("NBDATALENS_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path / "projections"
    project(_blobs(), "umap")
    assert len(list((tmp_path / "projections").glob("umap-*.npy"))) == 1
    monkeypatch.delenv("NBDATALENS_CACHE_DIR")
    assert str(default_cache_dir()).endswith(".cache/nbdatalens/projections")


def test_unwritable_cache_dir_warns_but_still_projects(fake_umap, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    with pytest.warns(RuntimeWarning, match="could not write the projection cache"):
        coords = project(_blobs(), "umap", cache_dir=blocker / "cache")
    assert coords.shape == (180, 2)


# ------------------------------------------------------------------ job
def test_job_answers_a_cached_result_before_start_returns(fake_umap):
    emb = _blobs()
    expected = project(emb, "umap", cache_dir=False)
    received = []
    job = ProjectionJob(emb, on_done=received.append, cache_dir=False).start()
    assert job.state == "done" and job.status == ""
    assert len(received) == 1 and np.array_equal(received[0], expected)
    assert len(fake_umap) == 1


def test_job_runs_in_the_background_and_reports_status(monkeypatch):
    release = threading.Event()

    def slow_fit(matrix, random_state, params, progress=False):
        release.wait(10)
        return np.zeros((len(matrix), 2), dtype=np.float32)

    monkeypatch.setattr(projection, "_compute_umap", slow_fit)
    statuses, received = [], []
    job = ProjectionJob(
        _blobs(), on_done=received.append, on_status=statuses.append, cache_dir=False
    ).start()
    # start() returned while the fit is still blocked: the kernel is free.
    assert job.state == "running" and not received
    assert job.status.startswith("computing UMAP of 180 points")
    release.set()
    coords = job.wait(10)
    assert coords.shape == (180, 2) and job.state == "done"
    assert len(received) == 1 and statuses[-1] == ""
    with pytest.raises(ValueError, match="already started"):
        job.start()


def test_job_reports_a_failed_fit(monkeypatch):
    def broken_fit(matrix, random_state, params, progress=False):
        raise ValueError("n_neighbors must be greater than 1")

    monkeypatch.setattr(projection, "_compute_umap", broken_fit)
    errors = []
    job = ProjectionJob(_blobs(), on_done=print, on_error=errors.append, cache_dir=False)
    job.start()
    with pytest.raises(ValueError, match="n_neighbors must be greater than 1"):
        job.wait(10)
    assert job.state == "error" and job.status.startswith("UMAP failed")
    assert len(errors) == 1


def test_cancelled_job_stays_silent(monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(
        projection,
        "_compute_umap",
        lambda m, r, p, progress=False: release.wait(10) and m[:, :2].copy(),
    )
    received = []
    job = ProjectionJob(_blobs(), on_done=received.append, cache_dir=False).start()
    job.cancel()
    release.set()
    with pytest.raises(ValueError, match="cancelled"):
        job.wait(10)
    assert received == [] and job.state == "cancelled"


def test_job_rejects_bad_input_before_starting_a_thread():
    with pytest.raises(ValueError, match="embedding must be a 2-D"):
        ProjectionJob(np.zeros(4), on_done=print)


# ------------------------------------------------------------ real UMAP
@pytest.mark.slow
def test_umap_is_deterministic_and_separates_clusters():
    emb = _blobs(n_per=50)
    coords = project(emb, "umap", cache_dir=False, n_epochs=100)
    clear_memory_cache()
    assert np.array_equal(coords, project(emb, "umap", cache_dir=False, n_epochs=100))
    centres = np.stack([coords[i * 50 : (i + 1) * 50].mean(axis=0) for i in range(3)])
    spread = max(coords[i * 50 : (i + 1) * 50].std(axis=0).max() for i in range(3))
    gaps = [np.linalg.norm(centres[i] - centres[j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    assert min(gaps) > 3 * spread


@pytest.mark.slow
@pytest.mark.parametrize("n_rows", [2, 3, 5, 12])
def test_umap_handles_tiny_inputs(n_rows):
    rng = np.random.default_rng(n_rows)
    coords = project(rng.normal(size=(n_rows, 6)), "umap", cache_dir=False)
    assert coords.shape == (n_rows, 2) and np.isfinite(coords).all()
