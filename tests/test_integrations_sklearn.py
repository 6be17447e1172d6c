import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from nbdatalens.integrations.sklearn import (
    fit_partial_with_dynamics,
    fit_staged_with_dynamics,
    fit_warm_start_with_dynamics,
    record_sklearn,
    sklearn_strategy,
)
from nbdatalens.table import SampleTable


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


# -- partial_fit ------------------------------------------------------------------


def test_fit_partial_with_dynamics_on_digits(digits):
    X, y = digits
    est = SGDClassifier(loss="log_loss", random_state=0)
    rec = fit_partial_with_dynamics(est, X, y, epochs=3, keep_full=True)
    assert rec.epochs == (0, 1, 2)
    assert rec.classes == list(range(10))
    expected = est.predict_proba(X)
    np.testing.assert_allclose(rec.full_probs[:, -1], expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        rec.given_probs[:, -1], expected[np.arange(len(y)), y], rtol=1e-5, atol=1e-7
    )
    # the model learns: the last epoch is right far more often than chance
    assert rec.correct[:, -1].mean() > 0.8


def test_fit_partial_with_dynamics_mini_batches_and_dataframe():
    X, y = load_digits(return_X_y=True, as_frame=True)
    X = X.iloc[:300]
    y = y.iloc[:300].map(lambda d: f"digit{d}")
    est = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    rec = fit_partial_with_dynamics(est, X, y, epochs=2, batch_size=64, index=X.index)
    assert rec.given_probs.shape == (300, 2)
    assert rec.classes == sorted(y.unique())
    codes = pd.Index(rec.classes).get_indexer(y)
    expected = est.predict_proba(X)[np.arange(300), codes]
    np.testing.assert_allclose(rec.given_probs[:, -1], expected, rtol=1e-5)


def test_fit_partial_with_dynamics_rejects_unsuitable_estimators():
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    with pytest.raises(TypeError, match=r"has no partial_fit.*SGDClassifier\(loss='log_loss'\)"):
        fit_partial_with_dynamics(LogisticRegression(), X, y, epochs=1)
    with pytest.raises(TypeError, match=r"SGDClassifier has no predict_proba.*MLPClassifier"):
        fit_partial_with_dynamics(SGDClassifier(), X, y, epochs=1)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        fit_partial_with_dynamics(SGDClassifier(loss="log_loss"), X, y, epochs=0)
    with pytest.raises(ValueError, match="y must be 1-D with one label per row of X"):
        fit_partial_with_dynamics(SGDClassifier(loss="log_loss"), X, y[:3], epochs=1)


# -- warm start ---------------------------------------------------------------------


