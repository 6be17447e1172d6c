"""Session files: annotations survive the kernel; a session of another dataset is refused."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens
from nbdatalens.session import dataset_fingerprint

REPO = Path(__file__).resolve().parents[1]
CLASSES = ["cat", "dog", "eel"]


def frame(index) -> pd.DataFrame:
    n = len(index)
    return pd.DataFrame(
        {
            "label": [CLASSES[i % 3] for i in range(n)],
            "prediction": [CLASSES[(i + (i % 4 == 0)) % 3] for i in range(n)],
        },
        index=index,
    )


def annotate(lens: DataLens, ids: list) -> None:
    lens.tag(ids[:2], "mislabeled")
    lens.tag(ids[1:3], "needs review")
    lens.relabel(ids[:1], "eel")
    lens.save_selection("rogues", ids=ids[1:4])


def same_annotations(a: DataLens, b: DataLens) -> None:
    pd.testing.assert_frame_equal(a.corrections, b.corrections)
    pd.testing.assert_frame_equal(a.tags, b.tags)
    assert {k: v.tolist() for k, v in a.selections.items()} == {
        k: v.tolist() for k, v in b.selections.items()
    }


def test_a_new_lens_on_the_same_file_restores_everything(tmp_path):
    path = tmp_path / "review.lens.json"
    df = frame(pd.RangeIndex(20, name="sample_id"))
    first = DataLens(df, projection="pca", session=path)
    assert path.exists()  # claimed for this dataset at once
    annotate(first, [3, 5, 8, 13])
    second = DataLens(df, projection="pca", session=path)
    same_annotations(first, second)
    assert second.corrections.loc[3, "corrected_label"] == "eel"
    assert second.tags.columns.tolist()[-1] == "needs review"
    # ...and keeps writing: a change in the second lens reaches a third.
    second.untag([3], "mislabeled")
    third = DataLens(df, projection="pca", session=path)
    assert third.tags["mislabeled"].sum() == 1


def test_the_file_is_small_json_of_annotated_ids_only(tmp_path):
    path = tmp_path / "s.lens.json"
    df = frame(pd.RangeIndex(5000, name="sample_id"))
    lens = DataLens(df, projection="pca", session=path)
    annotate(lens, [3, 5, 8, 13])
    doc = json.loads(path.read_text())
    assert doc["format"] == "nbdatalens-session" and doc["version"] == 1
    assert doc["dataset"] == dataset_fingerprint(lens.table)
    assert doc["tags"] == {"mislabeled": [3, 5], "needs review": [5, 8]}
    assert doc["corrections"] == {"ids": [3], "labels": ["eel"]}
    assert doc["selections"] == {"rogues": [5, 8, 13]}
    assert doc["times"]["ids"] == [3, 5, 8]
    assert path.stat().st_size < 1000
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    "index",
    [
        pd.Index([f"img_{i:03d}.png" for i in range(10)], name="file"),
        pd.MultiIndex.from_tuples([(i // 3, f"k{i}") for i in range(10)], names=["a", "b"]),
        pd.date_range("2024-01-01", periods=10, freq="h", name="when"),
        pd.Index([0.5 * i for i in range(10)]),
        pd.Index([1, "two", 3.5, (4, 4), None, False, "7", 7.25, -1, "x"], dtype=object),
    ],
    ids=["strings", "multiindex", "timestamps", "floats", "mixed"],
)
def test_ids_of_any_kind_round_trip(tmp_path, index):
    path = tmp_path / "s.lens.json"
    df = frame(index)
    first = DataLens(df, projection="pca", session=path)
    annotate(first, list(index[[1, 3, 6, 9]]))
    second = DataLens(df, projection="pca", session=path)
    same_annotations(first, second)


def test_a_reordered_frame_with_the_same_ids_restores_by_id(tmp_path):
    path = tmp_path / "s.lens.json"
    df = frame(pd.Index([f"s{i}" for i in range(30)]))
    annotate(DataLens(df, projection="pca", session=path), ["s3", "s9", "s11", "s20"])
    shuffled = df.sample(frac=1.0, random_state=0)
    restored = DataLens(shuffled, projection="pca", session=path)
    assert restored.corrections.loc["s3", "corrected_label"] == "eel"
    assert sorted(restored.selections["rogues"]) == ["s11", "s20", "s9"]


def test_a_session_of_another_dataset_is_refused_not_merged(tmp_path):
    path = tmp_path / "s.lens.json"
    annotate(DataLens(frame(pd.RangeIndex(20)), projection="pca", session=path), [1, 2, 3, 4])
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"another dataset \(20 rows, this one has 21\)"):
        DataLens(frame(pd.RangeIndex(21)), projection="pca", session=path)
    with pytest.raises(ValueError, match="same number of rows, 20, but different ids"):
        DataLens(frame(pd.RangeIndex(1, 21)), projection="pca", session=path)
    assert path.read_bytes() == before  # the refused file is left exactly as it was


def test_a_damaged_or_foreign_file_is_refused(tmp_path):
    path = tmp_path / "s.lens.json"
    path.write_text('{"format": "nbdatalens-session", "version": 1, "dataset": {')
    with pytest.raises(ValueError, match=f"session file {path}: not valid JSON"):
        DataLens(frame(pd.RangeIndex(5)), projection="pca", session=path)
    path.write_text('{"cells": []}')
    with pytest.raises(ValueError, match="not an nbdatalens session file"):
        DataLens(frame(pd.RangeIndex(5)), projection="pca", session=path)


WRITER = """
import sys, time
import pandas as pd
from nbdatalens import DataLens
df = pd.DataFrame({{"label": ["cat", "dog", "eel"] * 20}}, index=pd.RangeIndex(60, name="id"))
lens = DataLens(df, projection="pca", session={path!r})
lens.tag([4, 7, 9], "mislabeled")
lens.relabel([7], "cat")
lens.save_selection("rogues", ids=[4, 9])
print("saved", flush=True)
time.sleep(60)  # killed here, mid-session, like a crashed kernel
"""

READER = """
import json
import pandas as pd
from nbdatalens import DataLens
df = pd.DataFrame({{"label": ["cat", "dog", "eel"] * 20}}, index=pd.RangeIndex(60, name="id"))
lens = DataLens(df, projection="pca", session={path!r})
print(json.dumps({{
    "mislabeled": lens.tags.index[lens.tags["mislabeled"]].tolist(),
    "corrected": {{str(k): v for k, v in lens.corrections["corrected_label"].dropna().items()}},
    "rogues": lens.selections["rogues"].tolist(),
}}))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_a_session_survives_a_killed_kernel(tmp_path):
    path = str(tmp_path / "killed.lens.json")
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER.format(path=path))],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = writer.stdout.readline()
        assert line.strip() == "saved", writer.stderr.read()
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.stdout.close()
        writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    reader = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(READER.format(path=path))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    restored = json.loads(reader.stdout.strip().splitlines()[-1])
    assert restored == {"mislabeled": [4, 7, 9], "corrected": {"7": "cat"}, "rogues": [4, 9]}


