import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.datasets import load_digits  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, Dataset, TensorDataset  # noqa: E402

from nbdatalens.dynamics import TrainingDynamics  # noqa: E402
from nbdatalens.integrations.torch import (  # noqa: E402
    OnTheFlyRecorder,
    WithIndex,
    record_epoch,
)
from nbdatalens.probability import softmax  # noqa: E402

torch.set_num_threads(1)
N_SUBSET = 600  # a third of digits keeps every test well under a second


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = torch.tensor(X[:N_SUBSET] / 16.0, dtype=torch.float32)
    return X, torch.tensor(y[:N_SUBSET])


def _model(n_out=10, seed=0):
    torch.manual_seed(seed)
    # Dropout makes train-mode and eval-mode outputs differ, so a recording
    # taken in the wrong mode cannot match the independent eval pass.
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, n_out))


def _train_epoch(model, loader, optimizer, hook=None, seen=None):
    model.train()
    for x, y, ids in loader:
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y)
        if hook is not None:
            hook.update(logits, ids)
        if seen is not None:
            seen[ids.numpy()] = logits.detach().numpy()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def _eval_probs(model, X):
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(X), dim=1).numpy()


class _DictDigits(Dataset):
    def __init__(self, X, y, ids):
        self.X, self.y, self.ids = X, y, ids

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return {"x": self.X[i], "label": self.y[i], "id": self.ids[i]}


def test_record_epoch_matches_an_independent_eval_pass(digits):
    X, y = digits
    loader = DataLoader(WithIndex(TensorDataset(X, y)), batch_size=64, shuffle=True)
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    rec = TrainingDynamics(len(y), list(range(10)), y.numpy(), keep_full=True)
    for epoch in range(3):
        _train_epoch(model, loader, optimizer)
        record_epoch(rec, model, loader, epoch)
        assert model.training  # put back in train mode for the next epoch
    assert rec.epochs == (0, 1, 2)
    expected = _eval_probs(model, X)
    np.testing.assert_allclose(rec.full_probs[:, -1], expected, atol=1e-5)
    np.testing.assert_allclose(
        rec.given_probs[:, -1], expected[np.arange(len(y)), y.numpy()], atol=1e-5
    )
    np.testing.assert_array_equal(rec.correct[:, -1], expected.argmax(1) == y.numpy())
    assert rec.correct[:, -1].mean() > rec.correct[:, 0].mean()


def test_record_epoch_restores_each_modules_mode(digits):
    X, y = digits
    loader = DataLoader(WithIndex(TensorDataset(X, y)), batch_size=128)
    model = _model()
    model.train()
    model[2].eval()  # e.g. a frozen part of a fine-tuned model
    record_epoch(TrainingDynamics(len(y), list(range(10)), y.numpy()), model, loader, 0)
    assert model.training and model[0].training and not model[2].training
    model.eval()
    record_epoch(TrainingDynamics(len(y), list(range(10)), y.numpy()), model, loader, 0)
    assert not any(module.training for module in model.modules())


def test_tuple_dict_and_wrapped_batches_record_the_same(digits):
    X, y = digits
    model = _model()
    ids = torch.arange(len(y))
    loaders = {
        "tuple": DataLoader(TensorDataset(X, y, ids), batch_size=50),
        "dict": DataLoader(_DictDigits(X, y, ids), batch_size=70, shuffle=True),
        "wrapped": DataLoader(WithIndex(TensorDataset(X, y)), batch_size=64, shuffle=True),
        "ids_from": DataLoader(TensorDataset(ids, X), batch_size=64),
    }
    options = {"ids_from": {"ids_from": 0, "inputs_from": 1}}
    recorded = {}
    for name, loader in loaders.items():
        rec = TrainingDynamics(len(y), list(range(10)), y.numpy())
        record_epoch(rec, model, loader, 0, **options.get(name, {}))
        recorded[name] = rec.given_probs[:, 0]
    expected = _eval_probs(model, X)[np.arange(len(y)), y.numpy()]
    for name, given in recorded.items():
        np.testing.assert_allclose(given, expected, atol=1e-6, err_msg=name)


def test_with_index_appends_the_position_to_any_item(digits):
    X, y = digits
    plain = WithIndex(X)
    x, position = plain[7]
    assert position == 7 and torch.equal(x, X[7])
    assert WithIndex(TensorDataset(X, y))[3][2] == 3
    item = WithIndex(_DictDigits(X, y, np.arange(600)))[5]
    assert item["index"] == 5 and item["id"] == 5 and set(item) == {"x", "label", "id", "index"}
    batch = next(iter(DataLoader(WithIndex(X), batch_size=4, shuffle=False)))
    assert batch[1].tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="already have an 'index' key; read the ids from it"):
        WithIndex([{"index": 0}])[0]
    with pytest.raises(TypeError, match="map-style dataset"):
        WithIndex(iter([1, 2]))


