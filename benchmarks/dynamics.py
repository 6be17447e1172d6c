"""Benchmark: the cost of recording training dynamics, per epoch and in memory.

Two markdown tables:

1. Recording overhead per epoch as a ratio to that epoch's own training time,
   on synthetic, seeded data (N samples × 64 features, 10 classes; an MLP
   64 → 128 → 10 trained with mini-batches of 128), for
   - PyTorch ``record_epoch`` (an eval pass over an unshuffled loader, batch 1024),
   - PyTorch ``OnTheFlyRecorder`` (the training batches' own logits),
   - the Keras 3 ``DataMapCallback`` (torch backend; ``predict``, batch 1024),
   - scikit-learn ``partial_fit`` (SGDClassifier and MLPClassifier; recording
     is ``predict_proba`` on all samples plus ``record``).
   Times are the median over the measured epochs (the first, warm-up epoch is
   dropped); recording time is measured around the recording calls themselves.
2. Recorder memory at 1M samples × 20 epochs (synthetic probabilities, 10
   classes): the default (given-label probability + the predicted class per
   epoch, uint8, from which correctness is read) and ``keep_full=True``, with
   the ``record()`` time per epoch and the peak traced allocation while
   recording and reading (``to_arrays`` and ``epoch_preds``, what a
   ``DataLens`` reads). The issue's budget: the default well under 200 MB.

Everything runs on one thread and is timed in process CPU time
(``time.process_time``), so the numbers do not depend on what else a shared
machine is doing; the ratio is the number to read.

Usage::

    python benchmarks/dynamics.py                 # N = 20k for overhead, 1M x 20 for memory
    python benchmarks/dynamics.py --quick         # N = 5k, memory at 100k x 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np

from nbdatalens.dynamics import TrainingDynamics

N_FEATURES = 64
N_CLASSES = 10
HIDDEN = 128
TRAIN_BATCH = 128
EVAL_BATCH = 1024


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Separable-ish Gaussian blobs, so training changes the predictions over epochs."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, N_CLASSES, n)
    centres = rng.normal(scale=1.5, size=(N_CLASSES, N_FEATURES))
    X = (centres[y] + rng.normal(size=(n, N_FEATURES))).astype(np.float32)
    return X, y


def _median_ratio(train: list[float], record: list[float]) -> tuple[float, float, float]:
    t, r = statistics.median(train[1:]), statistics.median(record[1:])
    return t, r, r / t


def bench_torch(X: np.ndarray, y: np.ndarray, epochs: int) -> list[tuple[str, str, tuple]]:
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from nbdatalens.integrations.torch import OnTheFlyRecorder, WithIndex, record_epoch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = WithIndex(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)))
    train_loader = DataLoader(data, batch_size=TRAIN_BATCH, shuffle=True)
    eval_loader = DataLoader(data, batch_size=EVAL_BATCH)
    model = nn.Sequential(nn.Linear(N_FEATURES, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, N_CLASSES))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    at_end = TrainingDynamics(len(y), list(range(N_CLASSES)), y)
    on_the_fly = TrainingDynamics(len(y), list(range(N_CLASSES)), y)
    hook = OnTheFlyRecorder(on_the_fly)
    train_times, end_times, hook_times, loader_times = [], [], [], []
    for epoch in range(epochs):
        in_hook = 0.0
        started = time.process_time()
        model.train()
        for x, target, ids in train_loader:
            logits = model(x)
            loss = nn.functional.cross_entropy(logits, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            mark = time.process_time()
            hook.update(logits, ids)
            in_hook += time.process_time() - mark
        mark = time.process_time()
        hook.end_epoch()
        in_hook += time.process_time() - mark
        train_times.append(time.process_time() - started - in_hook)
        hook_times.append(in_hook)
        mark = time.process_time()
        record_epoch(at_end, model, eval_loader, epoch)
        end_times.append(time.process_time() - mark)
        mark = time.process_time()
        for _batch in eval_loader:  # what the eval pass pays the DataLoader alone
            pass
        loader_times.append(time.process_time() - mark)
    return [
        (
            "PyTorch",
            f"record_epoch (eval pass, batch {EVAL_BATCH})",
            _median_ratio(train_times, end_times),
        ),
        (
            "PyTorch",
            "  of which: iterating the eval loader",
            _median_ratio(train_times, loader_times),
        ),
        ("PyTorch", "OnTheFlyRecorder (training logits)", _median_ratio(train_times, hook_times)),
    ]


def bench_keras(X: np.ndarray, y: np.ndarray, epochs: int) -> list[tuple[str, str, tuple]]:
    import keras
    import torch

    from nbdatalens.integrations.keras import DataMapCallback

    torch.set_num_threads(1)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((N_FEATURES,)),
            keras.layers.Dense(HIDDEN, activation="relu"),
            keras.layers.Dense(N_CLASSES, activation="softmax"),
        ]
    )
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    rec = TrainingDynamics(len(y), list(range(N_CLASSES)), y)
    callback = DataMapCallback(rec, X, y, batch_size=EVAL_BATCH)
    train_times: list[float] = []
    record_times: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        # Listed before the data-map callback, so its on_epoch_end marks the
        # end of training, before the recording starts.
        def on_epoch_begin(self, epoch: int, logs: object = None) -> None:
            self.started = time.process_time()

        def on_epoch_end(self, epoch: int, logs: object = None) -> None:
            train_times.append(time.process_time() - self.started)

    recording = callback.on_epoch_end

    def timed_recording(epoch: int, logs: object = None) -> None:
        mark = time.process_time()
        recording(epoch, logs)
        record_times.append(time.process_time() - mark)

    callback.on_epoch_end = timed_recording
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model.fit(
            X, y, epochs=epochs, batch_size=TRAIN_BATCH, shuffle=True, verbose=0,
            callbacks=[EpochTimer(), callback],
        )  # fmt: skip
    assert rec.n_epochs == epochs
    return [
        (
            "Keras 3 (torch backend)",
            f"DataMapCallback (predict, batch {EVAL_BATCH})",
            _median_ratio(train_times, record_times),
        )
    ]


def bench_sklearn(X: np.ndarray, y: np.ndarray, epochs: int) -> list[tuple[str, str, tuple]]:
    from sklearn.linear_model import SGDClassifier
    from sklearn.neural_network import MLPClassifier

    rows = []
    for name, model in (
        ("SGDClassifier(log_loss)", SGDClassifier(loss="log_loss", random_state=0)),
        ("MLPClassifier(128)", MLPClassifier(hidden_layer_sizes=(HIDDEN,), random_state=0)),
    ):
        rng = np.random.default_rng(0)
        rec = TrainingDynamics(len(y), list(range(N_CLASSES)), y)
        train_times, record_times = [], []
        for epoch in range(epochs):
            started = time.process_time()
            order = rng.permutation(len(y))
            for start in range(0, len(y), TRAIN_BATCH):
                rows_ = order[start : start + TRAIN_BATCH]
                extra = {"classes": np.arange(N_CLASSES)} if epoch == 0 and start == 0 else {}
                model.partial_fit(X[rows_], y[rows_], **extra)
            train_times.append(time.process_time() - started)
            mark = time.process_time()
            rec.record(epoch, model.predict_proba(X))
            record_times.append(time.process_time() - mark)
        rows.append(
            (
                "scikit-learn",
                f"{name}: partial_fit, predict_proba + record",
                _median_ratio(train_times, record_times),
            )
        )
    return rows


def bench_memory(n: int, epochs: int) -> list[tuple[str, int, float, int]]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, N_CLASSES, n)
    probs = rng.dirichlet(np.ones(N_CLASSES), size=n).astype(np.float32)
    rows = []
    for keep_full in (False, True):
        tracemalloc.start()
        rec = TrainingDynamics(n, list(range(N_CLASSES)), labels, keep_full=keep_full)
        times = []
        for epoch in range(epochs):
            mark = time.process_time()
            rec.record(epoch, probs)
            times.append(time.process_time() - mark)
        rec.to_arrays(labels)  # reading stacks the epochs once
        assert rec.epoch_preds is not None and rec.epoch_preds.dtype == np.uint8
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        label = (
            "keep_full=True (+ N x E x C float32)"
            if keep_full
            else "default (given prob float32 + class uint8)"
        )
        rows.append((label, rec.nbytes, statistics.median(times), peak))
        del rec
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="samples for the overhead table")
    parser.add_argument("--epochs", type=int, default=4, help="epochs (the first is warm-up)")
    parser.add_argument("--memory-n", type=int, default=1_000_000)
    parser.add_argument("--memory-epochs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="N = 5k, memory at 100k")
    parser.add_argument("--skip", default="", help="comma list of torch,keras,sklearn,memory")
    args = parser.parse_args()
    if args.quick:
        args.n, args.memory_n = 5_000, 100_000
    skip = set(filter(None, args.skip.split(",")))
    X, y = synthetic(args.n)

    rows: list[tuple[str, str, tuple]] = []
    for name, bench in (("torch", bench_torch), ("keras", bench_keras), ("sklearn", bench_sklearn)):
        if name not in skip:
            rows += bench(X, y, args.epochs)
    if rows:
        print(
            f"### Recording overhead per epoch (N = {args.n:,}, {N_FEATURES} features, "
            f"{N_CLASSES} classes, median of {args.epochs - 1} epochs, 1 thread, CPU time)\n"
        )
        print("| framework | recording | training / epoch | recording / epoch | overhead |")
        print("|---|---|---:|---:|---:|")
        for framework, how, (train, record, ratio) in rows:
            print(
                f"| {framework} | {how} | {train * 1e3:.0f} ms | {record * 1e3:.1f} ms | "
                f"{ratio:.2f}x |"
            )
        print()
    if "memory" not in skip:
        n, e = args.memory_n, args.memory_epochs
        print(f"### Recorder memory at {n:,} samples x {e} epochs ({N_CLASSES} classes)\n")
        print("| storage | recorder nbytes | record() per epoch | peak traced (record + read) |")
        print("|---|---:|---:|---:|")
        for label, nbytes, seconds, peak in bench_memory(n, e):
            print(
                f"| {label} | {nbytes / 1e6:.0f} MB | {seconds * 1e3:.0f} ms | "
                f"{peak / 1e6:.0f} MB |"
            )


if __name__ == "__main__":
    main()
