"""show() holds the issue checks back until the page has drawn its views.

Run beside the drawing, the checks take the GIL and a core from the column
replies and the page (at 1M rows the views were drawn ~250 ms later). Each
view tells the table model when it has first drawn its data (``"drawn"``).
"""

from __future__ import annotations

import threading
import time

import pytest

from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo


@pytest.fixture(scope="module")
def demo():
    return load_digits_demo().iloc[:300]


def _drawn(lens: DataLens, view: str) -> None:
    lens.model._dispatch(lens.model, {"type": "drawn", "view": view, "request_id": view}, [])


def _settle() -> None:
    time.sleep(0.3)  # long enough for a check of 300 rows to have finished, had it started


def test_the_checks_wait_for_every_view_of_show_then_run(demo):
    lens = DataLens(demo, projection="pca")
    lens.show()
    _settle()
    assert not lens.report.ran
    assert lens.report.states and set(lens.report.states.values()) == {"waiting"}  # "queued"
    for view in ("confusion", "data_map", "gallery", "confusion"):  # a repeat counts once
        _drawn(lens, view)
        _settle()
        assert not lens.report.ran, f"ran before the cluster map was drawn (last: {view})"
    _drawn(lens, "cluster_map")
    lens.report._thread.join(30)
    assert lens.report.ran and "done" in lens.report.states.values()


def test_a_drawing_from_another_view_does_not_count(demo):
    lens = DataLens(demo, projection="pca")
    lens.show()
    _drawn(lens, "cluster_map")
    _drawn(lens, "something_else")
    _settle()
    assert not lens.report.ran


def test_waiting_for_the_checks_starts_them_at_once(demo):
    lens = DataLens(demo, projection="pca")
    lens.show()  # no page draws anything (a script, or a host that shows no widgets)
    started = time.perf_counter()
    lens.find_issues(progress=False)
    assert lens.report.ran and time.perf_counter() - started < 8  # not the 10 s fallback


def test_without_a_page_the_checks_run_after_at_most_the_deadline(demo):
    lens = DataLens(demo, projection="pca")
    never = threading.Event()
    lens.report.start(after=never, at_most=0.2)
    lens.report._thread.join(30)
    assert lens.report.ran and not never.is_set()


def test_when_drawn_of_nothing_is_set_at_once(demo):
    assert DataLens(demo, projection="pca").model.when_drawn([]).is_set()