def test_string_ids_through_the_recorders_index(digits):
    X, y = digits
    names = [f"img{i:04d}" for i in range(len(y))]
    rec = TrainingDynamics(len(y), list(range(10)), y.numpy(), index=names)
    model = _model()
    loader = DataLoader(_DictDigits(X, y, names), batch_size=100, shuffle=True)
    record_epoch(rec, model, loader, 0)
    expected = _eval_probs(model, X)[np.arange(len(y)), y.numpy()]
    np.testing.assert_allclose(rec.given_probs[:, 0], expected, atol=1e-6)


def test_probability_outputs_are_checked(digits):
    X, y = digits
    loader = DataLoader(WithIndex(TensorDataset(X, y)), batch_size=100)
    model = _model()
    with_softmax = nn.Sequential(model, nn.Softmax(dim=1))
    rec = TrainingDynamics(len(y), list(range(10)), y.numpy())
    record_epoch(rec, with_softmax, loader, 0, outputs="probs")
    expected = _eval_probs(model, X)[np.arange(len(y)), y.numpy()]
    np.testing.assert_allclose(rec.given_probs[:, 0], expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"outputs='probs' but 600 output rows are not probab"):
        record_epoch(rec, model, loader, 1, outputs="probs")
    with pytest.raises(ValueError, match=r"shape \(100, 10\) but the recorder has 3 classes"):
        record_epoch(TrainingDynamics(len(y), ["a", "b", "c"]), model, loader, 0)
    with pytest.raises(ValueError, match="outputs must be 'logits' or 'probs'"):
        record_epoch(rec, model, loader, 1, outputs="softmax")


def test_binary_model_with_one_logit(digits):
    X, y = digits
    keep = (y == 0) | (y == 1)
    X2, y2 = X[keep], y[keep]
    model = _model(n_out=1)
    rec = TrainingDynamics(len(y2), [0, 1], y2.numpy(), keep_full=True)
    record_epoch(rec, model, DataLoader(WithIndex(TensorDataset(X2, y2)), batch_size=32), 0)
    model.eval()
    with torch.no_grad():
        positive = torch.sigmoid(model(X2)[:, 0]).numpy()
    np.testing.assert_allclose(rec.full_probs[:, 0, 1], positive, atol=1e-6)
    np.testing.assert_allclose(rec.full_probs[:, 0].sum(axis=1), 1.0, atol=1e-6)


def test_record_epoch_reports_missing_and_repeated_samples(digits):
    X, y = digits
    model = _model()
    dataset = WithIndex(TensorDataset(X, y))

    def recorder():
        return TrainingDynamics(len(y), list(range(10)), y.numpy())

    dropping = DataLoader(dataset, batch_size=64, drop_last=True)  # 600 = 9 * 64 + 24
    with pytest.raises(ValueError, match=r"epoch 4: 24 of 600 samples never appeared .*drop_last"):
        record_epoch(recorder(), model, dropping, 4)
    twice = DataLoader(dataset, batch_size=64, sampler=[*range(600), 5, 7])
    with pytest.raises(ValueError, match=r"2 samples appeared more than once .*positions \[5, 7\]"):
        record_epoch(recorder(), model, twice, 0)
    without_ids = DataLoader(TensorDataset(X, y), batch_size=64)  # (x, y): labels taken as ids
    with pytest.raises(ValueError, match=r"ids repeat within one call.*WithIndex\(dataset\)"):
        record_epoch(recorder(), model, without_ids, 0)
    only_x = DataLoader(X, batch_size=64)
    with pytest.raises(TypeError, match="batches must be tuples, lists or dicts, got Tensor"):
        record_epoch(recorder(), model, only_x, 0)
    nameless = DataLoader(_DictDigits(X, y, np.arange(600)), batch_size=64)
    with pytest.raises(ValueError, match=r"no_such_key.* is not a key of the batch"):
        record_epoch(recorder(), model, nameless, 0, ids_from="no_such_key")


@pytest.mark.parametrize("keep_full", [False, True])
def test_non_finite_outputs_are_an_error(digits, keep_full):
    X, y = digits
    broken = X.clone()
    broken[[3, 10, 42], 5] = float("nan")  # e.g. a corrupt input, or a diverged model
    loader = DataLoader(WithIndex(TensorDataset(broken, y)), batch_size=100)
    rec = TrainingDynamics(len(y), list(range(10)), y.numpy(), keep_full=keep_full)
    with pytest.raises(ValueError, match=r"epoch 0: .*NaN or infinite values in 3 rows"):
        record_epoch(rec, _model(), loader, 0)
    assert rec.n_epochs == 0


