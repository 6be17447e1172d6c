import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
# Keras reads its backend once, at import: these tests run it on PyTorch.
os.environ["KERAS_BACKEND"] = "torch"

import numpy as np
import pytest

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip(
        f"keras was imported earlier with the {keras.backend.backend()} backend",
        allow_module_level=True,
    )

from sklearn.datasets import load_digits  # noqa: E402

from nbdatalens.dynamics import TrainingDynamics  # noqa: E402
from nbdatalens.integrations.keras import DataMapCallback  # noqa: E402
from nbdatalens.probability import softmax  # noqa: E402

torch.set_num_threads(1)
N_SUBSET = 600
# Keras' torch backend calls np.array() on tensors, which numpy 2 flags; not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X[:N_SUBSET] / 16.0).astype("float32"), y[:N_SUBSET]


def _model(activation="softmax", n_out=10):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(32, activation="relu"),
            # Dropout makes predict() (inference mode) differ from training-mode outputs.
            keras.layers.Dropout(0.3),
            keras.layers.Dense(n_out, activation=activation),
        ]
    )
    if n_out == 1:
        model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=activation is None)
        model.compile(keras.optimizers.Adam(0.01), loss)
    return model


def test_callback_records_what_predict_returns_after_each_epoch(digits):
    X, y = digits
    rec = TrainingDynamics(len(y), list(range(10)), y, keep_full=True)
    model = _model()
    model.fit(
        X, y, epochs=3, batch_size=64, shuffle=True, verbose=0,
        callbacks=[DataMapCallback(rec, X, y, batch_size=128)],
    )  # fmt: skip
    assert rec.epochs == (0, 1, 2)
    expected = model.predict(X, verbose=0)
    np.testing.assert_allclose(rec.full_probs[:, -1], expected, atol=1e-5)
    np.testing.assert_allclose(rec.given_probs[:, -1], expected[np.arange(len(y)), y], atol=1e-5)
    assert rec.correct[:, -1].mean() > rec.correct[:, 0].mean()


def test_logits_model_and_reordered_inputs_with_ids(digits):
    X, y = digits
    order = np.random.default_rng(0).permutation(len(y))
    names = [f"s{i}" for i in range(len(y))]
    rec = TrainingDynamics(len(y), list(range(10)), y, index=names)
    model = _model(activation=None)
    callback = DataMapCallback(
        rec, X[order], y[order], ids=[names[i] for i in order], outputs="logits"
    )
    model.fit(X, y, epochs=2, batch_size=64, verbose=0, callbacks=[callback])
    expected = softmax(model.predict(X, verbose=0))
    np.testing.assert_allclose(rec.given_probs[:, -1], expected[np.arange(len(y)), y], atol=1e-5)


def test_binary_sigmoid_output(digits):
    X, y = digits
    keep = y < 2
    X2, y2 = X[keep], y[keep]
    rec = TrainingDynamics(len(y2), [0, 1], y2, keep_full=True)
    model = _model(activation="sigmoid", n_out=1)
    model.fit(X2, y2, epochs=2, verbose=0, callbacks=[DataMapCallback(rec, X2, y2)])
    positive = model.predict(X2, verbose=0)[:, 0]
    np.testing.assert_allclose(rec.full_probs[:, -1, 1], positive, atol=1e-5)
    np.testing.assert_allclose(rec.full_probs[:, -1, 0], 1 - positive, atol=1e-5)


def test_training_again_needs_initial_epoch(digits):
    X, y = digits
    rec = TrainingDynamics(len(y), list(range(10)), y)
    model = _model()
    callback = DataMapCallback(rec, X)
    model.fit(X, y, epochs=2, verbose=0, callbacks=[callback])
    with pytest.raises(ValueError, match=r"epochs up to 1; .*fit\(\.\.\., initial_epoch=2\)"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[callback])
    model.fit(X, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[callback])
    assert rec.epochs == (0, 1, 2, 3)


def test_misaligned_or_incomplete_inputs_are_refused_before_training(digits):
    X, y = digits
    rec = TrainingDynamics(len(y), list(range(10)), y, index=np.arange(100, 100 + len(y)))
    with pytest.raises(ValueError, match="x has 599 rows but the recorder has 600 samples"):
        DataMapCallback(rec, X[:-1])
    shuffled = np.random.default_rng(0).permutation(len(y))
    with pytest.raises(ValueError, match=r"y disagrees with the recorder's labels at \d+ rows"):
        DataMapCallback(rec, X[shuffled], y[shuffled])
    one_hot = np.eye(10)[y]
    DataMapCallback(rec, X, one_hot)  # one-hot labels in the right order are fine
    with pytest.raises(ValueError, match=r"ids repeat within one call: .*ids \[105\]"):
        DataMapCallback(rec, X, ids=np.r_[np.arange(100, 699), 105])
    with pytest.raises(ValueError, match="ids name 300 samples but the recorder has 600"):
        DataMapCallback(rec, X[:300], ids=np.arange(100, 400))
    with pytest.raises(ValueError, match=r"1 ids are not in the recorder's index \(e.g. \[7\]"):
        DataMapCallback(rec, X, ids=np.r_[np.arange(100, 699), 7])
    with pytest.raises(ValueError, match="outputs must be 'probs' or 'logits'"):
        DataMapCallback(rec, X, outputs="softmax")


def test_logits_passed_as_probs_are_reported(digits):
    X, y = digits
    rec = TrainingDynamics(len(y), list(range(10)), y)
    model = _model(activation=None)
    with pytest.raises(ValueError, match="pass logits= instead"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=[DataMapCallback(rec, X)])


def test_callback_keeps_the_predicted_class_per_epoch(digits):
    import pandas as pd

    from nbdatalens.table import SampleTable

    X, y = digits
    rec = TrainingDynamics(len(y), list(range(10)), y)  # default: no full probabilities
    model = _model()
    model.fit(X, y, epochs=2, batch_size=64, verbose=0, callbacks=[DataMapCallback(rec, X, y)])
    np.testing.assert_array_equal(rec.epoch_preds[:, -1], model.predict(X, verbose=0).argmax(1))
    table = SampleTable(pd.DataFrame({"label": y}), dynamics=rec)
    np.testing.assert_array_equal(table.epoch_pred, rec.epoch_preds)
    assert table.derived["flips"].notna().all()
