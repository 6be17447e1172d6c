"""Export: every format round-trips, Label Studio tasks and corrections, atomic writes."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import base64
import io
import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import nbdatalens
from nbdatalens import DataLens, export
from nbdatalens.label_studio import label_studio_config

CLASSES = ["cat", "dog", "eel"]
N = 12


def frame(image_paths: list[str] | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    label = np.array([CLASSES[i % 3] for i in range(N)], dtype=object)
    probs = rng.dirichlet(np.ones(3), size=N).astype(np.float32)
    probs[np.arange(N), np.arange(N) % 3] += 1.0  # the model mostly agrees with the label...
    probs[::4] = probs[::4][:, [1, 2, 0]]  # ...except every 4th sample
    probs /= probs.sum(axis=1, keepdims=True)
    images = (
        image_paths
        if image_paths is not None
        else [np.full((4, 4), 20 * i, dtype=np.uint8) for i in range(N)]
    )
    return pd.DataFrame(
        {
            "label": label,
            "probs": list(probs),
            "embedding": list(rng.normal(size=(N, 3)).astype(np.float32)),
            "image": images,
            "note": [f'row {i}, "quoted"' for i in range(N)],
        },
        index=pd.Index(np.arange(100, 100 + N), name="sample_id"),
    )


@pytest.fixture
def lens() -> DataLens:
    lens = DataLens(frame(), projection="pca")
    lens.select([101, 104, 105, 108])
    lens.tag([101, 104], "mislabeled")
    lens.tag([104], "blurry")
    lens.relabel([104], "cat")
    return lens


def read_back(path, kind: str) -> pd.DataFrame:
    if kind == "csv":
        out = pd.read_csv(path)
        for col in ("tags", "embedding", "probs"):
            out[col] = out[col].map(json.loads)
        return out
    if kind == "parquet":
        out = pd.read_parquet(path)
        for col in ("tags", "embedding", "probs"):
            out[col] = out[col].map(list)
        return out
    text = path.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()] if kind == "jsonl" else json.loads(text)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("kind", ["csv", "json", "jsonl", "parquet"])
def test_each_format_round_trips(lens, tmp_path, kind):
    path = lens.export(tmp_path / f"out.{kind}")
    assert path == (tmp_path / f"out.{kind}").absolute()
    back = read_back(path, kind)
    expected_ids = [101, 104, 105, 108]
    assert back["sample_id"].tolist() == expected_ids  # the index is the id column
    assert back["label"].tolist() == ["dog", "dog", "eel", "eel"]
    derived = lens.derived.loc[expected_ids]
    assert back["pred"].astype(str).tolist() == derived["pred"].astype(str).tolist()
    np.testing.assert_allclose(back["loss"], derived["loss"], rtol=1e-6)
    np.testing.assert_allclose(back["margin"], derived["margin"], rtol=1e-6)
    assert back["correct"].astype(bool).tolist() == derived["correct"].astype(bool).tolist()
    assert back["tags"].map(list).tolist() == [["mislabeled"], ["mislabeled", "blurry"], [], []]
    corrected = [None if pd.isna(v) else v for v in back["corrected_label"]]
    assert corrected == [None, "cat", None, None]
    np.testing.assert_allclose(
        np.stack(back["embedding"].map(np.asarray)),
        np.stack(lens.df.loc[expected_ids, "embedding"]),
        rtol=1e-6,
    )
    assert back["note"].tolist() == [f'row {i}, "quoted"' for i in (1, 4, 5, 8)]
    assert "image" not in back.columns  # in-memory images are left out of tabular files
    assert not list(tmp_path.glob(".*.tmp"))


def test_format_from_suffix_or_argument(lens, tmp_path):
    assert export.resolve_format("a.PARQUET", None) == "parquet"
    assert export.resolve_format("a.ndjson", None) == "jsonl"
    assert export.resolve_format("a.json", "label_studio") == "label-studio"
    path = lens.export(tmp_path / "fixes.txt", format="csv")
    assert pd.read_csv(path)["sample_id"].tolist() == [101, 104, 105, 108]
    with pytest.raises(ValueError, match=r"cannot tell the export format from .*fixes\.txt"):
        lens.export(tmp_path / "fixes.txt")
    with pytest.raises(ValueError, match="format must be one of"):
        lens.export(tmp_path / "fixes.csv", format="xlsx")


def test_ids_or_selection_and_an_empty_selection(lens, tmp_path):
    path = lens.export(tmp_path / "some.json", ids=[110, 100])
    assert [row["sample_id"] for row in json.loads(path.read_text())] == [100, 110]
    lens.clear_selection()
    with pytest.raises(ValueError, match="nothing selected: select samples in a view or pass ids="):
        lens.export(tmp_path / "none.csv")
    assert not (tmp_path / "none.csv").exists()


def test_an_existing_file_is_not_overwritten_unless_asked(lens, tmp_path):
    target = tmp_path / "fixes.csv"
    target.write_text("precious")
    with pytest.raises(FileExistsError, match=f"{target}.*overwrite=True"):
        lens.export(target)
    assert target.read_text() == "precious"
    lens.export(target, overwrite=True)
    assert pd.read_csv(target)["sample_id"].tolist() == [101, 104, 105, 108]


def test_an_interrupted_export_leaves_no_partial_file(lens, tmp_path, monkeypatch):
    def broken_writer(frame, handle):
        handle.write(b"sample_id,label\n101,dog\n")  # half a file...
        raise OSError("disk full")  # ...then the failure

    monkeypatch.setitem(export.WRITERS, "csv", broken_writer)
    with pytest.raises(OSError, match="disk full"):
        lens.export(tmp_path / "fixes.csv")
    assert list(tmp_path.iterdir()) == []  # neither the file nor the temporary one
    # Replacing an existing file: a failure leaves the old content intact.
    (tmp_path / "fixes.csv").write_text("old")
    with pytest.raises(OSError, match="disk full"):
        lens.export(tmp_path / "fixes.csv", overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["fixes.csv"]
    assert (tmp_path / "fixes.csv").read_text() == "old"


def test_exported_file_gets_ordinary_permissions(lens, tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = lens.export(tmp_path / "fixes.csv")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# ------------------------------------------------------------ Label Studio
TASK_KEYS = {"data", "predictions"}
DATA_KEYS = {"image", "sample_id", "given_label", "corrected_label", "tags"}
RESULT_KEYS = {"from_name", "to_name", "type", "value"}


def test_label_studio_tasks_have_the_documented_shape(lens, tmp_path):
    path = lens.export(tmp_path / "tasks.json", format="label-studio")
    tasks = json.loads(path.read_text())
    assert len(tasks) == 4
    table = lens.table
    for task, sample in zip(tasks, [101, 104, 105, 108], strict=True):
        assert set(task) == TASK_KEYS
        data = task["data"]
        assert set(data) == DATA_KEYS
        assert data["sample_id"] == sample
        assert data["given_label"] == lens.df.loc[sample, "label"]
        (prediction,) = task["predictions"]
        assert set(prediction) == {"model_version", "score", "result"}
        assert prediction["model_version"] == "nbdatalens"
        (result,) = prediction["result"]
        assert set(result) == RESULT_KEYS
        assert (result["from_name"], result["to_name"], result["type"]) == (
            "label",
            "image",
            "choices",
        )
        pos = table.positions([sample])[0]
        predicted = str(lens.derived.loc[sample, "pred"])
        assert result["value"] == {"choices": [predicted]}  # the model's label
        assert prediction["score"] == pytest.approx(table.probs[pos].max(), abs=1e-6)
        # The in-memory image is inlined as a PNG a labeler can see: enlarged, same pixels.
        assert data["image"].startswith("data:image/png;base64,")
        png = Image.open(io.BytesIO(base64.b64decode(data["image"].split(",", 1)[1])))
        assert png.size == (512, 512)
        assert png.getpixel((0, 0)) == 20 * (sample - 100)
    assert [t["data"]["tags"] for t in tasks] == ["mislabeled", "mislabeled, blurry", "", ""]
    assert [t["data"]["corrected_label"] for t in tasks] == [None, "cat", None, None]


def test_label_studio_keeps_image_paths_and_config_matches(tmp_path):
    paths = [f"/data/img_{i}.png" for i in range(N)]
    lens = DataLens(frame(image_paths=paths), projection="pca")
    tasks = json.loads(
        lens.export(tmp_path / "t.json", format="label-studio", ids=[103]).read_text()
    )
    assert tasks[0]["data"]["image"] == "/data/img_3.png"
    config = label_studio_config(lens)
    assert lens.label_studio_config() == config
    assert '<Image name="image" value="$image"/>' in config
    assert '<Choices name="label" toName="image" choice="single"' in config
    assert [line.strip() for line in config.splitlines() if "<Choice " in line] == [
        f'<Choice value="{c}"/>' for c in CLASSES
    ]


def test_label_studio_config_escapes_class_names():
    df = frame()
    df["label"] = ['a"<b>' if i % 2 else "c&d" for i in range(N)]
    df = df.drop(columns=["probs"])
    config = label_studio_config(DataLens(df, projection="pca"))
    assert "<Choice value='a\"&lt;b&gt;'/>" in config
    assert '<Choice value="c&amp;d"/>' in config


def ls_annotation(choice, created, cancelled=False, who=1):
    return {
        "id": hash((choice, created)) % 1000,
        "completed_by": who,
        "was_cancelled": cancelled,
        "created_at": created,
        "updated_at": created,
        "result": [
            {
                "from_name": "label",
                "to_name": "image",
                "type": "choices",
                "value": {"choices": [choice]},
            }
        ],
    }


def test_read_label_studio_takes_the_latest_non_cancelled_annotation(tmp_path):
    export_file = tmp_path / "project-1.json"
    export_file.write_text(
        json.dumps(
            [
                {
                    "id": 1,
                    "data": {"image": "x", "sample_id": 101, "given_label": "dog"},
                    "annotations": [
                        ls_annotation("eel", "2024-05-01T10:00:00Z"),
                        ls_annotation("cat", "2024-05-02T10:00:00Z", who=7),
                        ls_annotation("dog", "2024-05-03T10:00:00Z", cancelled=True),
                    ],
                },
                {"id": 2, "data": {"sample_id": 104, "given_label": "dog"}, "annotations": []},
                {
                    "id": 3,
                    "data": {"sample_id": 105, "given_label": "eel"},
                    "annotations": [ls_annotation("eel", "2024-05-01T09:00:00.123456Z")],
                },
            ]
        )
    )
    fixes = nbdatalens.read_label_studio(export_file)
    assert fixes.index.tolist() == [101, 105]  # 104 was never annotated
    assert fixes.index.name == "id"
    assert fixes["corrected_label"].tolist() == ["cat", "eel"]
    assert fixes["changed"].tolist() == [True, False]
    assert fixes["annotator"].tolist() == [7, 1]
    assert fixes.loc[101, "time"] == pd.Timestamp("2024-05-02T10:00:00Z")
    # Back into a lens: the corrections land on the right samples.
    lens = DataLens(frame(), projection="pca")
    lens.relabel(fixes.index, fixes["corrected_label"])
    assert lens.corrections["corrected_label"].to_dict() == {101: "cat"}  # 105 stays "eel"


def test_read_label_studio_refuses_what_it_cannot_map(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": 9, "data": {"image": "x"}, "annotations": []}]))
    with pytest.raises(ValueError, match=r"task 9 has no data\.sample_id"):
        nbdatalens.read_label_studio(bad)
    bad.write_text(json.dumps({"tasks": []}))
    with pytest.raises(ValueError, match="a list of tasks"):
        nbdatalens.read_label_studio(bad)
    bad.write_text(
        json.dumps(
            [
                {
                    "id": 4,
                    "data": {"sample_id": 1},
                    "annotations": [
                        {
                            "result": [
                                {
                                    "from_name": "label",
                                    "type": "choices",
                                    "value": {"choices": ["a", "b"]},
                                }
                            ]
                        }
                    ],
                }
            ]
        )
    )
    with pytest.raises(ValueError, match="2 choices"):
        nbdatalens.read_label_studio(bad)


def test_label_studio_round_trip_from_export_to_corrections(lens, tmp_path):
    tasks = json.loads(lens.export(tmp_path / "t.json", format="label-studio").read_text())
    # A labeler accepts the model's prediction on every task, as Label Studio exports it.
    for task in tasks:
        chosen = task["predictions"][0]["result"][0]["value"]["choices"][0]
        task["annotations"] = [ls_annotation(chosen, "2024-05-01T10:00:00Z")]
    (tmp_path / "labeled.json").write_text(json.dumps(tasks))
    fixes = nbdatalens.read_label_studio(tmp_path / "labeled.json")
    fresh = DataLens(frame(), projection="pca")
    fresh.relabel(fixes.index, fixes["corrected_label"])
    corrected = fresh.corrections["corrected_label"]
    expected = fresh.derived.loc[[101, 104, 105, 108], "pred"].astype(str)
    assert (
        corrected.to_dict() == expected[expected != fresh.df.loc[expected.index, "label"]].to_dict()
    )
