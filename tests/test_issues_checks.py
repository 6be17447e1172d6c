"""Each issue check on hand-made data with a known answer, and on data where it must be silent."""

from __future__ import annotations

import numpy as np
import pytest
from issue_fixtures import blobs, curved, directions, elongated
from PIL import Image
from threadpoolctl import threadpool_limits

from nbdatalens.issues.balance import class_imbalance
from nbdatalens.issues.coverage import coverage, split_codes
from nbdatalens.issues.duplicates import (
    content_hash,
    content_hashes,
    exact_duplicate,
    near_duplicate,
)
from nbdatalens.issues.groups import underperforming_group
from nbdatalens.issues.label_split import label_split
from nbdatalens.issues.outliers import outlier
from nbdatalens.neighbors import KnnIndex


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def _check_contract(r, n):
    assert r.is_issue.shape == (n,) and r.score.shape == (n,)
    assert ((r.score >= 0) & (r.score <= 1)).all()
    assert (r.score[~r.is_issue] == 1.0).all() or r.issue_type == "outlier"
    if r.is_issue.any() and (~r.is_issue).any():
        assert r.score[r.is_issue].max() <= r.score[~r.is_issue].min()


# ------------------------------------------------------------------ duplicates
def test_near_duplicate_finds_the_planted_pair_with_different_labels():
    x, blob = blobs([200, 200, 200])
    labels = blob.copy()
    x[450] = x[7] + 1e-4  # same point, other label
    labels[450] = 1
    x[300] = x[301] + 1e-4  # same point, same label
    r = near_duplicate(KnnIndex(x), labels, ["a", "b", "c"])
    _check_contract(r, 600)
    assert set(np.flatnonzero(r.is_issue)) == {7, 450, 300, 301}
    sets = r.extras["duplicate_set"]
    assert sets[7] == sets[450] != sets[300] == sets[301] and (sets[r.is_issue] >= 0).all()
    assert (sets[~r.is_issue] == -1).all()
    assert r.score[[7, 450]].max() < r.score[[300, 301]].min()  # conflicting labels first
    assert r.details.iloc[0]["n_labels"] == 2 and r.details.iloc[0]["labels"] == "a, b"


def test_near_duplicate_silent_on_clean_blobs():
    x, blob = blobs([200, 200, 200], seed=1)
    r = near_duplicate(KnnIndex(x), blob)
    assert r.num_issues == 0 and r.details is None
    assert (r.extras["duplicate_set"] == -1).all()


def test_content_hashes_of_every_cell_kind(tmp_path):
    img = np.zeros((4, 4, 3), dtype=np.uint8)
    png = tmp_path / "a.png"
    Image.fromarray(img).save(png)
    copy = tmp_path / "b.png"
    copy.write_bytes(png.read_bytes())
    cells = [
        str(png), copy, png.read_bytes(),  # path, PathLike, the same bytes in memory
        img, img.copy(), img.astype(np.float32),  # arrays: dtype matters
        Image.fromarray(img), Image.fromarray(img),
        "Hello   World", "hello world\n", "hello, world",
        str(tmp_path / "missing.png"), None, float("nan"), object(),
        (np.ones(8, np.float32), 16000), (np.ones(8, np.float32), 8000),
    ]  # fmt: skip
    h = content_hashes(cells)
    assert h[0] == h[1] == h[2]
    assert h[3] == h[4] != h[5]
    assert h[6] == h[7]
    assert h[8] == h[9] != h[10]
    assert h[15] != h[16]
    assert h[12] is None and h[13] is None and h[14] is None
    assert h[11] is not None  # kind="auto": a string that is no file is text
    assert content_hash(str(tmp_path / "missing.png"), kind="file") is None
    assert content_hash(str(png), kind="text") != h[0]


