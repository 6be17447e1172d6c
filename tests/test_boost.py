"""lens.boost: the rules of data boosting (similarity.boost_candidates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens


def _lens(embedding: np.ndarray, pred: list[int], label: list[int]) -> DataLens:
    df = pd.DataFrame(
        {"label": label, "prediction": pred, "embedding": list(embedding.astype(np.float32))},
        index=pd.Index([f"s{i}" for i in range(len(label))], name="id"),
    )
    return DataLens(df, projection="pca")


def _setup():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(6, 8))
    # Pool: 10 noisy copies around each of the first two table rows, plus row 0 itself.
    pool = np.concatenate(
        [table[0] + 0.05 * rng.normal(size=(10, 8)), table[1] + 0.05 * rng.normal(size=(10, 8))]
    )
    pool = np.concatenate([pool, table[:1]])
    return table, pool


def test_boost_rules_nearest_seed_and_table_samples_left_out():
    table, pool = _setup()
    lens = _lens(table, pred=[1, 0, 0, 1, 0, 1], label=[0, 1, 0, 1, 0, 1])  # s0, s1 wrong
    cands = lens.boost(pool, k=3)
    assert len(cands) == 6
    assert 20 not in cands.index  # the pool row equal to table row s0 is no candidate
    assert set(cands.loc[cands["seed"] == "s0"].index) <= set(range(10))
    assert set(cands.loc[cands["seed"] == "s1"].index) <= set(range(10, 20))
    assert cands.groupby("seed")["rank"].apply(sorted).tolist() == [[1, 2, 3], [1, 2, 3]]
    assert (cands.loc[cands["seed"] == "s0", "suggested_label"] == 0).all()
    sims = pool @ table[0] / np.linalg.norm(pool, axis=1) / np.linalg.norm(table[0])
    expected = [i for i in np.argsort(-sims) if i != 20][:3]
    assert sorted(cands.index[cands["seed"] == "s0"]) == sorted(expected)


def test_boost_again_after_adding_the_candidates_pulls_new_ones():
    # The loop of data boosting: add the candidates to the table, boost again. Each seed
    # must get k new candidates, not the k nearest minus the ones already added (none).
    table, pool = _setup()
    label = [0, 1, 0, 1, 0, 1]
    first = _lens(table, pred=[1, 0, 0, 1, 0, 1], label=label).boost(pool, k=3, seeds=["s0"])
    grown = np.concatenate([table, pool[first.index.to_numpy()]])
    lens = _lens(grown, pred=[1, 0, 0, 1, 0, 1, 0, 0, 0], label=[*label, 0, 0, 0])
    second = lens.boost(pool, k=3, seeds=["s0"])
    assert len(second) == 3
    assert not set(second.index) & set(first.index)
    assert second["rank"].tolist() == [1, 2, 3]
    assert set(second.index) <= set(range(10))


def test_boost_returns_what_is_left_when_the_pool_runs_out():
    table, pool = _setup()
    lens = _lens(table, pred=[1, 0, 0, 1, 0, 1], label=[0, 1, 0, 1, 0, 1])
    cands = lens.boost(pool, k=50, seeds=["s0"])
    assert len(cands) == 20  # every pool row but the table's own s0
    assert 20 not in cands.index


def test_similar_equals_brute_force_cosine_neighbours():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(60, 8))
    lens = _lens(x, pred=[0] * 60, label=[i % 2 for i in range(60)])
    out = lens.similar(["s5", "s17"], k=4)
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    for q in (5, 17):
        sims = unit @ unit[q]
        sims[q] = -np.inf  # a query is never its own neighbour
        expected = [f"s{i}" for i in np.argsort(-sims)[:4]]
        rows = out[out["query_id"] == f"s{q}"]
        assert rows["id"].tolist() == expected
        assert rows["rank"].tolist() == [1, 2, 3, 4]
        np.testing.assert_allclose(rows["similarity"], np.sort(sims)[::-1][:4], atol=1e-5)
    assert set(out.columns) == {"query_id", "id", "similarity", "rank", "label", "pred"}
    lens.select_similar(["s5"], k=4)
    assert sorted(lens.selected) == sorted(["s5", *out.loc[out["query_id"] == "s5", "id"]])


def test_boost_seeds_default_to_misclassified_validation_then_selection_then_all():
    table, pool = _setup()
    label = [0, 1, 0, 1, 0, 1]
    pred = [1, 0, 1, 1, 0, 1]  # s0, s1, s2 wrong
    df = pd.DataFrame(
        {
            "label": label,
            "prediction": pred,
            "embedding": list(table.astype(np.float32)),
            "split": ["train", "validation", "validation", "train", "train", "validation"],
        },
        index=[f"s{i}" for i in range(6)],
    )
    with_split = DataLens(df, projection="pca")
    assert set(with_split.boost(pool, k=2)["seed"]) <= {"s1", "s2"}  # validation errors
    no_split = _lens(table, pred=pred, label=label)
    no_split.select(["s4"])
    assert set(no_split.boost(pool, k=2)["seed"]) == {"s4"}  # the selection
    no_split.clear_selection()
    assert set(no_split.boost(pool, k=2)["seed"]) <= {"s0", "s1", "s2"}  # every error


@pytest.mark.parametrize(
    ("pool", "message"),
    [
        (
            np.ones((5, 3)),
            r"pool: vectors have dimension 3 but the lens' embedding has dimension 8",
        ),
        (np.full((4, 8), np.nan), r"pool: 4 vector\(s\) hold NaN or infinite values"),
        (np.zeros((0, 8)), r"pool: expected M × 8 vectors, got shape \(0, 8\)"),
        (pd.DataFrame({"x": [1, 2]}), r"pool: no embedding column found"),
    ],
)
def test_boost_refuses_a_bad_pool_naming_it(pool, message):
    table, _ = _setup()
    lens = _lens(table, pred=[1, 0, 0, 1, 0, 1], label=[0, 1, 0, 1, 0, 1])
    with pytest.raises(ValueError, match=message):
        lens.boost(pool, k=3)
