"""Session files never lose or lock away the user's work: values, datasets, failures, leftovers."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens
from nbdatalens.atomic_file import atomic_write

CLASSES = ["cat", "dog", "eel"]


def frame(n: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "label": [CLASSES[i % 3] for i in range(n)],
            "prediction": [CLASSES[(i + (i % 4 == 0)) % 3] for i in range(n)],
            "path": [f"img_{seed}_{i}.png" for i in range(n)],
            "width": rng.integers(10, 100, size=n),
        }
    )


def lens_on(df: pd.DataFrame, path) -> DataLens:
    return DataLens(df, projection="pca", session=path)


# ------------------------------------------------------- values round-trip
@pytest.mark.parametrize(
    ("labels", "new_class"),
    [
        (CLASSES, np.int64(7)),
        (CLASSES, pd.Timestamp("2024-05-01 12:30", tz="UTC")),
        (CLASSES, True),
        (CLASSES, 2.5),
        (CLASSES, np.str_("fox")),
        ([0, 1, 2], np.int64(7)),
        ([(0, "a"), (1, "b"), (2, "c")], (7, "z")),
    ],
    ids=["np.int64", "Timestamp", "bool", "float", "np.str_", "int-table", "tuple-table"],
)
def test_whatever_relabel_accepts_round_trips_through_the_file(tmp_path, labels, new_class):
    path = tmp_path / "s.lens.json"
    df = pd.DataFrame({"label": labels * 4})
    first = lens_on(df, path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a new class, warned about
        first.relabel([1], new_class)
    second = lens_on(df, path)
    restored = second.corrections.loc[1, "corrected_label"]
    assert restored == new_class and hash(restored) == hash(new_class)


def test_a_label_the_file_could_not_give_back_is_refused_before_anything_changes(tmp_path):
    class Odd:  # hashable, but neither a table class nor rebuildable from text
        def __repr__(self) -> str:
            return "Odd()"

    path = tmp_path / "s.lens.json"
    lens = lens_on(frame(), path)
    before = path.read_bytes()
    heard = []
    lens.annotations.observe(heard.append)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError, match=r"label Odd\(\) \(Odd\) cannot be stored"):
            lens.relabel([1], Odd())
    assert path.read_bytes() == before and heard == []
    assert lens.corrections.empty and lens.annotations.classes == CLASSES
    assert lens_on(frame(), path).corrections.empty  # and the file still loads


# ------------------------------------------------------ which dataset it is
def test_a_session_reopened_on_the_corrected_frame_keeps_the_corrections(tmp_path):
    path = tmp_path / "s.lens.json"
    lens = lens_on(frame(), path)
    lens.relabel([1, 2], "cat")
    lens.tag([5], "duplicate")
    fixed = lens.apply_corrections()
    reopened = lens_on(fixed, path)
    assert reopened.corrections["corrected_label"].dropna().to_dict() == {1: "cat", 2: "cat"}
    reopened.tag([6], "duplicate")  # the next write used to drop the corrections
    doc = json.loads(path.read_text())
    assert doc["corrections"] == {"ids": [1, 2], "labels": ["cat", "cat"]}
    assert doc["tags"] == {"duplicate": [5, 6]}
    # New predictions (a retrained model) on the same samples: still the same dataset.
    retrained = fixed.assign(prediction=fixed["prediction"].iloc[::-1].to_numpy())
    assert len(lens_on(retrained, path).corrections) == 4  # 2 corrected, 2 tagged


def test_other_data_with_the_same_default_index_is_refused(tmp_path):
    path = tmp_path / "s.lens.json"
    lens_on(frame(seed=0), path).tag([1], "duplicate")
    before = path.read_bytes()
    with pytest.raises(
        ValueError, match=r"another dataset \(the same ids, but column\(s\) 'path', 'width'"
    ):
        lens_on(frame(seed=1), path)
    # A table of labels and predictions only: the model's columns are what tells them apart.
    other = tmp_path / "p.lens.json"
    lens_on(frame()[["label", "prediction"]], other)
    shifted = frame()[["label", "prediction"]].assign(prediction="dog")
    with pytest.raises(ValueError, match=r"column\(s\) 'prediction' hold other values"):
        lens_on(shifted, other)
    assert path.read_bytes() == before


def test_an_old_file_with_a_fingerprint_of_the_ids_only_still_loads(tmp_path):
    path = tmp_path / "s.lens.json"
    lens_on(frame(), path).relabel([3], "dog")
    doc = json.loads(path.read_text())
    del doc["dataset"]["content"]  # as nbdatalens wrote it before the content fingerprint
    path.write_text(json.dumps(doc))
    assert lens_on(frame(), path).corrections.loc[3, "corrected_label"] == "dog"


@pytest.mark.parametrize(
    ("part", "value", "problem"),
    [
        ("tags", [1, 2], r'"tags" must be an object, got list'),
        ("dataset", [], r'"dataset" must be an object, got list'),
        ("dataset", {"n_rows": "12"}, r'"dataset" must hold "n_rows"'),
        ("corrections", {"ids": [1], "labels": []}, r'as many "labels" as "ids"'),
        ("corrections", {"ids": 1, "labels": []}, r'"corrections" → "ids" must be a list'),
        ("times", {"ids": [1], "unix": ["noon"]}, r'"unix" must hold numbers'),
        ("selections", {"a": 3}, r'"selections" → \'a\' must be a list'),
        ("tags", {"": [1]}, r"cannot be read \(ValueError: tag must not be empty"),
        ("tags", {"x": [[1]]}, r"cannot be read"),
    ],
)
def test_a_file_of_the_wrong_structure_is_refused_by_name_and_left_untouched(
    tmp_path, part, value, problem
):
    path = tmp_path / "s.lens.json"
    lens_on(frame(), path)
    doc = json.loads(path.read_text())
    doc[part] = value
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    with pytest.raises(ValueError, match=f"session file {path}: .*{problem}"):
        lens_on(frame(), path)
    assert path.read_bytes() == before


# --------------------------------------------------------- failed writes
def test_a_failed_write_changes_nothing_and_nobody_hears_of_it(tmp_path, monkeypatch):
    path = tmp_path / "s.lens.json"
    lens = lens_on(frame(), path)
    lens.tag([1], "duplicate")
    heard = []
    lens.annotations.observe(heard.append)
    model = lens.model
    sent = []
    monkeypatch.setattr(model, "send", lambda content, buffers=None: sent.append(content))

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("nbdatalens.session.atomic_write", full_disk)
    before = path.read_bytes()
    with pytest.raises(OSError, match="No space left"):
        lens.tag([2], "duplicate")
    with pytest.raises(OSError):
        lens.relabel([2], "dog")
    with pytest.raises(OSError):
        lens.save_selection("two", ids=[2])
    # The page's toolbar: the message is answered with the error, and nothing changes.
    lens.select([3, 4])
    model._dispatch(model, {"type": "annotate", "action": "tag", "tag": "x", "request_id": 7}, [])
    assert sent[-1]["type"] == "error" and sent[-1]["request_id"] == 7
    assert "No space left" in sent[-1]["error"]
    assert heard == [] and path.read_bytes() == before
    assert lens.tags["duplicate"].sum() == 1 and "x" not in lens.tags.columns
    assert lens.corrections["corrected_label"].isna().all() and lens.selections == {}
    assert "tags" in model.annotations  # the page still shows the one saved tag
    monkeypatch.undo()
    assert lens.tag([2], "duplicate") == 1  # the disk has room again: the change is made
    assert json.loads(path.read_text())["tags"] == {"duplicate": [1, 2]}


def test_every_listener_hears_a_change_even_when_one_fails():
    lens = DataLens(frame(), projection="pca")
    heard = []

    def broken(kind):
        raise RuntimeError("listener bug")

    lens.annotations.observe(broken)
    lens.annotations.observe(heard.append)
    with pytest.raises(RuntimeError, match="listener bug"):
        lens.tag([1], "duplicate")
    assert heard == ["tags"]


# ------------------------------------------------------ leftover temporaries
def test_stale_temporary_files_of_the_target_are_removed_on_the_next_write(tmp_path):
    target = tmp_path / "s.lens.json"
    dead_pid = 2**22 + 12345  # above Linux's pid_max: no such process
    stale = [
        tmp_path / f".s.lens.json.{dead_pid}-0badc0de.tmp",  # its writer is gone
        tmp_path / ".s.lens.json.deadbeef.tmp",  # an old-style name, an hour old
    ]
    live = tmp_path / f".s.lens.json.{os.getpid()}-12345678.tmp"  # a live writer's, fresh
    others = [tmp_path / f".other.json.{dead_pid}-0badc0de.tmp", tmp_path / "keep.tmp"]
    for p in [*stale, live, *others]:
        p.write_bytes(b"partial")
    hour_ago = time.time() - 3600
    os.utime(stale[1], (hour_ago, hour_ago))
    atomic_write(target, lambda f: f.write(b"{}"), overwrite=True)
    assert [p.exists() for p in stale] == [False, False]
    assert live.exists() and all(p.exists() for p in others)
    assert target.read_bytes() == b"{}"


def test_the_content_fingerprint_is_the_same_in_every_process_for_the_same_data():
    import subprocess
    import sys

    code = """
import json, sys
import pandas as pd
from nbdatalens import DataLens
from nbdatalens.session import dataset_fingerprint
class Thing:
    pass
df = pd.DataFrame({"label": [1, 2, 1], "tags": [{"b", "a", "c"}, {"x"}, set()],
                   "obj": [Thing(), Thing(), Thing()]})
print(json.dumps(dataset_fingerprint(DataLens(df, projection="pca").table)))
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    prints = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**env, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(prints) == 1  # sets in another order, objects at other addresses: same data
