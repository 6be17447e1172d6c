"""The row-blocked per-sample columns equal the plain numpy definitions, across blocks."""

import numpy as np
import pytest

from nbdatalens import cartography, forgetting, probability, rowwise

N = rowwise.ROWS * 2 + 123  # three blocks, the last one short


@pytest.fixture(scope="module")
def probs() -> np.ndarray:
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.full(7, 0.3), size=N).astype(np.float32)
    p[:50] = np.float32(1 / 7)  # ties everywhere: the lowest class is the argmax
    return p


def test_class_major_yields_copies_covering_every_row():
    arr = np.asfortranarray(np.arange(12.0).reshape(6, 2))  # .T would be a view
    seen = []
    for rows, block in rowwise.class_major(arr):
        assert block.flags.c_contiguous and block.shape == (2, rows.stop - rows.start)
        block[:] = -1
        seen.append(rows)
    assert arr.min() == 0  # the caller's array is untouched
    assert seen == [slice(0, 6)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_margin_and_loss_match_the_definitions(probs, dtype):
    p = probs.astype(dtype)
    codes = np.random.default_rng(1).integers(0, 7, size=N)
    given = p[np.arange(N), codes]
    others = p.copy()
    others[np.arange(N), codes] = -np.inf
    loss, margin = probability.loss_and_margin(p, codes)
    assert loss.dtype == margin.dtype == np.float32
    np.testing.assert_array_equal(margin, (given - others.max(axis=1)).astype(np.float32))
    np.testing.assert_array_equal(loss, (-np.log(np.clip(given, 1e-12, 1))).astype(np.float32))
    np.testing.assert_array_equal(probability.margin(p, codes), margin)
    np.testing.assert_array_equal(probability.cross_entropy_loss(p, codes), loss)
    assert probs[0, 0] == np.float32(1 / 7)  # inputs are not modified


def test_dynamics_metrics_match_numpy_with_missing_rows():
    rng = np.random.default_rng(2)
    p = rng.random((N, 9)).astype(np.float32)
    p[[3, rowwise.ROWS, N - 1]] = np.nan  # samples without dynamics
    hits = rng.random((N, 9)) > 0.4
    m = cartography.training_dynamics_metrics(p, hits)
    np.testing.assert_allclose(m.confidence, p.mean(axis=1, dtype=np.float64), rtol=1e-6)
    np.testing.assert_allclose(m.variability, p.std(axis=1, dtype=np.float64), rtol=1e-5)
    expected = hits.mean(axis=1)
    expected[np.isnan(p[:, 0])] = np.nan
    np.testing.assert_allclose(m.correctness, expected, rtol=1e-6)
    assert np.isnan(m.variability[[3, rowwise.ROWS, N - 1]]).all()


def test_learning_events_match_their_definitions():
    rng = np.random.default_rng(3)
    hits = rng.random((N, 6)) > 0.3
    hits[:10] = True  # learned at epoch 0
    events = (hits[:, :-1] & ~hits[:, 1:]).sum(axis=1)
    np.testing.assert_array_equal(forgetting.forgetting(hits), events)
    learned = forgetting.learned_epoch(hits)
    for row in (0, 11, rowwise.ROWS + 5, N - 1):
        wrong = np.flatnonzero(~hits[row])
        want = 0 if wrong.size == 0 else (np.nan if wrong[-1] == 5 else wrong[-1] + 1)
        np.testing.assert_equal(learned[row], want)
    assert np.isnan(learned[~hits[:, -1]]).all() and (learned[:10] == 0).all()


def test_argmax_takes_the_lowest_of_tied_classes_and_nan_as_numpy_does(probs):
    p = probs.copy()
    p[7, 3] = np.nan
    got = probability.argmax_predictions(p)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, np.argmax(p, axis=1))
    assert got[0] == 0 and got[7] == 3