def test_warm_start_matches_a_hand_written_warm_start_loop(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    rec = fit_warm_start_with_dynamics(
        LogisticRegression(), X, y, epochs=4, max_iter_per_epoch=3, keep_full=True
    )
    reference = LogisticRegression(warm_start=True, max_iter=3)
    expected = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(4):
            reference.fit(X, y)
            expected.append(reference.predict_proba(X))
    assert rec.epochs == (0, 1, 2, 3)
    np.testing.assert_allclose(rec.full_probs, np.stack(expected, axis=1), rtol=1e-5, atol=1e-7)


def test_warm_start_mlp_continues_training_and_restores_params(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    with warnings.catch_warnings():
        # the one-epoch fits must not flood the notebook with convergence warnings
        warnings.simplefilter("error", ConvergenceWarning)
        rec = record_sklearn(est, X, y, epochs=5, strategy="warm_start")
    accuracy = rec.correct.mean(axis=0)
    # each fit continues from the last weights: restarting would leave accuracy flat
    assert accuracy[-1] > accuracy[0] + 0.2
    assert (np.diff(accuracy) > -0.02).all()
    np.testing.assert_allclose(
        rec.given_probs[:, -1], est.predict_proba(X)[np.arange(len(y)), y], rtol=1e-5
    )
    assert est.get_params()["warm_start"] is False
    assert est.get_params()["max_iter"] == 200


def test_warm_start_errors():
    X, y = np.eye(4), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"solver='liblinear'\) ignores warm_start"):
        fit_warm_start_with_dynamics(LogisticRegression(solver="liblinear"), X, y, epochs=2)
    with pytest.raises(TypeError, match="grows by stages: record it with the staged strategy"):
        fit_warm_start_with_dynamics(HistGradientBoostingClassifier(), X, y, epochs=2)
    with pytest.raises(TypeError, match="has no warm_start and max_iter parameters"):
        fit_warm_start_with_dynamics(RandomForestClassifier(), X, y, epochs=2)
    with pytest.raises(ValueError, match="max_iter_per_epoch must be at least 1, got 0"):
        fit_warm_start_with_dynamics(LogisticRegression(), X, y, epochs=2, max_iter_per_epoch=0)


# -- staged predictions --------------------------------------------------------------


def test_staged_records_every_stage_as_an_epoch(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    est = GradientBoostingClassifier(n_estimators=4, max_depth=2, random_state=0)
    rec = fit_staged_with_dynamics(est, X, y, keep_full=True)
    assert rec.epochs == (1, 2, 3, 4)
    stages = np.stack(list(est.staged_predict_proba(X)), axis=1)
    np.testing.assert_allclose(rec.full_probs, stages, rtol=1e-6)
    np.testing.assert_allclose(rec.full_probs[:, -1], est.predict_proba(X), rtol=1e-6)


def test_staged_evenly_spaced_stages_end_at_the_final_model(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    est = HistGradientBoostingClassifier(max_iter=7, max_depth=2, random_state=0)
    rec = record_sklearn(est, X, y, epochs=3)
    assert rec.epochs == (3, 5, 7)  # ceil(i * 7 / 3)
    stages = list(est.staged_predict_proba(X))
    for column, stage in enumerate(rec.epochs):
        np.testing.assert_allclose(
            rec.given_probs[:, column], stages[stage - 1][np.arange(300), y], rtol=1e-6
        )
    with pytest.raises(
        ValueError, match="epochs=9 but HistGradientBoostingClassifier fitted only 7"
    ):
        fit_staged_with_dynamics(est, X, y, epochs=9)


# -- choosing a strategy -------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimator", "strategy"),
    [
        (SGDClassifier(loss="log_loss"), "partial_fit"),
        (MLPClassifier(), "partial_fit"),
        (GradientBoostingClassifier(), "staged"),
        (HistGradientBoostingClassifier(), "staged"),
        (LogisticRegression(), "warm_start"),
    ],
)
def test_strategy_follows_what_the_estimator_supports(estimator, strategy):
    assert sklearn_strategy(estimator) == strategy


def test_record_sklearn_errors():
    X, y = np.eye(4), np.array([0, 1, 0, 1])
    with pytest.raises(TypeError, match="KNeighborsClassifier cannot be recorded epoch by epoch"):
        record_sklearn(KNeighborsClassifier(), X, y, epochs=2)
    with pytest.raises(TypeError, match="For a Pipeline, transform X first"):
        record_sklearn(make_pipeline(StandardScaler(), KNeighborsClassifier()), X, y, epochs=2)
    with pytest.raises(TypeError, match=r"SVC has no predict_proba.*SVC\(probability=True\)"):
        record_sklearn(SVC(), X, y, epochs=2)
    with pytest.raises(TypeError, match=r"\['batch_size'\] do not apply to the staged strategy"):
        record_sklearn(GradientBoostingClassifier(), X, y, batch_size=2)
    with pytest.raises(ValueError, match="epochs= is required for the warm_start strategy"):
        record_sklearn(LogisticRegression(), X, y)
    with pytest.raises(ValueError, match="strategy must be 'auto', 'partial_fit'"):
        record_sklearn(LogisticRegression(), X, y, epochs=2, strategy="boosting")


def test_recorder_feeds_the_sample_table(digits):
    X, y = digits
    X, y = X[:200], y[:200]
    df = pd.DataFrame({"label": y}, index=pd.Index([f"d{i}" for i in range(200)], name="id"))
    rec = record_sklearn(
        SGDClassifier(loss="log_loss", random_state=0), X, y, epochs=3, index=df.index
    )
    table = SampleTable(df, dynamics=rec)
    assert table.n_epochs == 3
    np.testing.assert_allclose(table.derived["confidence"], rec.given_probs.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(table.derived["correctness"], rec.correct.mean(axis=1))


def test_partial_fit_recorder_gives_the_per_epoch_views(digits):
    X, y = digits
    est = SGDClassifier(loss="log_loss", random_state=0)
    rec = fit_partial_with_dynamics(est, X, y, epochs=3)  # the default: no full probabilities
    assert rec.epoch_preds.shape == (len(y), 3) and rec.epoch_preds.dtype == np.uint8
    np.testing.assert_array_equal(rec.epoch_preds[:, -1], est.predict(X))
    table = SampleTable(pd.DataFrame({"label": y}), dynamics=rec)
    np.testing.assert_array_equal(table.epoch_pred, rec.epoch_preds)
    correct = rec.epoch_preds == y[:, None]
    expected = (correct[:, :-1] & ~correct[:, 1:]).sum(axis=1)
    np.testing.assert_array_equal(table.derived["forgetting"], expected)
    assert table.derived["flips"].notna().all()