def test_exact_duplicate_sets_and_severity():
    hashes = np.array(["a", "b", "a", "c", "b", None, "a", None], dtype=object)
    labels = np.array([0, 1, 0, 0, 2, 1, 0, 1])
    r = exact_duplicate(hashes, labels, ["x", "y", "z"])
    _check_contract(r, 8)
    np.testing.assert_array_equal(r.is_issue, [1, 1, 1, 0, 1, 0, 1, 0])
    sets = r.extras["exact_duplicate_set"]
    assert sets[0] == sets[2] == sets[6] and sets[1] == sets[4] and sets[0] != sets[1]
    assert (sets[[3, 5, 7]] == -1).all()  # unique, unreadable cells are in no set
    assert r.score[1] == r.score[4] == 0.0 and r.score[0] == 0.5  # labels y/z disagree


def test_exact_duplicate_all_roles_must_match_and_silent_on_unique():
    img = np.array(["p", "p", "q"], dtype=object)
    text = np.array(["t1", "t2", "t3"], dtype=object)
    assert exact_duplicate({"image": img, "text": text}, np.zeros(3, int)).num_issues == 0
    assert exact_duplicate({"image": img}, np.zeros(3, int)).num_issues == 2
    assert (
        exact_duplicate(np.array(["a", "b", "c"], dtype=object), np.zeros(3, int)).num_issues == 0
    )


# -------------------------------------------------------------------- outliers
def test_outlier_flags_the_point_far_from_everything():
    x, _ = blobs([300, 300, 300])
    rng = np.random.default_rng(9)
    far = directions(1, 16, rng)[0] * 3
    x = np.vstack([x, far]).astype(np.float32)
    r = outlier(KnnIndex(x))
    _check_contract(r, 901)
    assert np.flatnonzero(r.is_issue).tolist() == [900]
    assert r.score[900] == r.score.min() < 0.25
    assert r.extras["outlier_distance"][900] > 2 * np.median(r.extras["outlier_distance"])


@pytest.mark.parametrize("shape", ["blob", "three blobs"])
def test_outlier_silent_without_outliers(shape):
    x = blobs([1000])[0] if shape == "blob" else blobs([300, 300, 300], seed=2)[0]
    assert outlier(KnnIndex(x)).num_issues == 0


# ------------------------------------------------------------------- imbalance
def test_class_imbalance_flags_the_class_of_five():
    labels = np.repeat([0, 1, 2, 3, 4], [200, 200, 5, 200, 200])
    r = class_imbalance(labels, 6, ["a", "b", "rare", "d", "e", "only-predicted"])
    _check_contract(r, labels.size)
    assert r.is_issue.sum() == 5 and (labels[r.is_issue] == 2).all()
    assert r.details.to_dict("records")[0]["class"] == "rare"
    assert r.details.to_dict("records")[0]["count"] == 5
    assert "rare (5)" in r.description


def test_class_imbalance_silent_when_balanced():
    labels = np.repeat([0, 1, 2], [200, 150, 100])  # 100 ≥ 0.2 × 150
    r = class_imbalance(labels)
    assert r.num_issues == 0 and r.details is None


# ----------------------------------------------------------------- label split
def test_label_split_finds_the_jaguar_class():
    x, blob = blobs([150, 150, 200, 200])  # blobs 0 and 1 are both labelled "jaguar"
    labels = np.array([0, 0, 1, 2])[blob]
    r = label_split(KnnIndex(x), labels, 3, ["jaguar", "dog", "bird"])
    _check_contract(r, x.shape[0])
    assert (r.is_issue == (labels == 0)).all()
    g = r.extras["label_split_group"]
    assert (g[labels != 0] == -1).all()
    assert len(set(g[blob == 0])) == 1 and len(set(g[blob == 1])) == 1 and g[0] != g[150]
    row = r.details.to_dict("records")[0]
    assert row["class"] == "jaguar" and row["n_groups"] == 2 and row["group_sizes"] == "150, 150"


def test_label_split_is_not_bridged_by_mislabeled_samples():
    x, blob = blobs([150, 150, 200, 200], seed=7)
    labels = np.array([0, 0, 1, 2])[blob]
    strays = np.flatnonzero(blob >= 2)[::20]  # 5 % of the other classes labelled "jaguar"
    labels[strays] = 0
    r = label_split(KnnIndex(x), labels)
    assert r.details is not None and r.details.iloc[0]["n_groups"] == 2
    assert set(r.extras["label_split_group"][blob < 2]) == {0, 1}