def test_on_the_fly_records_the_training_batches_probabilities(digits):
    X, y = digits
    loader = DataLoader(WithIndex(TensorDataset(X, y)), batch_size=64, shuffle=True)
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    rec = TrainingDynamics(len(y), list(range(10)), y.numpy())
    hook = OnTheFlyRecorder(rec)
    logits_seen = []
    for _ in range(3):
        seen = np.zeros((len(y), 10), dtype=np.float32)
        _train_epoch(model, loader, optimizer, hook=hook, seen=seen)
        assert hook.end_epoch() == len(logits_seen)
        logits_seen.append(seen)
    assert rec.epochs == (0, 1, 2)
    assert hook.epoch == 3
    expected = softmax(np.stack(logits_seen, axis=1))
    codes = y.numpy()
    np.testing.assert_allclose(rec.given_probs, expected[np.arange(len(y)), :, codes], atol=1e-6)
    np.testing.assert_array_equal(rec.correct, expected.argmax(axis=2) == codes[:, None])
    # only the given-label probability and correctness are kept: N x E x 5 bytes + codes
    assert rec.full_probs is None
    assert rec.nbytes == len(y) * 3 * 5 + len(y) * 4


def test_on_the_fly_reports_missing_and_repeated_samples(digits):
    X, y = digits
    model = _model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    rec = TrainingDynamics(len(y), list(range(10)), y.numpy())
    hook = OnTheFlyRecorder(rec, first_epoch=1)
    dropping = DataLoader(WithIndex(TensorDataset(X, y)), batch_size=64, drop_last=True)
    _train_epoch(model, dropping, optimizer, hook=hook)
    with pytest.raises(ValueError, match=r"epoch 1: 24 of 600 samples never appeared .*drop_last"):
        hook.end_epoch()
    assert rec.n_epochs == 0 and hook.epoch == 1  # nothing half-recorded, same epoch number
    repeating = DataLoader(WithIndex(TensorDataset(X, y)), batch_size=64, sampler=[*range(600), 3])
    _train_epoch(model, repeating, optimizer, hook=hook)
    with pytest.raises(ValueError, match=r"1 samples appeared more than once.*replacement"):
        hook.end_epoch()
    with pytest.raises(
        ValueError, match=r"end_epoch\(\): no update\(\) since the start of epoch 1"
    ):
        hook.end_epoch()
    with pytest.raises(TypeError, match="recorder must be a TrainingDynamics"):
        OnTheFlyRecorder(np.zeros(3))


def test_on_the_fly_continues_numbering_and_keeps_full_on_request(digits):
    X, y = digits
    model = _model()
    rec = TrainingDynamics(len(y), list(range(10)), keep_full=True)
    rec.record(4, logits=np.zeros((len(y), 10)))
    hook = OnTheFlyRecorder(rec)
    assert hook.epoch == 5
    with torch.no_grad():
        logits = model(X)
    for batch in np.array_split(np.random.default_rng(0).permutation(len(y)), 7):
        hook.update(logits[batch], torch.from_numpy(batch))
    assert hook.end_epoch() == 5
    np.testing.assert_allclose(rec.full_probs[:, 1], softmax(logits.numpy()), atol=1e-6)


def test_importing_nbdatalens_does_not_import_torch():
    code = (
        "import sys, nbdatalens, nbdatalens.integrations.torch, nbdatalens.integrations.sklearn; "
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("keep_full", [False, True])
def test_record_epoch_keeps_the_predicted_class_per_epoch(digits, keep_full):
    import pandas as pd

    from nbdatalens.table import SampleTable

    X, y = digits
    loader = DataLoader(WithIndex(TensorDataset(X, y)), batch_size=64, shuffle=True)
    model = _model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    rec = TrainingDynamics(len(y), list(range(10)), y.numpy(), keep_full=keep_full)
    for epoch in range(2):
        _train_epoch(model, loader, optimizer)
        record_epoch(rec, model, loader, epoch)
    np.testing.assert_array_equal(rec.epoch_preds[:, -1], _eval_probs(model, X).argmax(1))
    table = SampleTable(pd.DataFrame({"label": y.numpy()}), dynamics=rec)
    np.testing.assert_array_equal(table.epoch_pred, rec.epoch_preds)
    assert table.derived["learned_epoch"].isin([0, 1]).sum() > 0
