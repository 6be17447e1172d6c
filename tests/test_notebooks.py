"""The example notebooks run top to bottom in a real kernel (they are the demo)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "example_notebooks"


@pytest.fixture(autouse=True)
def _kernel_sees_this_checkout(monkeypatch):
    # The kernel inherits the environment: test this checkout even where it is not installed.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    )


def _execute(name: str, workdir: Path):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    path = workdir / name
    shutil.copy(NOTEBOOKS / name, path)
    nb = nbformat.read(path, as_version=4)
    # Run it in a temp dir: a file a notebook left beside itself would land in a checkout.
    nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    ).execute()
    left = sorted(p.name for p in workdir.iterdir() if p.name != name)
    assert not left, f"{name} wrote {left} beside itself (example outputs go to a temporary folder)"
    return nb


def _stream_text(nb) -> str:
    return "".join(
        "".join(out.get("text", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "stream"
    )


@pytest.mark.slow
def test_quickstart_runs_and_finds_the_flipped_digits(tmp_path):
    nb = _execute("quickstart.ipynb", tmp_path)
    text = _stream_text(nb)
    assert "6 selected; truly mislabeled: 100%" in text
    assert "180 of the 180 flipped labels" in text
    # the Issues view's label check: most of what it flags is truly flipped
    found = re.search(r"likely mislabeled: (\d+) flagged, (\d+) truly flipped", text)
    assert found and int(found[2]) >= 0.9 * int(found[1]) and int(found[2]) >= 160, text
    by_score = re.search(r"top-180 by label_score: (\d+)%", text)
    by_loss = re.search(r"top-180 by loss: +(\d+)%", text)
    assert by_score and by_loss and int(by_score[1]) >= int(by_loss[1])
    assert "class 5 is learned last: recall 42% after epoch 0" in text
    assert "nan" not in text
    written = re.search(r"^(/\S+flipped-digits\.csv)$", text, re.M)
    assert written and Path(written[1]).stat().st_size > 0, "the export step wrote no file"


@pytest.mark.slow
def test_pytorch_datamap_notebook_runs(tmp_path):
    pytest.importorskip("torch")
    nb = _execute("pytorch_datamap.ipynb", tmp_path)
    assert all(
        out.output_type != "error"
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )


@pytest.mark.slow
def test_speech_notebook_finds_every_planted_silent_and_truncated_clip(tmp_path):
    import re

    nb = _execute("speech.ipynb", tmp_path)
    assert all(
        out.output_type != "error"
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )
    text = _stream_text(nb)
    for issue_type in ("silent", "truncated", "clipped"):
        found = re.search(rf"^{issue_type}: (\d+) flagged, (\d+) of (\d+) planted", text, re.M)
        assert found, f"no {issue_type} line in:\n{text}"
        flagged, hits, planted = map(int, found.groups())
        assert planted > 0 and hits == planted <= flagged, found.group(0)
    precision = re.search(r"^label: \d+ flagged, precision (\d+)%", text, re.M)
    assert precision and int(precision.group(1)) >= 80, text
    assert "nan" not in text and "new class" not in text
    assert re.search(r"speech-fixes_audio/: (\d+) trimmed clips", text)
    assert not list(tmp_path.glob("*.csv")), "the exports belong in a temporary folder"


@pytest.mark.slow
def test_what_is_wrong_finds_the_planted_problems(tmp_path):
    text = _stream_text(_execute("what_is_wrong.ipynb", tmp_path))
    # label: at least 120 of the 130 flips flagged, at least 75% of the flagged truly flipped
    found = re.search(r"label: (\d+) flagged, (\d+) truly flipped .*; \d+ of the 130", text)
    assert found and int(found[2]) >= 120 and int(found[2]) / int(found[1]) >= 0.75, text
    assert "exact_duplicate: 2 flagged, 2 planted copies (100%)" in text
    assert re.search(r"near_duplicate: \d+ flagged, 2 planted near copies", text), text
    assert re.search(r"most severe near-duplicate set: \[\d+, \d+\], labels \[\d, \d\]", text)
    assert "class_imbalance: 5 flagged, 5 eights (100%)" in text
    assert "179 of the 179 planted found" in text  # label_split: every 7 under label 1
    assert re.search(r"class 1, group \d+: \d+ samples, 9\d% of them sevens", text)
    slice_ = re.search(r"underperforming_group: (\d+) flagged, 120 second-scanner", text)
    assert slice_ and int(slice_[1]) <= 130, text
    cover = re.search(r"coverage: \d+ flagged, (\d+) fours \(9\d%\)", text)
    assert cover and int(cover[1]) >= 140, text  # with the finer regions
    # The known misses, said in the notebook: a fix to the checks should update the text.
    assert "outlier: 0 flagged" in text
    assert "coverage: 0 flagged" in text
    assert "nan" not in text


@pytest.mark.slow
def test_data_boosting_beats_random(tmp_path):
    text = _stream_text(_execute("data_boosting.ipynb", tmp_path))
    assert "boosted beats random on validation in 4 of 4 rounds" in text
    val = re.search(r"validation: boosted ([\d.]+)%, random ([\d.]+)%", text)
    test = re.search(r"test: boosted ([\d.]+)%, random ([\d.]+)%", text)
    assert val and float(val[1]) > float(val[2]), text
    assert test and float(test[1]) > float(test[2]), text
    assert re.search(r"\d+ errors, \d+ candidates", text)
