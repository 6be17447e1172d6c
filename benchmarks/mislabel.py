"""Benchmark: how well the ``label`` check ranks planted label noise, beside its baselines.

For every setting (dataset x noise kind) and seed, one run builds the inputs a
user would have, then ranks the samples with each method on those same inputs
and scores the ranking against the planted flips:

- **datasets** (both offline, real data): scikit-learn's bundled ``digits``
  (1,797 8x8 images, 10 classes) and river's bundled UCI ``ImageSegments``
  (2,310 outdoor image regions x 18 features, 7 classes; the CSV ships inside
  the ``river`` wheel).
- **noise**: ``uniform`` flips 10 % of the labels to a uniformly drawn other
  class; ``pairs`` flips 20 % of each class of fixed confusable pairs to its
  partner (digits 1<->7, 3<->8, 4<->9, 5<->6; segments foliage<->window,
  cement<->path, brickface<->grass).
- **inputs**: *probabilities* out-of-fold, from 5-fold ``cross_val_predict``
  of an MLP (64 ReLU units, adam): cleanlab's recommended
  input, given to every probability-based method (weight decay 1e-2, 30
  iterations); *training dynamics*: a second MLP of the same shape trained
  on all samples with ``partial_fit``
  for 12 epochs, recording ``predict_proba`` after every epoch (N x 12 x C);
  *embedding*: that MLP's trained hidden layer ``relu(x W0 + b0)``, searched
  with exact cosine kNN (k = 10, self excluded).
- **methods**: ``label`` (:func:`nbdatalens.issues.labels.label_issues`
  with all the inputs), cleanlab's ``get_label_quality_scores`` with
  ``self_confidence`` and ``normalized_margin`` on the out-of-fold
  probabilities, the final-epoch cross-entropy loss of the dynamics model,
  Dataset Cartography confidence (mean given-label probability over epochs),
  Area Under the Margin, and similarity-weighted kNN label disagreement.
- **metrics**: average precision, AUROC and precision at k (k = the number of
  flipped labels) of "is flipped", mean over the seeds.

The ``label`` check's parameters are its documented defaults, fixed before the
benchmark was first run; the seeds reported are 0, 1, 2 (``--seeds``). The
method's design choices were compared on seed 100 only (``--seeds 100``).

Usage::

    python benchmarks/mislabel.py               # 2 datasets x 2 noise kinds x 3 seeds
    python benchmarks/mislabel.py --seeds 100   # the development seed
    python benchmarks/mislabel.py --quick       # digits, uniform, one seed
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.neural_network import MLPClassifier

from nbdatalens.issues.labels import label_issues
from nbdatalens.probability import cross_entropy_loss, given_label_probability, margin

EPOCHS = 12
K_NEIGHBORS = 10
UNIFORM_RATE = 0.10
PAIR_RATE = 0.20
PAIRS = {
    "digits": [(1, 7), (3, 8), (4, 9), (5, 6)],
    "segments": [("foliage", "window"), ("cement", "path"), ("brickface", "grass")],
}
MLP = {"hidden_layer_sizes": (64,), "learning_rate_init": 3e-3, "batch_size": 64, "alpha": 1e-4}
# The out-of-fold model: stronger weight decay and 30 iterations. Of four fixed candidates
# compared on the development seed (this, 200 iterations at alpha 1e-4, 12 iterations,
# logistic regression) it gave cleanlab's scores the best AP: cleanlab gets its best input.
OOF_MLP = {**MLP, "alpha": 1e-2, "max_iter": 30}


def load(name: str) -> tuple[np.ndarray, np.ndarray, list]:
    """Features (standardised), integer labels and class names of a bundled dataset."""
    if name == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        return (d.data / 16.0).astype(np.float64), d.target.astype(np.int64), list(range(10))
    if name == "segments":
        from river.datasets import ImageSegments

        rows = list(ImageSegments())
        keys = sorted(rows[0][0])
        X = np.array([[x[k] for k in keys] for x, _ in rows], dtype=np.float64)
        names = sorted({y for _, y in rows})
        y = np.array([names.index(label) for _, label in rows], dtype=np.int64)
        X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        return X, y, names
    raise ValueError(f"unknown dataset {name!r}")


def plant_noise(
    y: np.ndarray, kind: str, pairs: list[tuple[int, int]], n_classes: int, seed: int
) -> np.ndarray:
    """Noisy labels: ``uniform`` or ``pairs`` flips (see the module docstring)."""
    rng = np.random.default_rng(seed)
    noisy = y.copy()
    if kind == "uniform":
        flip = rng.choice(len(y), size=round(UNIFORM_RATE * len(y)), replace=False)
        noisy[flip] = (y[flip] + rng.integers(1, n_classes, size=flip.size)) % n_classes
    elif kind == "pairs":
        for a, b in pairs:
            for src, dst in ((a, b), (b, a)):
                members = np.flatnonzero(y == src)
                flip = rng.choice(members, size=round(PAIR_RATE * members.size), replace=False)
                noisy[flip] = dst
    else:
        raise ValueError(f"unknown noise kind {kind!r}")
    return noisy


def cosine_knn(embedding: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine kNN, self excluded: (indices, similarities), both N x k."""
    unit = embedding / np.maximum(np.linalg.norm(embedding, axis=1, keepdims=True), 1e-12)
    sim = unit @ unit.T
    np.fill_diagonal(sim, -np.inf)
    idx = np.argpartition(-sim, k, axis=1)[:, :k]
    s = np.take_along_axis(sim, idx, axis=1)
    order = np.argsort(-s, axis=1)
    return np.take_along_axis(idx, order, axis=1), np.take_along_axis(s, order, axis=1)