def test_every_change_is_on_disk_at_once(tmp_path):
    path = tmp_path / "s.lens.json"
    lens = DataLens(frame(pd.RangeIndex(10)), projection="pca", session=path)
    lens.tag([1], "duplicate")
    assert json.loads(path.read_text())["tags"] == {"duplicate": [1]}
    lens.relabel([2], "cat")
    assert json.loads(path.read_text())["corrections"] == {"ids": [2], "labels": ["cat"]}
    lens.save_selection("one", ids=[3])
    assert json.loads(path.read_text())["selections"] == {"one": [3]}
    mtime = path.stat().st_mtime_ns
    assert lens.tag([1], "duplicate") == 0  # no change, no write
    assert path.stat().st_mtime_ns == mtime
    assert np.isfinite(json.loads(path.read_text())["times"]["unix"]).all()


def test_two_lenses_on_one_file_merge_never_overwrite_each_other(tmp_path):
    path = tmp_path / "s.lens.json"
    df = frame(pd.RangeIndex(10))
    old = DataLens(df, projection="pca", session=path)  # e.g. a cell that was re-run...
    new = DataLens(df, projection="pca", session=path)
    new.tag([1], "duplicate")  # ...and the new lens carries on
    old.tag([2], "mislabeled")  # a click on the old, still visible widgets: merged
    assert json.loads(path.read_text())["tags"] == {"duplicate": [1], "mislabeled": [2]}
    assert old.tags["duplicate"].tolist()[1]  # the old lens now shows the new one's tag
    new.tag([3], "duplicate")  # the current lens keeps writing, keeping the old lens' tag
    assert json.loads(path.read_text())["tags"] == {"duplicate": [1, 3], "mislabeled": [2]}
    # The same element changed in both: the later change wins.
    old.untag([1], "duplicate")
    new.relabel([4], "cat")
    doc = json.loads(path.read_text())
    assert doc["tags"] == {"duplicate": [3], "mislabeled": [2]}
    assert doc["corrections"] == {"ids": [4], "labels": ["cat"]}
