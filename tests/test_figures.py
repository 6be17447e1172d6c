"""lens.figure(kind): matplotlib Figures of the views, selection highlighted, saved as files."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo
from nbdatalens.figures import KINDS

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}


@pytest.fixture(scope="module")
def digits_lens():
    lens = DataLens(load_digits_demo(), projection="pca")
    lens.find_issues()
    return lens


@pytest.fixture
def lens(digits_lens):
    digits_lens.clear_selection()
    yield digits_lens
    digits_lens.clear_selection()


def _artists(fig, gid):
    return [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]


def _selected_offsets(fig) -> np.ndarray:
    found = [a for a in _artists(fig, "nbdatalens-selected") if isinstance(a, PathCollection)]
    if not found:
        return np.zeros((0, 2))
    assert len(found) == 1
    return np.asarray(found[0].get_offsets())


def _title(ax) -> str:
    return ax.get_title(loc="left")  # titles sit on the left, as in journals


def _saved(fig, fmt) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt)
    return buf.getvalue()


def _rows(a: np.ndarray) -> set[tuple[float, float]]:
    return {(round(float(x), 5), round(float(y), 5)) for x, y in a}


# ---------------------------------------------------------------- every kind
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_a_figure_that_saves_as_png_pdf_and_svg(lens, kind):
    lens.select(lens.issue_ids("label")[:30])
    fig = lens.figure(kind)
    assert isinstance(fig, Figure)
    assert any("30 selected" in _title(ax) for ax in fig.axes)
    for fmt in ("png", "pdf", "svg"):
        data = _saved(fig, fmt)
        assert len(data) > 2000, fmt
        if fmt == "svg":
            head = data[:400].decode()
            assert head.startswith("<?xml") and "<svg" in head
            assert data.rstrip().endswith(b"</svg>")
        else:
            assert data.startswith(MAGIC[fmt]), fmt
        if fmt == "pdf":
            assert data.rstrip().endswith(b"%%EOF")


def test_no_pyplot_and_no_backend_are_involved():
    # In a fresh interpreter: drawing and saving never imports pyplot (no global figure
    # registry, nothing shown in a notebook), whatever the default backend.
    code = textwrap.dedent(
        """
        import io, sys
        from nbdatalens import DataLens
        from nbdatalens.datasets import load_digits_demo
        lens = DataLens(load_digits_demo(), projection="pca")
        for kind in ("confusion", "data_map", "cluster_map"):
            lens.figure(kind).savefig(io.BytesIO(), format="png")
        assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_unknown_kind_lists_the_kinds(lens):
    with pytest.raises(ValueError, match="unknown figure kind 'scatter'") as info:
        lens.figure("scatter")
    for kind in KINDS:
        assert kind in str(info.value)


def test_an_unknown_option_is_a_type_error(lens):
    with pytest.raises(TypeError, match="colour"):
        lens.figure("confusion", colour="red")


# ---------------------------------------------------------------- confusion
def _cell_texts(fig) -> dict[tuple[int, int], int]:
    out = {}
    for t in _artists(fig, "nbdatalens-count"):
        x, y = t.get_position()
        out[(round(y), round(x))] = int(t.get_text().replace(",", ""))
    return out


def test_confusion_cells_show_the_lens_counts(lens):
    fig = lens.figure("confusion")
    counts = lens.confusion_matrix().matrix.to_numpy()
    texts = _cell_texts(fig)
    expected = {(g, p): int(v) for (g, p), v in np.ndenumerate(counts) if v}
    assert texts == expected
    assert sum(texts.values()) == lens.table.n
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == lens.table.class_names
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "given label"
    assert not _artists(fig, "nbdatalens-selected-cell")  # nothing selected, nothing outlined


def test_confusion_outlines_exactly_the_cells_of_the_selection(lens):
    table = lens.table
    wrong = np.flatnonzero(table.pred_codes != table.label_codes)
    picked = np.concatenate([wrong[::7], np.flatnonzero(table.label_codes == 3)[:5]])
    lens.select(table.ids(picked))
    fig = lens.figure("confusion")
    outlined = set()
    for r in _artists(fig, "nbdatalens-selected-cell"):
        x, y = r.get_xy()
        outlined.add((round(y + r.get_height() / 2), round(x + r.get_width() / 2)))
    sel = table.selection
    expected = set(
        zip(table.label_codes[sel].tolist(), table.pred_codes[sel].tolist(), strict=True)
    )
    assert outlined == expected
    assert len(outlined) > 3


def test_confusion_text_is_readable_on_dark_and_light_cells():
    # 3 classes: a big diagonal (dark fill, white text) beside single errors (light fill).
    label = np.repeat([0, 1, 2], [500, 500, 3])
    pred = label.copy()
    pred[:2] = 1
    lens = DataLens(pd.DataFrame({"label": label, "prediction": pred}), projection="pca")
    fig = lens.figure("confusion")
    colours = {}
    for t in _artists(fig, "nbdatalens-count"):
        colours[int(t.get_text().replace(",", ""))] = t.get_color()
    assert colours[498] == "#ffffff" and colours[500] == "#ffffff"
    assert colours[2] == "#1a1a1a" and colours[3] == "#1a1a1a"