def make_inputs(X: np.ndarray, labels: np.ndarray, n_classes: int, seed: int) -> dict:
    """Out-of-fold probs, per-epoch dynamics and the trained embedding's kNN for one run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        oof = cross_val_predict(
            MLPClassifier(random_state=seed, **OOF_MLP),
            X,
            labels,
            cv=folds,
            method="predict_proba",
        )
        model = MLPClassifier(random_state=seed, **MLP)
        dynamics = np.empty((len(labels), EPOCHS, n_classes))
        for epoch in range(EPOCHS):
            model.partial_fit(X, labels, classes=np.arange(n_classes))
            dynamics[:, epoch] = model.predict_proba(X)
    hidden = np.maximum(X @ model.coefs_[0] + model.intercepts_[0], 0)
    nn_idx, nn_sim = cosine_knn(hidden, K_NEIGHBORS)
    return {"probs": oof, "dynamics": dynamics, "nn_idx": nn_idx, "nn_sim": nn_sim}


def knn_disagreement(labels: np.ndarray, nn_idx: np.ndarray, nn_sim: np.ndarray) -> np.ndarray:
    """Similarity-weighted share of neighbours whose label differs (higher = worse)."""
    w = np.clip(nn_sim, 0.0, None) + 1e-12
    same = labels[nn_idx] == labels[:, None]
    return 1.0 - (w * same).sum(axis=1) / w.sum(axis=1)


def baselines(labels: np.ndarray, inputs: dict) -> dict[str, np.ndarray]:
    """Severity per sample for each method, higher = more likely mislabeled."""
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    probs, dyn = inputs["probs"], inputs["dynamics"]
    result = label_issues(
        labels,
        probs,
        dynamics_given=dyn,
        neighbor_indices=inputs["nn_idx"],
        neighbor_similarity=inputs["nn_sim"],
        n_classes=probs.shape[1],
    )
    # What a SampleTable keeps of the dynamics: given-label probability and correctness per epoch.
    p_given = given_label_probability(dyn, labels)
    table_form = label_issues(
        labels,
        probs,
        dynamics_given=p_given,
        dynamics_correct=dyn.argmax(axis=2) == labels[:, None],
        neighbor_indices=inputs["nn_idx"],
        neighbor_similarity=inputs["nn_sim"],
        n_classes=probs.shape[1],
    )
    cl_flagged = find_label_issues(labels, probs)
    return {
        "label (nbdatalens)": -result.score,
        "label, table dynamics (N x E given + correct)": -table_form.score,
        "cleanlab self_confidence": -get_label_quality_scores(
            labels, probs, method="self_confidence"
        ),
        "cleanlab normalized_margin": -get_label_quality_scores(
            labels, probs, method="normalized_margin"
        ),
        "final-epoch loss": cross_entropy_loss(dyn[:, -1], labels).astype(np.float64),
        "cartography confidence": -p_given.mean(axis=1),
        "area under the margin": -margin(dyn, labels).mean(axis=1, dtype=np.float64),
        "kNN label disagreement": knn_disagreement(labels, inputs["nn_idx"], inputs["nn_sim"]),
        "_flagged": result.is_issue.astype(np.float64),
        "_cleanlab_flagged": cl_flagged.astype(np.float64),
    }


def precision_at_k(is_noisy: np.ndarray, severity: np.ndarray) -> float:
    k = int(is_noisy.sum())
    # A stable sort on the negated severity: ties keep sample order, no method is favoured.
    top = np.argsort(-severity, kind="stable")[:k]
    return float(is_noisy[top].mean())


def run(datasets: list[str], kinds: list[str], seeds: list[int]) -> None:
    rows: dict[tuple[str, str], dict[str, list[tuple[float, float, float]]]] = {}
    flagged: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
    for name in datasets:
        X, y, class_names = load(name)
        n_classes = len(class_names)
        pairs = [(class_names.index(a), class_names.index(b)) for a, b in PAIRS[name]]
        for kind in kinds:
            for seed in seeds:
                t0 = time.perf_counter()
                labels = plant_noise(y, kind, pairs, n_classes, seed)
                is_noisy = labels != y
                inputs = make_inputs(X, labels, n_classes, seed)
                scores = baselines(labels, inputs)
                hit = scores.pop("_flagged").astype(bool)
                cl_hit = scores.pop("_cleanlab_flagged").astype(bool)
                flagged.setdefault((name, kind), []).append(
                    (
                        int(hit.sum()),
                        int((hit & is_noisy).sum()),
                        int(cl_hit.sum()),
                        int((cl_hit & is_noisy).sum()),
                        int(is_noisy.sum()),
                    )
                )
                for method, sev in scores.items():
                    rows.setdefault((name, kind), {}).setdefault(method, []).append(
                        (
                            average_precision_score(is_noisy, sev),
                            roc_auc_score(is_noisy, sev),
                            precision_at_k(is_noisy, sev),
                        )
                    )
                print(
                    f"<!-- {name} {kind} seed {seed}: {int(is_noisy.sum())} flips, "
                    f"{time.perf_counter() - t0:.1f} s -->",
                    flush=True,
                )
    print()
    print(f"Mean over seeds {seeds}; best AP per setting in bold.")
    print()
    print("| dataset | noise | method | AP | AUROC | P@k |")
    print("|---|---|---|---:|---:|---:|")
    for (name, kind), methods in rows.items():
        means = {m: np.mean(v, axis=0) for m, v in methods.items()}
        best = max(v[0] for v in means.values())
        for method, (ap, auc, pk) in means.items():
            ap_cell = f"**{ap:.3f}**" if ap == best else f"{ap:.3f}"
            print(f"| {name} | {kind} | {method} | {ap_cell} | {auc:.3f} | {pk:.3f} |")
    print()
    print(
        "Flagged samples (sum over seeds): `is_label_issue` of the `label` check and "
        "cleanlab's `find_label_issues` (defaults, out-of-fold probabilities):"
    )
    print()
    print(
        "| dataset | noise | planted flips | label: flagged | truly flipped | cleanlab: flagged "
        "| truly flipped |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for (name, kind), counts in flagged.items():
        f, tp, cf, ctp, n = np.sum(counts, axis=0)
        print(
            f"| {name} | {kind} | {n} | {f} | {tp} ({tp / max(f, 1):.0%}) | {cf} "
            f"| {ctp} ({ctp / max(cf, 1):.0%}) |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--quick", action="store_true", help="digits, uniform noise, seed 0")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.quick:
        run(["digits"], ["uniform"], seeds[:1])
    else:
        run(["digits", "segments"], ["uniform", "pairs"], seeds)


if __name__ == "__main__":
    main()