def test_label_split_leaves_a_group_of_mislabeled_samples_to_the_label_check():
    # 40 samples of class 1 carry label 0: without predictions they look like a second
    # group of class 0; the model predicts them as 1, so with predictions they are no split.
    x, blob = blobs([200, 200], seed=3)
    labels, pred = blob.copy(), blob.copy()
    moved = np.flatnonzero(blob == 1)[:40]
    labels[moved] = 0
    assert label_split(KnnIndex(x), labels).details.iloc[0]["group_sizes"] == "200, 40"
    assert label_split(KnnIndex(x), labels, pred=pred).num_issues == 0


@pytest.mark.parametrize("shape", ["blob", "elongated", "curved"])
def test_label_split_silent_on_single_clusters(shape):
    n = 400
    one = {"blob": blobs([n])[0], "elongated": elongated(n), "curved": curved(n)}[shape]
    other = blobs([200], seed=5)[0]
    x = np.vstack([one, other])
    labels = np.repeat([0, 1], [n, 200])
    r = label_split(KnnIndex(x), labels)
    assert r.num_issues == 0, r.details


# ---------------------------------------------------------- underperforming
def _predictions(blob, accuracy_of_blob, seed=0):
    rng = np.random.default_rng(seed)
    labels = blob % 4
    wrong = rng.random(blob.size) > accuracy_of_blob[blob]
    pred = np.where(wrong, (labels + 1) % 4, labels)
    return labels, pred


def test_underperforming_group_finds_the_cluster_at_30_percent():
    x, blob = blobs([250] * 8)
    acc = np.full(8, 0.95)
    acc[3] = 0.3
    labels, pred = _predictions(blob, acc)
    r = underperforming_group(KnnIndex(x), labels, pred)
    _check_contract(r, x.shape[0])
    assert (r.is_issue == (blob == 3)).all()
    assert (r.extras["underperforming_group"][blob != 3] == -1).all()
    worst = r.details.iloc[0]
    assert worst["underperforming"] and worst["accuracy"] < 0.4
    assert 0.3 < r.score[blob == 3].max() < 0.45


def test_underperforming_group_silent_when_accuracy_is_even():
    x, blob = blobs([250] * 8, seed=3)
    labels, pred = _predictions(blob, np.full(8, 0.9))
    assert underperforming_group(KnnIndex(x), labels, pred).num_issues == 0


# --------------------------------------------------------------------- coverage
def test_coverage_finds_the_region_without_validation_samples():
    x, blob = blobs([300] * 6)
    rng = np.random.default_rng(0)
    split = np.where(rng.random(blob.size) < 0.7, "train", "validation").astype(object)
    split[blob == 5] = "train"  # no validation image of this region
    split[:10] = "test"
    r = coverage(KnnIndex(x), split)
    _check_contract(r, x.shape[0])
    assert (r.is_issue == (blob == 5) & (split == "train")).all()
    assert (r.extras["coverage_region"][r.is_issue] >= 0).all()
    assert set(r.details["lacks"]) == {"validation"}


def test_coverage_flags_validation_samples_where_training_has_none():
    x, blob = blobs([300] * 6, seed=4)
    rng = np.random.default_rng(1)
    split = np.where(rng.random(blob.size) < 0.5, "TRAIN", "Val").astype(object)
    split[blob == 2] = "val"
    r = coverage(KnnIndex(x), split)
    assert (r.is_issue == (blob == 2)).all()
    assert set(r.details["lacks"]) == {"train"}


def test_coverage_silent_on_a_random_split_and_refuses_unknown_values():
    x, blob = blobs([300] * 6, seed=6)
    rng = np.random.default_rng(2)
    split = np.where(rng.random(blob.size) < 0.7, "train", "validation").astype(object)
    assert coverage(KnnIndex(x), split).num_issues == 0
    split[3] = "holdout-2"
    with pytest.raises(ValueError, match=r"column 'split': unknown split values \['holdout-2'\]"):
        coverage(KnnIndex(x), split)
    assert list(split_codes(np.array(["Train", " dev ", "TEST"]))) == [
        "train",
        "validation",
        "test",
    ]
