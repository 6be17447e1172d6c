"""KnnIndex: exact answers on small data, the approximate backend's recall, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nbdatalens.neighbors import (
    KnnIndex,
    _topk_direct,
    _topk_rows,
    choose_method,
    exact_search,
    recall_at_k,
)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def brute(x: np.ndarray, q: np.ndarray, k: int, exclude_self: bool = False):
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    s = qn.astype(np.float64) @ xn.T.astype(np.float64)
    if exclude_self:
        np.fill_diagonal(s, -np.inf)
    order = np.argsort(-s, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(s, order, axis=1)


def test_exact_self_neighbors_equal_brute_force():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    index = KnnIndex(x)
    assert index.method == "exact"
    idx, sim = index.self_neighbors(7)
    ref_idx, ref_sim = brute(x, x, 7, exclude_self=True)
    assert idx.dtype == np.int64 and sim.dtype == np.float32 and idx.shape == (300, 7)
    np.testing.assert_allclose(sim, ref_sim, atol=1e-5)
    assert (idx == ref_idx).mean() > 0.99  # only float ties may swap
    assert not (idx == np.arange(300)[:, None]).any()
    assert (np.diff(sim, axis=1) <= 1e-7).all()


def test_self_neighbors_cached_and_prefix_of_larger_k():
    rng = np.random.default_rng(1)
    index = KnnIndex(rng.normal(size=(200, 5)))
    big_idx, big_sim = index.self_neighbors(12)
    small_idx, small_sim = index.self_neighbors(4)
    np.testing.assert_array_equal(small_idx, big_idx[:, :4])
    np.testing.assert_array_equal(small_sim, big_sim[:, :4])
    assert index.self_neighbors(500)[0].shape == (200, 199)  # capped at N - 1


def test_search_equals_brute_force_and_input_is_untouched():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(400, 6)).astype(np.float32)
    before = x.copy()
    q = rng.normal(size=(25, 6))
    idx, sim = KnnIndex(x).search(q, 5)
    ref_idx, ref_sim = brute(x, q, 5)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(sim, ref_sim, atol=1e-5)
    np.testing.assert_array_equal(x, before)
    one_idx, _ = KnnIndex(x).search(q[0], 3)  # one vector
    np.testing.assert_array_equal(one_idx[0], ref_idx[0, :3])


def test_duplicate_rows_never_list_themselves():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 4))
    x[10] = x[20] = x[30]
    idx, sim = KnnIndex(x).self_neighbors(3)
    assert set(idx[10, :2]) == {20, 30}
    np.testing.assert_allclose(sim[10, :2], 1.0, atol=1e-6)


def test_ivf_backend_recall_on_clustered_data():
    rng = np.random.default_rng(4)
    centers = rng.normal(size=(30, 16))
    x = (centers[rng.integers(0, 30, 6000)] + 0.3 * rng.normal(size=(6000, 16))).astype(np.float32)
    index = KnnIndex(x, method="ivf")
    assert index.method == "ivf"
    idx, _ = index.self_neighbors(10)
    ref, _ = KnnIndex(x, method="exact").self_neighbors(10)  # equals brute force (above)
    assert recall_at_k(idx, ref) > 0.95
    assert not (idx == np.arange(6000)[:, None]).any()
    q = x[:100] + 0.01
    found, _ = index.search(q, 10)
    assert recall_at_k(found, KnnIndex(x, method="exact").search(q, 10)[0]) > 0.95


def test_topk_matches_sorting_with_ties_and_long_rows():
    rng = np.random.default_rng(5)
    for shape, k in [((40, 5000), 10), ((30, 300), 11), ((10, 6), 3)]:
        s = rng.normal(size=shape).astype(np.float32)
        s[0] = 0.0  # all ties
        s[1, -1] = -np.inf
        for fn in (_topk_rows, _topk_direct):
            i, v = fn(s, k)
            ref = -np.sort(-s, axis=1)[:, :k]
            np.testing.assert_array_equal(v, ref)
            np.testing.assert_array_equal(np.take_along_axis(s, i, axis=1), v)
            assert all(len(set(row)) == k for row in i)


def test_auto_method_is_exact_for_small_data_and_names_the_library_for_large():
    assert choose_method(1000) == "exact"
    assert choose_method(10_000_000) == "ivf"
    with pytest.raises(ValueError, match="method"):
        choose_method(10, "annoy")


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.array([[1.0, np.nan], [0.5, 0.5]]), "embedding has NaN or infinite"),
        (np.array([[1.0, np.inf], [0.5, 0.5]]), "embedding has NaN or infinite"),
        (np.zeros((5, 0)), "embedding has zero dimensions"),
        (np.ones(5), "embedding must be a 2-D"),
        (np.array([[0.0, 0.0], [1.0, 1.0]]), "embedding has 1 all-zero rows"),
        (np.array([["a", "b"]]), "embedding must hold real numbers"),
    ],
)
def test_bad_embedding_is_refused_naming_it(bad, match):
    with pytest.raises(ValueError, match=match):
        KnnIndex(bad)


def test_search_dimension_mismatch_and_bad_k():
    index = KnnIndex(np.random.default_rng(0).normal(size=(20, 4)))
    with pytest.raises(ValueError, match="dimension mismatch"):
        index.search(np.ones((3, 5)), 2)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        index.self_neighbors(0)
    with pytest.raises(ValueError, match="queries has NaN"):
        index.search(np.array([[np.nan, 1, 1, 1]]), 2)


def test_exact_search_blocks_agree_with_one_block(monkeypatch):
    import nbdatalens.neighbors as nb

    rng = np.random.default_rng(6)
    x = nb.normalize_rows(rng.normal(size=(500, 8)))
    one = exact_search(x, x, 4, exclude_offset=0)
    monkeypatch.setattr(nb, "BLOCK_BYTES", 4 * 500 * 7)  # 7 rows per block
    many = exact_search(x, x, 4, exclude_offset=0)
    np.testing.assert_array_equal(one[0], many[0])
