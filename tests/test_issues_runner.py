"""The runner: registry, needs → NotRun, failures contained, progress, the two frames."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from issue_fixtures import blobs
from threadpoolctl import threadpool_limits

from nbdatalens.issues import runner
from nbdatalens.issues.base import CheckResult, NotRun
from nbdatalens.issues.runner import (
    IssueInputs,
    issues_frame,
    register,
    run_checks,
    summary_frame,
)


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


@pytest.fixture
def registry():
    """Restore the registry after a test registers its own checks."""
    saved = list(runner.CHECKS)
    yield runner.CHECKS
    runner.CHECKS[:] = saved


def full_inputs(**overrides):
    x, blob = blobs([200, 200, 200, 5])
    n = len(blob)
    labels = blob.copy()
    x[1] = x[0]  # a near duplicate pair with the same label
    probs = np.full((n, 4), 0.1, dtype=np.float32)
    probs[np.arange(n), labels] = 0.7
    split = np.where(np.arange(n) % 3 == 0, "validation", "train").astype(object)
    texts = np.array([f"text {i}" for i in range(n)], dtype=object)
    texts[10] = texts[400] = "same words"
    kw = dict(labels=labels, class_names=["a", "b", "c", "d"], probs=probs, embedding=x,
              split=split, media={"text": texts})  # fmt: skip
    kw.update(overrides)
    return IssueInputs(**kw)


def test_every_builtin_check_runs_and_the_frames_have_their_columns():
    inputs = full_inputs()
    results = run_checks(inputs)
    types = [r.issue_type for r in results]
    assert types[0] == "label"
    assert set(types) >= {"near_duplicate", "exact_duplicate", "outlier", "class_imbalance",
                          "label_split", "underperforming_group", "coverage"}  # fmt: skip
    assert isinstance(results[0], CheckResult)
    done = {r.issue_type: r for r in results if isinstance(r, CheckResult)}
    # every check but the image / audio ones (this table has text only) ran
    media_only = {t for t, role, _ in runner.MEDIA_CHECKS if role != "text"}
    assert set(done) == set(types) - media_only, [r for r in results if isinstance(r, NotRun)]
    assert done["exact_duplicate"].is_issue[[10, 400]].all()
    assert done["near_duplicate"].is_issue[[0, 1]].all()
    assert done["class_imbalance"].num_issues == 5

    index = pd.Index([f"id{i}" for i in range(inputs.n)], name="sample")
    frame = issues_frame(results, index)
    assert frame.index.equals(index)
    for t in done:
        assert frame[f"is_{t}_issue"].dtype == bool and f"{t}_score" in frame
    for extra in ("duplicate_set", "exact_duplicate_set", "label_split_group",
                  "underperforming_group", "coverage_region", "outlier_distance"):  # fmt: skip
        assert extra in frame

    summary = summary_frame(results, inputs.n)
    assert list(summary.columns) == [
        "issue_type", "num_issues", "share", "status", "description", "details"
    ]  # fmt: skip
    assert list(summary["issue_type"]) == types
    row = summary.set_index("issue_type").loc["class_imbalance"]
    assert row["num_issues"] == 5 and row["status"] == "done"
    assert row["share"] == pytest.approx(5 / inputs.n)
    assert row["details"]["class"].tolist() == ["d"]


def test_missing_inputs_give_not_run_with_the_reason():
    x, blob = blobs([50, 50])
    results = {r.issue_type: r for r in run_checks(IssueInputs(labels=blob))}
    for t in ("near_duplicate", "outlier", "label_split"):
        assert results[t] == NotRun(t, "needs an embedding")
    assert results["underperforming_group"].reason == (
        "needs an embedding and predictions or probabilities"
    )
    assert results["exact_duplicate"].reason == "needs image, audio or text cells"
    assert isinstance(results["class_imbalance"], CheckResult)
    with_emb = {r.issue_type: r for r in run_checks(IssueInputs(labels=blob, embedding=x))}
    assert with_emb["coverage"].reason == "needs a split column"
    summary = summary_frame(list(results.values()), 100).set_index("issue_type")
    assert summary.loc["outlier", "status"] == "not run: needs an embedding"
    assert pd.isna(summary.loc["outlier", "num_issues"])


def test_a_failing_check_becomes_not_run_and_the_rest_still_run(registry):
    def broken(labels):
        raise RuntimeError("disk on fire")

    register("broken", (), broken, before="outlier")
    results = run_checks(full_inputs(split=None), only=["broken", "class_imbalance"])
    assert results[0] == NotRun("broken", "failed: RuntimeError: disk on fire")
    assert isinstance(results[1], CheckResult)
    # a bad embedding fails the checks that need it, never the run
    bad = full_inputs(embedding=np.full((605, 4), np.nan), split=None)
    out = {r.issue_type: r for r in run_checks(bad, only=["outlier", "class_imbalance"])}
    assert out["outlier"].reason.startswith("failed: ValueError: embedding has NaN")
    assert isinstance(out["class_imbalance"], CheckResult)


def test_register_a_media_check_with_params_and_order(registry):
    seen = {}

    def silent_audio(media, labels, *, threshold=0.5):
        seen["threshold"] = threshold
        n = len(labels)
        return CheckResult("silent_audio", np.zeros(n, bool), np.ones(n), "none silent")

    register("silent_audio", ("media:audio",), silent_audio)
    assert runner.CHECKS[-1].issue_type == "silent_audio"
    not_run = run_checks(full_inputs(), only=["silent_audio"])[0]
    assert not_run == NotRun("silent_audio", "needs an audio column")
    inputs = full_inputs(media={"audio": [None] * 605})
    run_checks(inputs, only=["silent_audio"], params={"silent_audio": {"threshold": 0.1}})
    assert seen["threshold"] == 0.1
    with pytest.raises(ValueError, match="unknown issue type 'nope'"):
        run_checks(inputs, only=["nope"])
    bad = run_checks(inputs, only=["silent_audio"], params={"silent_audio": {"oops": 1}})[0]
    assert bad.reason == "failed: TypeError: unknown parameters ['oops']"


def test_the_label_check_weighs_the_embedding_neighbours_of_the_shared_index():
    inputs = full_inputs(split=None)
    result = run_checks(inputs, only=["label"])[0]
    assert isinstance(result, CheckResult) and result.issue_type == "label"
    assert result.params["sources"] == ["probs", "neighbors"]
    assert inputs.knn is not None and inputs.knn._self is not None  # built once, kept


def test_media_checks_decode_each_column_once_and_report_per_type():
    import numpy as np

    sr = 8000
    t = np.arange(sr) / sr
    clips = [0.5 * np.sin(2 * np.pi * 440 * t) for _ in range(9)] + [np.zeros(sr)]
    n = len(clips)
    inputs = IssueInputs(labels=np.zeros(n, dtype=int), media={"audio": clips}, sample_rate=sr)
    results = {r.issue_type: r for r in run_checks(inputs, only=["silent", "clipped", "corrupt"])}
    assert isinstance(results["silent"], CheckResult)
    assert results["silent"].is_issue.tolist() == [False] * 9 + [True]
    assert isinstance(results["corrupt"], NotRun) and "image" in results["corrupt"].reason
    assert list(inputs._features) == ["audio"]  # one decode served both audio checks


def test_progress_from_a_background_thread_and_the_index_is_shared():
    events = []
    inputs = full_inputs()
    box = {}

    def work():
        box["results"] = run_checks(
            inputs,
            only=["near_duplicate", "outlier", "coverage", "label"],
            progress=lambda t, s: events.append((t, s, threading.current_thread().name)),
        )

    th = threading.Thread(target=work, name="checks")
    th.start()
    th.join(60)
    label_ran = isinstance(box["results"][0], CheckResult)
    expected = [("label", "running"), ("label", "done")] if label_ran else [("label", "not run")]
    expected += [(t, s) for t in ("near_duplicate", "outlier", "coverage")
                 for s in ("running", "done")]  # fmt: skip
    assert [(t, s) for t, s, _ in events] == expected
    assert {name for *_, name in events} == {"checks"}
    assert inputs.knn is inputs.knn and inputs.knn._self is not None  # built once, cached


def test_a_broken_progress_callback_does_not_stop_the_checks():
    def boom(t, s):
        raise ValueError("view gone")

    with pytest.warns(UserWarning, match="progress callback failed"):
        results = run_checks(full_inputs(), only=["class_imbalance"], progress=boom)
    assert isinstance(results[0], CheckResult)


def test_inputs_validate_lengths_and_derive_pred():
    with pytest.raises(ValueError, match="embedding has 3 rows for 4 labels"):
        IssueInputs(labels=np.arange(4), embedding=np.ones((3, 2)))
    inputs = IssueInputs(labels=[0, 1], probs=np.array([[0.2, 0.8], [0.9, 0.1]]))
    assert inputs.pred.tolist() == [1, 0] and inputs.n_classes == 2
    assert inputs.knn is None and inputs.hashes == {}
