"""Progress bars in plain Python: long calls show one, quick and background work stay silent."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
from nbdatalens.progress import ENV, enabled


@pytest.fixture(scope="module")
def demo():
    return load_digits_demo()


def _lens(demo) -> DataLens:
    return DataLens(demo.iloc[:400])


def test_find_issues_draws_a_bar_counting_the_checks(demo, capsys, monkeypatch):
    monkeypatch.setenv(ENV, "1")  # at once, not after a second
    lens = _lens(demo)
    lens.find_issues()
    err = capsys.readouterr().err
    planned = sum(s == "done" for s in lens.report.states.values())  # what the roles allow
    assert "issue checks" in err
    assert f"{planned}/{planned}" in err  # every planned check counted
    assert "check" in err


def test_progress_false_and_the_environment_switch_silence_it(demo, capsys, monkeypatch):
    monkeypatch.setenv(ENV, "1")
    _lens(demo).find_issues(progress=False)
    assert "issue checks" not in capsys.readouterr().err
    monkeypatch.setenv(ENV, "0")
    _lens(demo).find_issues()
    assert "issue checks" not in capsys.readouterr().err


def test_quick_work_stays_silent_by_default(demo, capsys, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    _lens(demo).find_issues(["class_imbalance"])  # milliseconds: under the one-second delay
    assert capsys.readouterr().err == ""


def test_background_run_of_show_draws_no_bar_but_waiting_for_it_does(demo, capsys, monkeypatch):
    monkeypatch.setenv(ENV, "1")
    lens = _lens(demo)
    lens.report.start()  # what show() does; the Issues view shows this run's progress
    lens.report._thread.join()
    assert "issue checks" not in capsys.readouterr().err
    lens = _lens(demo)
    lens.report.start()
    lens.find_issues()  # waits for the background run: the bar follows it
    err = capsys.readouterr().err
    assert lens.report.ran
    assert "issue checks" in err or not lens.report.running  # a run that already ended needs none


def test_label_studio_export_of_in_memory_images_counts_the_tasks(demo, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, "1")
    lens = _lens(demo)
    ids = lens.table.df.index[:50]
    import io
    from contextlib import redirect_stderr

    buffer = io.StringIO()
    with redirect_stderr(buffer):
        lens.export(tmp_path / "tasks.json", format="label-studio", ids=ids)
    assert "Label Studio tasks" in buffer.getvalue()
    assert "50/50" in buffer.getvalue()


def test_umap_fit_shows_its_epoch_bar(capsys, monkeypatch):
    monkeypatch.setenv(ENV, "1")
    from nbdatalens.projection import project

    coords = project(np.random.default_rng(0).random((120, 6)), "umap", cache_dir=False)
    assert coords.shape == (120, 2)
    err = capsys.readouterr().err
    assert "UMAP layout" in err and re.search(r"(\d+)/\1", err)  # every epoch counted


def test_enabled_reads_the_argument_before_the_environment(monkeypatch):
    monkeypatch.setenv(ENV, "0")
    assert enabled(True) and not enabled(None)
    monkeypatch.setenv(ENV, "off")
    assert not enabled(None)
    monkeypatch.delenv(ENV)
    assert enabled(None) and not enabled(False)
