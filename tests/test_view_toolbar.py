"""The selection toolbar's kernel side: table-model annotation traits and messages."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens
from nbdatalens.transport import array_from_payload
from nbdatalens.views.toolbar import SelectionToolbar

CLASSES = ["cat", "dog", "eel"]


@pytest.fixture
def lens() -> DataLens:
    n = 10
    df = pd.DataFrame(
        {
            "label": [CLASSES[i % 3] for i in range(n)],
            "prediction": [
                CLASSES[(i + 1) % 3] if i % 4 == 0 else CLASSES[i % 3] for i in range(n)
            ],
        },
        index=pd.Index([f"s{i}" for i in range(n)], name="sample"),
    )
    return DataLens(df, projection="pca")


class Sent:
    """Captures what the table model sends to the page."""

    def __init__(self, model, monkeypatch):
        self.messages: list[dict] = []
        monkeypatch.setattr(
            model, "send", lambda content, buffers=None: self.messages.append(content)
        )

    @property
    def last(self) -> dict:
        return self.messages[-1]


def message(model, content: dict) -> None:
    """Deliver a custom message from the page to every on_msg callback, as ipywidgets does."""
    model._msg_callbacks(model, content, [])


def test_annotation_traits_follow_every_change(lens):
    model = lens.model
    assert model.tag_names == ["mislabeled", "ambiguous", "duplicate", "bad-sample"]
    assert model.annotations == {"classes": CLASSES}  # nothing annotated: no per-row arrays
    lens.tag(["s1", "s2"], "duplicate")
    lens.tag(["s2"], "blurry")
    bits = array_from_payload(model.annotations["tags"])
    assert bits[1] == 0b100 and bits[2] == 0b10100  # duplicate = bit 2, blurry = bit 4
    assert model.tag_names[-1] == "blurry"
    with pytest.warns(UserWarning):
        lens.relabel(["s3"], "fox")
    lens.relabel(["s4"], "eel")
    corrected = array_from_payload(model.annotations["corrected"])
    assert model.annotations["classes"] == [*CLASSES, "fox"]
    assert corrected.dtype == np.uint8  # 0 = not corrected, k = classes[k - 1]
    assert corrected.tolist() == [0, 0, 0, 4, 3, 0, 0, 0, 0, 0]
    lens.relabel(["s3", "s4"], None)
    assert "corrected" not in model.annotations and model.annotations["classes"] == CLASSES
    lens.save_selection("pair", ids=["s1", "s8"])
    assert model.saved_selections == [{"name": "pair", "count": 2}]


def test_colour_by_tags_is_rebuilt_when_tags_change(lens):
    model = lens.model
    sent = Sent(model, pytest.MonkeyPatch())
    message(model, {"type": "column", "names": ["tags"], "request_id": "r1"})
    assert sent.last["name"] == "tags" and sent.last["last"]
    assert sent.last["categories"] == ["—"]  # nothing tagged yet: all missing
    version = model.column_info["tags"]["version"]
    lens.tag(["s1"], "mislabeled")
    assert model.column_info["tags"]["version"] == version + 1  # the page fetches again
    message(model, {"type": "column", "names": ["tags"], "request_id": "r2"})
    assert sent.last["categories"] == ["mislabeled", "—"]
    codes = model.wire_column("tags")[0].decoded()
    assert codes[1] == 0 and (np.delete(codes, 1) == 1).all()


def test_tag_relabel_and_save_the_selection_from_the_page(lens, monkeypatch):
    model = lens.model
    sent = Sent(model, monkeypatch)
    lens.select(["s1", "s2", "s7"])
    message(
        model,
        {
            "type": "annotate",
            "action": "tag",
            "tag": "mislabeled",
            "expected_count": 3,
            "request_id": "a",
        },
    )
    assert sent.last == {
        "type": "annotate",
        "request_id": "a",
        "changed": 3,
        "count": 3,
        "message": "tagged 3 samples mislabeled",
    }
    assert lens.tags.index[lens.tags["mislabeled"]].tolist() == ["s1", "s2", "s7"]
    message(model, {"type": "annotate", "action": "relabel", "label_code": 2, "request_id": "b"})
    assert sent.last["message"] == "relabeled 2 samples as eel"  # s2 is given eel already
    assert lens.corrections["corrected_label"].dropna().to_dict() == {"s1": "eel", "s7": "eel"}
    message(model, {"type": "annotate", "action": "relabel", "label_code": -1, "request_id": "c"})
    assert lens.corrections["corrected_label"].isna().all()
    message(model, {"type": "annotate", "action": "untag", "tag": "mislabeled", "request_id": "d"})
    assert not lens.tags["mislabeled"].any()
    message(model, {"type": "save_selection", "name": " rogues ", "request_id": "e"})
    assert sent.last["name"] == "rogues" and lens.selections["rogues"].tolist() == [
        "s1",
        "s2",
        "s7",
    ]
    lens.clear_selection()
    message(model, {"type": "restore_selection", "name": "rogues", "request_id": "f"})
    assert lens.selected.tolist() == ["s1", "s2", "s7"]
    message(model, {"type": "delete_selection", "name": "rogues", "request_id": "g"})
    assert lens.selections == {}


def test_page_actions_are_refused_with_a_reason(lens, monkeypatch):
    model = lens.model
    sent = Sent(model, monkeypatch)
    message(model, {"type": "annotate", "action": "tag", "tag": "x", "request_id": "1"})
    assert sent.last["type"] == "error" and "nothing selected" in sent.last["error"]
    lens.select(["s1", "s2"])
    message(
        model,
        {"type": "annotate", "action": "tag", "tag": "x", "expected_count": 5, "request_id": "2"},
    )
    assert sent.last["request_id"] == "2"
    assert "selection changed (2 selected in the kernel, 5 in the page)" in sent.last["error"]
    assert not lens.tags.columns.isin(["x"]).any()  # nothing was tagged
    message(model, {"type": "annotate", "action": "tag", "tag": " ", "request_id": "3"})
    assert "tag must not be empty" in sent.last["error"]
    message(model, {"type": "annotate", "action": "relabel", "label_code": 9, "request_id": "4"})
    assert "not a class code" in sent.last["error"]
    message(model, {"type": "no-such-kind", "request_id": "5"})
    # a misspelled type is answered, so the page need not wait out its timeout
    assert sent.last["request_id"] == "5"
    assert "unknown message type 'no-such-kind'" in sent.last["error"]


def test_export_from_the_page_writes_exactly_the_selection(lens, monkeypatch, tmp_path):
    model = lens.model
    sent = Sent(model, monkeypatch)
    monkeypatch.chdir(tmp_path)  # relative names land in the kernel's working directory
    lens.select(["s2", "s5"])
    message(model, {"type": "export", "path": "fixes.json", "format": "json", "request_id": "x"})
    assert sent.last == {
        "type": "export",
        "request_id": "x",
        "path": str(tmp_path / "fixes.json"),
        "count": 2,
    }
    assert [row["sample"] for row in json.loads((tmp_path / "fixes.json").read_text())] == [
        "s2",
        "s5",
    ]
    message(model, {"type": "export", "path": "fixes.json", "format": "json", "request_id": "y"})
    assert sent.last["type"] == "error" and "already exists" in sent.last["error"]
    message(
        model,
        {
            "type": "export",
            "path": "fixes.json",
            "format": "csv",
            "overwrite": True,
            "request_id": "z",
        },
    )
    assert pd.read_csv(tmp_path / "fixes.json")["sample"].tolist() == ["s2", "s5"]


def test_toolbar_traits_and_its_place_in_show(lens):
    toolbar = lens.toolbar(export_format="label-studio")
    assert isinstance(toolbar, SelectionToolbar) and toolbar.table is lens.model
    with pytest.raises(ValueError, match="export_format must be one of"):
        lens.toolbar(export_format="xlsx")
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        lens.toolbar(formats=["csv"])
    grid = lens.show()
    first = grid.children[0]
    assert isinstance(first, SelectionToolbar)
    assert first.layout.grid_area == "auto / 1 / auto / -1"  # across the full width, on top