def test_confusion_normalize_colours_by_row_share_and_keeps_the_counts(lens):
    plain = lens.figure("confusion")
    shared = lens.figure("confusion", normalize="true")
    assert _cell_texts(plain) == _cell_texts(shared)
    a = plain.axes[0].get_images()[0].get_array()
    b = shared.axes[0].get_images()[0].get_array()
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match="normalize must be 'true'"):
        lens.figure("confusion", normalize="columns")


def test_confusion_without_predictions_says_so():
    lens = DataLens(pd.DataFrame({"label": [0, 1, 1]}), projection="pca")
    with pytest.raises(ValueError, match="needs predictions"):
        lens.figure("confusion")


# ---------------------------------------------------------------- data map
def test_data_map_highlights_the_selected_points_at_their_place(lens):
    d = lens.derived
    ids = d.index[(d["region"] == "hard-to-learn").to_numpy()][:25]
    lens.select(ids)
    fig = lens.figure("data_map")
    offsets = _selected_offsets(fig)
    assert len(offsets) == 25
    expected = np.column_stack([d.loc[ids, "variability"], d.loc[ids, "confidence"]])
    assert _rows(offsets) == _rows(expected)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "variability" and ax.get_ylabel() == "confidence"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "selected (25)" in legend
    assert any(t.startswith("1.0") for t in legend) and ax.get_legend().get_title().get_text() == (
        "correctness"
    )


def test_data_map_names_the_regions_with_the_lens_counts_and_thresholds():
    df = load_digits_demo()
    lens = DataLens(df, projection="pca", thresholds={"ambiguous_variability": 0.15})
    fig = lens.figure("data_map")
    ax = fig.axes[0]
    counts = lens.derived["region"].value_counts()
    texts = {t.get_text().split("\n")[0]: t.get_text() for t in ax.texts}
    for region in ("easy-to-learn", "ambiguous", "hard-to-learn"):
        assert texts[region] == f"{region}\n{counts[region]:,}"
    vertical = [line for line in ax.get_lines() if np.ptp(line.get_xdata()) == 0]
    assert [float(line.get_xdata()[0]) for line in vertical] == [0.15]
    assert not _selected_offsets(fig).size  # nothing selected


def test_data_map_marginals_and_ax(lens):
    fig = lens.figure("data_map", marginals=True)
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="marginals=True"):
        lens.figure("data_map", marginals=True, ax=Figure().add_subplot())


def test_data_map_without_dynamics_says_what_to_pass():
    df = pd.DataFrame({"label": [0, 1, 1], "prediction": [0, 1, 0]})
    with pytest.raises(ValueError, match=r"needs training dynamics.*dynamics="):
        DataLens(df, projection="pca").figure("data_map")


def _big_lens(n: int) -> DataLens:
    rng = np.random.default_rng(0)
    label = rng.integers(0, 3, n)
    given = np.clip(rng.beta(2, 1, (n, 5)).astype(np.float32), 0, 1)
    return DataLens(pd.DataFrame({"label": label}), dynamics=given, projection="pca")


def test_a_100k_point_data_map_is_fast_and_its_svg_and_pdf_stay_small():
    lens = _big_lens(100_000)
    lens.table.select_positions(np.arange(0, 100_000, 50))
    start = time.perf_counter()
    fig = lens.figure("data_map")
    svg = _saved(fig, "svg")
    png = _saved(fig, "png")
    pdf = _saved(fig, "pdf")
    elapsed = time.perf_counter() - start
    assert len(_selected_offsets(fig)) == 2000
    assert elapsed < 20, f"100k data map took {elapsed:.1f} s"
    # The points are one embedded image, not 100k vector markers.
    assert len(svg) < 2_500_000, len(svg)
    assert svg.count(b"<image") >= 1
    assert svg.count(b"<use ") < 3000
    assert len(pdf) < 2_500_000 and len(png) < 1_500_000


# ---------------------------------------------------------------- cluster map
def test_cluster_map_uses_the_views_layout_and_highlights_the_selection(lens):
    coords = lens.model.layout_coords  # what the cluster map widget draws
    picked = np.arange(0, lens.table.n, 40)
    lens.table.select_positions(picked)
    fig = lens.figure("cluster_map")
    offsets = _selected_offsets(fig)
    assert len(offsets) == len(picked)
    assert _rows(offsets) == _rows(coords[picked])
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:10] == lens.table.class_names and legend[-1] == f"selected ({len(picked)})"
    assert "(PCA)" in _title(ax) and ax.get_xlabel() == "PC 1"


def test_cluster_map_label_colours_are_the_widgets_palette(lens):
    fig = lens.figure("cluster_map")
    handles = fig.axes[0].get_legend().legend_handles
    assert matplotlib.colors.to_hex(handles[0].get_markerfacecolor()) == "#4e79a7"
    assert matplotlib.colors.to_hex(handles[1].get_markerfacecolor()) == "#f28e2b"


