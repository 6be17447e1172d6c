"""The Python side of the data map and the cluster map: traits, defaults, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import traitlets

from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
from nbdatalens.views.scatter import ClusterMap, DataMap


@pytest.fixture(scope="module")
def lens() -> DataLens:
    return DataLens(load_digits_demo(), projection="pca")


def test_defaults_follow_the_paper_and_the_issue(lens):
    dm = lens.data_map()
    cm = lens.cluster_map()
    assert isinstance(dm, DataMap) and isinstance(cm, ClusterMap)
    assert (dm.kind, dm.color_by) == ("data_map", "correctness")
    assert (cm.kind, cm.color_by) == ("cluster_map", "label")
    for view in (dm, cm):
        assert (view.mode, view.point_size, view.height) == ("lasso", 0.0, 420)
    # Both read the one table model: the selection is shared, the data is not copied.
    assert dm.table is cm.table is lens.model


def test_state_sent_to_the_browser_names_the_kind_and_options(lens):
    state = lens.cluster_map(color_by="loss", mode="box", point_size=3, height=300).get_state()
    assert state["kind"] == "cluster_map"
    assert (state["color_by"], state["mode"], state["point_size"], state["height"]) == (
        "loss",
        "box",
        3.0,
        300,
    )
    assert state["table"].startswith("IPY_MODEL_")


@pytest.mark.parametrize(
    "column", ["pred", "correct", "region", "margin", "is_noisy", "correctness"]
)
def test_any_listed_column_can_colour(lens, column):
    assert lens.cluster_map(color_by=column).color_by == column


def test_unknown_colour_column_is_refused_with_the_choices(lens):
    with pytest.raises(ValueError, match=r"color_by 'nope' is not a column.*'label'.*'is_noisy'"):
        lens.data_map(color_by="nope")
    cm = lens.cluster_map()
    # A vector column (the embedding) cannot colour points either, also when set later.
    with pytest.raises(ValueError, match=r"color_by 'embedding' is not a column"):
        cm.color_by = "embedding"
    assert cm.color_by == "label"


def test_mode_point_size_and_height_are_checked(lens):
    with pytest.raises(
        ValueError, match=r"mode must be one of \['lasso', 'box', 'pan'\], got 'zoom'"
    ):
        lens.cluster_map(mode="zoom")
    with pytest.raises(
        ValueError, match=r"point_size must be between 0 \(automatic\) and 50 pixels, got -1"
    ):
        lens.data_map(point_size=-1)
    with pytest.raises(ValueError, match=r"height must be at least 160 pixels, got 100"):
        lens.data_map(height=100)
    cm = lens.cluster_map()
    cm.mode = "pan"
    assert cm.mode == "pan"


def test_kind_is_fixed_by_the_class_and_typos_are_refused(lens):
    with pytest.raises(TypeError, match=r"kind is fixed by the class"):
        lens.cluster_map(kind="data_map")
    with pytest.raises(traitlets.TraitError):
        lens.data_map().kind = "cluster_map"
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['colour_by'\]"):
        lens.data_map(colour_by="loss")


def test_views_build_for_tables_without_dynamics_or_embedding():
    # The browser shows a message for these; Python must not fail to build the view.
    df = pd.DataFrame(
        {"label": ["cat", "dog", "cat", "dog"], "prediction": ["cat", "cat", "cat", "dog"]},
        index=["a", "b", "c", "d"],
    )
    lens = DataLens(df)
    model = lens.model
    assert "@x" not in model.column_info and model.layout_coords is None
    assert model.column_info["confidence"]["missing"]
    assert np.isnan(model.wire_column("confidence")[0].decoded()).all()
    assert lens.data_map().color_by == "correctness"
    assert lens.cluster_map(color_by="pred").color_by == "pred"
    with pytest.raises(ValueError, match=r"color_by 'region' is not a column"):
        lens.cluster_map(color_by="region")
