"""lens.to_html: one self-contained file, a bounded media set, atomic, no silent overwrite."""

import json
import re

import pytest

from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
from nbdatalens.views.report import random_sample


@pytest.fixture(scope="module")
def lens():
    lens = DataLens(load_digits_demo(), projection="pca")
    lens.save_selection("first", lens.df.index[:7])
    return lens


def _data(path):
    text = path.read_text(encoding="utf-8")
    blob = re.search(r'id="nbdl-report-data">(.*?)</script>', text, re.S).group(1)
    return text, json.loads(blob.replace("<\\/", "</"))


def test_self_contained_and_bounded(lens, tmp_path, capsys):
    path = lens.to_html(tmp_path / "r.html", max_media=40, per_issue=3)
    text, data = _data(path)
    assert (
        "<script src" not in text
        and "<link" not in text
        and "http://" not in text.split('id="nbdl-report-data"')[0]
    )
    assert len(data["thumbs"]) <= 40
    assert data["n"] == len(lens.df) == len(data["ids"])
    # the saved selection's samples carry media
    first = [str(p) for p in range(7)]
    assert all(p in data["thumbs"] for p in first)
    assert "wrote r.html" in capsys.readouterr().out


def test_refuses_existing_file(lens, tmp_path):
    path = tmp_path / "r.html"
    path.write_text("keep")
    with pytest.raises(FileExistsError):
        lens.to_html(path)
    assert path.read_text() == "keep"
    lens.to_html(path, overwrite=True, max_media=5)
    assert path.read_text() != "keep"


def test_random_sample_matches_js():
    # js/src/gallery/order.ts: randomSample(1797, 60, 0).length === 60, sorted, unique
    sample = random_sample(1797, 60, 0)
    assert len(sample) == 60 == len(set(sample)) and sample == sorted(sample)
