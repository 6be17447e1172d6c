"""Data boosting against random additions, on the digits (the data-centric AI competition's method).

    python benchmarks/boost.py                 # 3 seeds, 4 rounds, k = 3; prints a markdown table
    python benchmarks/boost.py --plot          # also writes docs/boost.png

Per seed: scikit-learn's digits are split into a small training set (300),
a validation set (600) and a test set (the other 897). The pool holds 10 random
augmentations of every *training* image (rotation ±15°, shift ±1 px, Gaussian
noise σ = 0.1; ``scipy.ndimage``), unlabelled. Features: the hidden layer of an
MLP trained once on the initial training set, fixed for all rounds. Each round
trains a logistic regression on the pixels of the training set so far and scores
it on validation and test, then

- **boosted**: ``DataLens(train + validation, split=...).boost(pool, k)``
  (seeds: the misclassified validation samples) and adds the candidates with
  their ``suggested_label`` (the seed's label);
- **random**: adds as many pool rows drawn at random, with the label of the
  training image each was made from (its true label: this favours random).

Validation errors choose what boosting adds, so validation accuracy is
optimistic for the boosted arm; the test column is the held-out check.
Parameters were fixed before the reported run.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

N_TRAIN, N_VAL, PER_IMAGE, ROUNDS, K = 300, 600, 10, 4, 3


def augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from scipy import ndimage

    out = np.empty_like(images)
    for i, img in enumerate(images):
        img = ndimage.rotate(img, rng.uniform(-15, 15), reshape=False, order=1, mode="constant")
        img = ndimage.shift(img, rng.uniform(-1, 1, 2), order=1, mode="constant")
        out[i] = np.clip(img + rng.normal(0, 0.1, img.shape), 0, 1)
    return out


def run(seed: int, rounds: int = ROUNDS, k: int = K) -> pd.DataFrame:
    """One seed: accuracy per round for both arms (columns arm, round, n_added, val, test)."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    from nbdatalens import DataLens

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    rng = np.random.default_rng(seed)
    digits = load_digits()
    images, y = digits.images / 16.0, digits.target
    order = rng.permutation(len(y))
    tr, va, te = order[:N_TRAIN], order[N_TRAIN : N_TRAIN + N_VAL], order[N_TRAIN + N_VAL :]
    source = np.repeat(tr, PER_IMAGE)  # the training image each pool row was made from
    X = images.reshape(len(y), -1)
    P = augment(images[source], rng).reshape(len(source), -1)
    extractor = MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=seed)
    extractor.fit(X[tr], y[tr])

    def features(A: np.ndarray) -> np.ndarray:
        return np.maximum(A @ extractor.coefs_[0] + extractor.intercepts_[0], 0).astype(np.float32)

    E, PE = features(X), features(P)
    pool = pd.DataFrame({"embedding": list(PE)}, index=pd.RangeIndex(len(P), name="pool_id"))
    rows = []
    added_per_round: list[int] = []
    for arm in ("boosted", "random"):
        added = np.zeros(0, dtype=np.int64)
        added_y = np.zeros(0, dtype=np.int64)
        arm_rng = np.random.default_rng(seed + 1000)
        for r in range(rounds + 1):
            model = LogisticRegression(max_iter=1000)
            model.fit(np.concatenate([X[tr], P[added]]), np.concatenate([y[tr], added_y]))
            rows.append(
                {
                    "seed": seed,
                    "arm": arm,
                    "round": r,
                    "n_added": len(added),
                    "val": float((model.predict(X[va]) == y[va]).mean()),
                    "test": float((model.predict(X[te]) == y[te]).mean()),
                }
            )
            if r == rounds:
                break
            if arm == "boosted":
                df = pd.DataFrame(
                    {
                        "label": np.concatenate([y[tr], added_y, y[va]]),
                        "prediction": model.predict(np.concatenate([X[tr], P[added], X[va]])),
                        "embedding": list(np.concatenate([E[tr], PE[added], E[va]])),
                        "split": ["train"] * (len(tr) + len(added)) + ["validation"] * len(va),
                    }
                )
                cands = DataLens(df, projection="pca").boost(pool, k=k)
                new = cands.index.to_numpy()
                new_y = cands["suggested_label"].to_numpy(np.int64)
                added_per_round.append(len(new))
            else:
                free = np.setdiff1d(np.arange(len(P)), added)
                new = arm_rng.choice(free, size=added_per_round[r], replace=False)
                new_y = y[source[new]]
            added = np.concatenate([added, new])
            added_y = np.concatenate([added_y, new_y])
    return pd.DataFrame(rows)


def table(results: pd.DataFrame) -> str:
    """Markdown: per round, mean ± sd over seeds of both arms, on validation and test."""
    lines = [
        "| round | added (mean) | boosted val | random val | boosted test | random test |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r, g in results.groupby("round"):
        cell = {}
        for arm in ("boosted", "random"):
            a = g[g["arm"] == arm]
            for split in ("val", "test"):
                cell[arm, split] = f"{a[split].mean():.1%} ± {a[split].std(ddof=1):.1%}"
        added = g.loc[g["arm"] == "boosted", "n_added"].mean()
        lines.append(
            f"| {r} | {added:.0f} | {cell['boosted', 'val']} | {cell['random', 'val']} | "
            f"{cell['boosted', 'test']} | {cell['random', 'test']} |"
        )
    return "\n".join(lines)


def plot(results: pd.DataFrame, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, split, title in zip(
        axes, ("val", "test"), ("validation", "test (held out)"), strict=True
    ):
        for arm, colour in (("boosted", "tab:blue"), ("random", "tab:gray")):
            g = results[results["arm"] == arm].groupby("round")[split]
            mean, sd = g.mean(), g.std(ddof=1)
            ax.plot(mean.index, mean, "o-", color=colour, label=arm)
            ax.fill_between(mean.index, mean - sd, mean + sd, color=colour, alpha=0.2)
        ax.set_title(f"digits, {title}")
        ax.set_xlabel("round")
        ax.set_xticks(sorted(results["round"].unique()))
    axes[0].set_ylabel("accuracy (mean ± sd, 3 seeds)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--k", type=int, default=K)
    parser.add_argument("--plot", action="store_true", help="write docs/boost.png")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    results = pd.concat([run(s, args.rounds, args.k) for s in seeds], ignore_index=True)
    print(table(results))
    wide = results.pivot_table(index=["seed", "round"], columns="arm", values=["val", "test"])
    worse = wide[wide[("val", "boosted")] <= wide[("val", "random")]].reset_index()
    worse = worse[worse["round"] > 0]
    print(
        f"\nboosted val ≤ random val in {len(worse)} of {len(seeds) * args.rounds} "
        f"(seed, round) pairs after round 0"
    )
    t = wide[wide.index.get_level_values("round") > 0]
    n_worse = int((t[("test", "boosted")] <= t[("test", "random")]).sum())
    print(f"boosted test ≤ random test in {n_worse} of {len(t)} pairs")
    if args.plot:
        path = os.path.join(os.path.dirname(HERE), "docs", "boost.png")
        plot(results, path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