def test_cluster_map_by_a_numeric_column_has_a_colour_bar(lens):
    fig = lens.figure("cluster_map", color="loss")
    assert len(fig.axes) == 2  # the map and its colour bar
    assert fig.axes[1].get_ylabel() == "loss"
    fig = lens.figure("cluster_map", color="label_score")  # an issue check's score column
    assert len(fig.axes) == 2
    with pytest.raises(KeyError, match=r"color='nope'.*loss"):
        lens.figure("cluster_map", color="nope")


def test_cluster_map_waits_for_the_views_umap_instead_of_fitting_another(monkeypatch):
    df = load_digits_demo()
    lens = DataLens(df)  # projection="umap"
    umap_xy = np.random.default_rng(1).normal(size=(len(df), 2)).astype(np.float32)

    class Job:
        method = "umap"

        def wait(self):
            return umap_xy

    class Model:
        coords_method = "pca"  # UMAP still being fitted for the views
        _job = Job()

    lens._model = Model()

    def no_fit(*args, **kwargs):
        raise AssertionError("a second UMAP was fitted")

    monkeypatch.setattr("nbdatalens.projection.project", no_fit)
    lens.table.select_positions([3, 4])
    fig = lens.figure("cluster_map")
    assert _rows(_selected_offsets(fig)) == _rows(umap_xy[[3, 4]])
    assert "(UMAP)" in _title(fig.axes[0])


def test_cluster_map_without_a_view_fits_umap_as_the_views_would(monkeypatch):
    df = load_digits_demo()
    lens = DataLens(df)
    calls = []

    def fake_project(emb, method, **kwargs):
        calls.append((method, kwargs))
        return np.zeros((len(emb), 2), dtype=np.float32) + np.arange(len(emb))[:, None]

    monkeypatch.setattr("nbdatalens.projection.project", fake_project)
    lens.figure("cluster_map")
    assert calls == [("umap", {"random_state": 0})]  # the seed the views use at this size
    lens.figure("cluster_map", layout="pca")
    assert calls[-1][0] == "pca"
    with pytest.raises(ValueError, match="layout must be 'umap' or 'pca'"):
        lens.figure("cluster_map", layout="tsne")


def test_cluster_map_without_embedding_says_what_to_pass():
    df = pd.DataFrame({"label": [0, 1, 1], "prediction": [0, 1, 0]})
    with pytest.raises(ValueError, match=r"needs an embedding or x / y.*embedding="):
        DataLens(df, projection="pca").figure("cluster_map")


def test_cluster_map_of_given_x_y():
    df = pd.DataFrame({"label": [0, 1, 1, 0], "x": [0.0, 1, 2, 3], "y": [3.0, 2, 1, 0]})
    lens = DataLens(df, projection="pca")
    lens.select([1])
    fig = lens.figure("cluster_map")
    assert _rows(_selected_offsets(fig)) == {(1.0, 2.0)}


# ---------------------------------------------------------------- issues
def test_issues_bars_are_the_summary_counts_with_the_selection_overlaid(lens):
    summary = lens.issue_summary.set_index("issue_type")
    found = summary[summary["num_issues"] > 0]
    picked = lens.issue_ids("label")[:12]
    lens.select(picked)
    fig = lens.figure("issues")
    ax = fig.axes[0]
    bars = {
        t.get_text(): p.get_width()
        for t, p in zip(ax.get_yticklabels(), _artists(fig, "nbdatalens-flagged"), strict=True)
    }
    from nbdatalens.issue_report import issue_label

    assert bars == {issue_label(t): n for t, n in found["num_issues"].items()}
    selected = [p.get_width() for p in _artists(fig, "nbdatalens-selected")]
    flagged = lens.issues.loc[picked]
    expected = [int(flagged[f"is_{t}_issue"].sum()) for t in found.index]
    assert sorted(selected) == sorted(expected)
    assert max(selected) == 12


def test_issues_runs_the_checks_when_they_never_ran():
    lens = DataLens(load_digits_demo(), projection="pca")
    assert not lens.report.ran
    fig = lens.figure("issues")
    assert lens.report.ran
    assert any(t.get_text() == "likely mislabeled" for t in fig.axes[0].get_yticklabels())


# ---------------------------------------------------------------- ax=
def test_figures_compose_onto_given_axes(lens):
    fig = Figure(figsize=(12, 5), layout="constrained")
    left, right = fig.subplots(1, 2)
    assert lens.figure("confusion", ax=left) is fig
    assert lens.figure("data_map", ax=right, title="(b) data map") is fig
    assert len(fig.axes) == 2
    assert _title(right) == "(b) data map"
    assert _cell_texts(fig)  # the matrix went onto the left axes
    assert _saved(fig, "png").startswith(MAGIC["png"])


def test_a_figure_shows_as_a_png_when_it_is_a_cells_value(lens):
    # IPython's PNG formatter (what a notebook asks) gets a picture even where pyplot, and
    # with it the inline backend's Figure formatter, was never imported.
    from IPython.core.formatters import PNGFormatter

    png = PNGFormatter()(lens.figure("issues"))
    assert png is not None and png.startswith(MAGIC["png"])
