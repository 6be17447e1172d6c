"""Every export format writes every table DataLens accepts: mixed-type, tuple, Timestamp classes."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import json
import warnings

import pandas as pd
import pytest

from nbdatalens import DataLens

TABLES = {
    # The documented case: an int-labelled table with a class only ever predicted.
    "int labels, str prediction": pd.DataFrame(
        {"label": [1, 2] * 3, "prediction": [1, 2, "cat"] * 2}
    ),
    "mixed-type labels": pd.DataFrame({"label": [1, "cat"] * 3}),
    "tuple labels": pd.DataFrame(
        {"label": [(1, 2), (3, 4)] * 3, "prediction": [(1, 2), (3, 4), (5, "x")] * 2}
    ),
    "timestamp labels": pd.DataFrame(
        {"label": list(pd.to_datetime(["2024-01-01", "2024-01-02"])) * 3}
    ),
}
FORMATS = ["csv", "json", "jsonl", "parquet", "label-studio"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(TABLES))
def test_every_format_writes_every_accepted_table(tmp_path, name, fmt):
    df = TABLES[name]
    lens = DataLens(df, projection="pca")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # new classes, warned about once
        lens.relabel([0], "a new class")
        lens.relabel([1], pd.Timestamp("2020-01-01"))
    lens.tag([2], "duplicate")
    path = lens.export(tmp_path / f"out.{fmt}", format=fmt, ids=df.index)
    if fmt == "parquet":
        back = pd.read_parquet(path)
        assert len(back) == len(df)
        assert back["corrected_label"].tolist()[:2] == ["a new class", "2020-01-01 00:00:00"]
    elif fmt == "csv":
        assert len(pd.read_csv(path)) == len(df)
    elif fmt == "jsonl":
        assert len(path.read_text().splitlines()) == len(df)
    else:
        assert len(json.loads(path.read_text())) == len(df)
