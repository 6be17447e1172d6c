"""Static matplotlib figures of the views, for papers and reports (``lens.figure(kind)``).

Each function draws one view onto a :class:`matplotlib.figure.Figure` it
creates (never through pyplot: no global figure, no backend, nothing drawn
into the notebook) or onto an ``ax`` the caller hands in, and returns the
figure. The current selection is highlighted as in the widgets. Numbers come
from the same functions the widgets use (``confusion.confusion_matrix``,
the table's cartography columns and region thresholds, the issue report),
never recomputed another way.

Kinds (:data:`KINDS`): ``confusion``, ``data_map``, ``cluster_map``, ``issues``.

Every point cloud is drawn with ``rasterized=True``: a PDF or SVG of 100k
samples holds one image of the points, not 100k vector markers, while axes,
text and the selection outlines stay vector.

For tests, the artists that carry the selection have gids: the selected
points ``nbdatalens-selected`` (a PathCollection, one offset per selected
sample drawn), the outlined cells of the confusion matrix
``nbdatalens-selected-cell`` (one Rectangle per cell), the count texts
``nbdatalens-count`` and the issue bars ``nbdatalens-flagged`` /
``nbdatalens-selected``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .cartography import REGIONS
from .confusion import confusion_matrix, epoch_confusion_matrix
from .issue_report import issue_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .issue_report import IssueReport
    from .table import SampleTable

KINDS: tuple[str, ...] = ("confusion", "data_map", "cluster_map", "issues")

#: Tableau 10 and ten lighter companions: the widgets' palette (js/src/lib/colors.ts).
CATEGORICAL_PALETTE: tuple[str, ...] = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#a0cbe8", "#ffbe7d", "#ff9d9a", "#86bcb6", "#8cd17d",
    "#f1ce63", "#d4a6c8", "#fabfd2", "#d7b5a6", "#79706e",
)  # fmt: skip
#: Past 20 categories the palette repeats, each round darker or lighter (as in the widgets).
_ROUND_SHIFTS = (0.0, -0.35, 0.35, -0.6, 0.6)
MISSING_RGB = (160 / 255, 160 / 255, 160 / 255)
#: The confusion matrix's two colour families (the widget's light-theme accent and error).
DIAGONAL_RGB = np.array([25, 118, 210]) / 255
OFF_DIAGONAL_RGB = np.array([211, 47, 47]) / 255
#: The data map's region tints (js/src/scatter/axes.ts).
REGION_RGB = {
    "easy-to-learn": (89 / 255, 161 / 255, 79 / 255),
    "ambiguous": (237 / 255, 170 / 255, 40 / 255),
    "hard-to-learn": (225 / 255, 87 / 255, 89 / 255),
}
SELECTION_COLOR = "#111111"
_MIN_TINT = 0.14  # a non-empty cell is never lighter than this (one stray sample shows)
# Below it a fill takes white text. The widget's 0.179 (equal contrast either way) puts
# black on the saturated mid blue of a full diagonal cell; in print white reads better there.
_DARK_LUMINANCE = 0.3
#: Correctness levels of the data map's colours, as in the paper's plots.
CORRECTNESS_LEVELS = np.round(np.linspace(0.0, 1.0, 6), 1)

#: The shared look: small sans-serif text, no top/right spines, light grid off.
STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "sans-serif"],
    "font.size": 9.0,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#555555",
    "axes.linewidth": 0.8,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "figure.dpi": 150,
}
#: Read when a figure is saved (not when it is drawn): applied by :class:`LensFigure`.
SAVE_STYLE: dict[str, Any] = {
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "svg.fonttype": "none",  # text stays text in an SVG (searchable, editable)
    "pdf.fonttype": 42,  # TrueType in PDFs, as journals ask
    "ps.fonttype": 42,
}


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            "lens.figure needs matplotlib: pip install 'nbdatalens[figures]' "
            "(or pip install matplotlib)"
        ) from None
    return matplotlib


@contextlib.contextmanager
def style() -> Iterator[None]:
    """The shared figure style (:data:`STYLE`) for what is drawn inside the block."""
    with _matplotlib().rc_context(STYLE):
        yield


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A constrained-layout :class:`LensFigure` (no pyplot, no backend)."""
    _matplotlib()
    from matplotlib.figure import Figure

    class LensFigure(Figure):
        """A Figure whose ``savefig`` applies :data:`SAVE_STYLE` (tight box, TrueType fonts
        in PDF, text as text in SVG); any argument the caller passes wins."""

        def savefig(self, *args: Any, **kwargs: Any) -> None:
            with _matplotlib().rc_context(SAVE_STYLE):
                super().savefig(*args, **kwargs)

        def _repr_png_(self) -> bytes:
            # A notebook shows the figure when it is a cell's value, even where pyplot (and
            # with it the inline backend's own Figure formatter) was never imported.
            import io

            buf = io.BytesIO()
            self.savefig(buf, format="png")
            return buf.getvalue()

    return LensFigure(figsize=figsize, layout="constrained")


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure (:func:`new_figure`) with one axes."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = new_figure(figsize)
    return fig, fig.add_subplot()


def title_text(what: str, n: int, n_selected: int) -> str:
    """``"what · N = 1,797 · 12 selected"`` (the selected part only with a selection)."""
    text = f"{what} · N = {n:,}"
    return f"{text} · {n_selected:,} selected" if n_selected else text


def set_title(ax: Axes, text: str) -> None:
    """A left-aligned title; one too long for the axes breaks after its first part
    (``"Data map\\nN = 1,797 · 12 selected"``)."""
    inches = ax.figure.get_figwidth() * ax.get_position().width
    fits = inches * 72 / (0.62 * float(STYLE["axes.titlesize"]))
    if len(text) > fits and " · " in text:
        text = text.replace(" · ", "\n", 1)
    ax.set_title(text, loc="left")


def categorical_color(code: int) -> tuple[float, float, float]:
    """Colour of category ``code``, as the widgets draw it (``categoricalColor``)."""
    if code < 0:
        return MISSING_RGB
    size = len(CATEGORICAL_PALETTE)
    hexa = CATEGORICAL_PALETTE[code % size]
    rgb = [int(hexa[i : i + 2], 16) for i in (1, 3, 5)]
    shift = _ROUND_SHIFTS[(code // size) % len(_ROUND_SHIFTS)]
    if shift < 0:
        rgb = [round(v * (1 + shift)) for v in rgb]
    else:
        rgb = [round(v + (255 - v) * shift) for v in rgb]
    return (rgb[0] / 255, rgb[1] / 255, rgb[2] / 255)


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB colours in [0, 1] (last axis = r, g, b)."""
    c = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def text_color_on(rgb: np.ndarray) -> str:
    """Near-white text on a dark fill, near-black on a light one (the widget's rule)."""
    return "#ffffff" if float(_luminance(np.asarray(rgb))) < _DARK_LUMINANCE else "#1a1a1a"


def point_style(n: int) -> tuple[float, float]:
    """Marker area (pt²) and alpha for ``n`` points: smaller and lighter as ``n`` grows, so a
    dense cloud shows its density instead of a solid blot."""
    n = max(n, 1)
    size = float(np.clip(18.0 * np.sqrt(1500.0 / n), 0.4, 18.0))
    alpha = float(np.clip(np.sqrt(4000.0 / n), 0.2, 0.85))
    return size, alpha


def _selected_mask(n: int, selection: Any) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    if selection is not None and len(selection):
        mask[np.asarray(selection, dtype=np.int64)] = True
    return mask


# ------------------------------------------------------------------ confusion
def _cell_intensity(counts: np.ndarray, normalize: bool) -> np.ndarray:
    """The widget's shading (``cellIntensity``): log counts, or the square root of row shares."""
    counts = counts.astype(np.float64)
    if normalize:
        support = counts.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.sqrt(np.where(support > 0, counts / support, 0.0))
    else:
        top = np.log1p(counts.max()) if counts.size and counts.max() > 0 else 1.0
        t = np.log1p(counts) / top
    return np.where(counts > 0, _MIN_TINT + (1 - _MIN_TINT) * np.minimum(1.0, t), 0.0)


def _check_normalize(normalize: Any) -> bool:
    if normalize in (None, "none", False):
        return False
    if normalize in ("true", "row"):
        return True
    raise ValueError(
        f"normalize must be 'true' (each row as a share of its given class) or None, "
        f"got {normalize!r}"
    )


def confusion_figure(
    table: SampleTable,
    *,
    selection: Any = None,
    normalize: Any = None,
    epoch: int | None = None,
    annotate: bool | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The confusion matrix: rows = given label, columns = predicted, counts in the cells.

    Correct cells are shaded blue and errors red (log of the count, or with
    ``normalize="true"`` the share of the row's given class, as the widget).
    Cells holding selected samples are outlined, with a bar along the bottom
    as wide as their selected share. ``epoch``: the predictions after that
    epoch index (needs per-epoch predictions). ``annotate``: write the counts
    (default: up to 30 classes).
    """
    if table.pred_codes is None:
        raise ValueError(
            "figure('confusion') needs predictions: the table has no prediction column "
            "(or probabilities), so it has no confusion matrix"
        )
    row_share = _check_normalize(normalize)
    names = table.class_names
    c = len(names)
    if epoch is None:
        preds = table.pred_codes
        counts = confusion_matrix(table.label_codes, preds, c)
    else:
        if table.epoch_pred is None:
            raise ValueError(f"epoch={epoch}: the table has no per-epoch predictions")
        counts = epoch_confusion_matrix(table.label_codes, table.epoch_pred, epoch, c)
        preds = table.epoch_pred[:, epoch].astype(np.int64)
    mask = _selected_mask(table.n, selection)
    known = preds < c
    sel_counts = confusion_matrix(table.label_codes[mask & known], preds[mask & known], c)
    annotate = c <= 30 if annotate is None else bool(annotate)

    intensity = _cell_intensity(counts, row_share)
    diagonal = np.eye(c, dtype=bool)
    family = np.where(diagonal[..., None], DIAGONAL_RGB, OFF_DIAGONAL_RGB)
    empty = np.full(3, 1 - 0.045 * (1 - 30 / 255))
    rgb = 1 + (family - 1) * intensity[..., None]
    rgb[counts == 0] = empty
    if mask.any():  # cells holding none of the selection fade back, as in the widget
        dim = (sel_counts == 0)[..., None]
        rgb = np.where(dim, rgb + (1 - rgb) * 0.55, rgb)

    side = float(np.clip(0.42 * c + 1.6, 3.2, 12.0))
    with style():
        from matplotlib.patches import Rectangle

        fig, ax = new_axes(ax, figsize or (side + 0.6, side))
        ax.imshow(rgb, interpolation="nearest", aspect="equal")
        ax.set_xticks(range(c), names, rotation=90 if max(map(len, names)) > 3 else 0)
        ax.set_yticks(range(c), names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("given label")
        ax.xaxis.set_label_position("top")
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xticks(np.arange(c + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(c + 1) - 0.5, minor=True)
        ax.grid(which="minor", color="white", linewidth=1.0)
        ax.tick_params(which="minor", length=0)
        box = ax.get_position()
        cell_pt = 72 * min(box.width * fig.get_figwidth(), box.height * fig.get_figheight()) / c
        chars = len(f"{int(counts.max()):,}") if counts.size else 1
        fontsize = float(np.clip(cell_pt / (0.62 * chars + 0.8), 4.5, 9.5))
        if annotate:
            for g in range(c):
                for p in range(c):
                    if counts[g, p] == 0:
                        continue
                    ax.text(
                        p,
                        g,
                        f"{counts[g, p]:,}",
                        ha="center",
                        va="center",
                        fontsize=fontsize,
                        color=text_color_on(rgb[g, p]),
                        gid="nbdatalens-count",
                    )
        for g, p in zip(*np.nonzero(sel_counts), strict=True):
            ax.add_patch(
                Rectangle(
                    (p - 0.46, g - 0.46),
                    0.92,
                    0.92,
                    fill=False,
                    edgecolor=SELECTION_COLOR,
                    linewidth=1.2,
                    gid="nbdatalens-selected-cell",
                )
            )
            share = sel_counts[g, p] / counts[g, p]
            ax.add_patch(
                Rectangle(
                    (p - 0.46, g + 0.38), 0.92 * share, 0.08, color=SELECTION_COLOR, linewidth=0
                )
            )
        ax.set_xlim(-0.5, c - 0.5)
        ax.set_ylim(c - 0.5, -0.5)
        what = "Confusion matrix" if epoch is None else f"Confusion matrix, epoch {epoch}"
        if row_share:
            what += " (row shares)"
        set_title(ax, title if title is not None else title_text(what, table.n, int(mask.sum())))
    return fig


# ------------------------------------------------------------------ issues
def issues_figure(
    report: IssueReport,
    *,
    selection: Any = None,
    empty: bool = False,
    ax: Axes | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Flagged samples per issue check (horizontal bars, most first), the selected ones overlaid.

    Bars: the checks that found something (``empty=True``: every check that
    ran, 0 included); the checks that found nothing and those that could not
    run are named under the axis. The report must have run.
    """
    if not report.ran:
        raise ValueError("figure('issues'): the issue checks have not run; call lens.find_issues()")
    table = report.table
    mask = _selected_mask(table.n, selection)
    states = report.view_state()
    rows, nothing = [], []
    for s in states:
        if s["state"] != "done":
            continue
        flagged = report.result(s["issue_type"]).is_issue
        count = int(flagged.sum())
        if count or empty:
            rows.append((s["label"], count, int((flagged & mask).sum())))
        else:
            nothing.append(s["label"])
    not_run = [issue_label(s["issue_type"]) for s in states if s["state"] == "not run"]
    rows.sort(key=lambda r: -r[1])
    labels = [r[0] for r in rows]
    counts = np.array([r[1] for r in rows], dtype=np.int64)
    selected = np.array([r[2] for r in rows], dtype=np.int64)
    notes = [
        _names_line(f"nothing found ({len(nothing)}): ", nothing),
        _names_line(f"not run ({len(not_run)}, see lens.issue_summary): ", not_run),
    ]
    notes = [n for n in notes if n]
    with style():
        height = 0.36 * max(len(rows), 1) + 1.2 + 0.17 * sum(n.count("\n") + 1 for n in notes)
        fig, ax = new_axes(ax, figsize or (6.4, max(2.2, height)))
        y = np.arange(len(rows))
        ax.barh(y, counts, height=0.66, color="#9db4cf", gid="nbdatalens-flagged", label="flagged")
        if mask.any():
            ax.barh(
                y,
                selected,
                height=0.66,
                color=SELECTION_COLOR,
                gid="nbdatalens-selected",
                label="selected",
            )
        top = max(int(counts.max()) if counts.size else 1, 1)
        for yi, k, s in zip(y, counts, selected, strict=True):
            text = f"{k:,} ({k / max(table.n, 1):.1%})"
            if mask.any():
                text += f" · {s:,} selected"
            ax.text(k + top * 0.015, yi, text, va="center", fontsize=8.5, color="#333333")
        ax.set_yticks(y, labels)
        ax.set_ylim(len(rows) - 0.5, -0.5 - (0.6 if mask.any() else 0))
        ax.set_xlim(0, top * (1.5 if mask.any() else 1.3))
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("flagged samples")
        if notes:
            ax.annotate(
                "\n".join(notes),
                xy=(0, 0),
                xycoords="axes fraction",
                xytext=(0, -34),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=7.5,
                color="#555555",
                annotation_clip=False,
            )
        if mask.any():
            ax.legend(loc="upper right", ncols=2)
        if not rows:
            ax.text(
                0.5,
                0.5,
                "no check flagged anything",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="#555555",
            )
        set_title(
            ax, title if title is not None else title_text("Issues", table.n, int(mask.sum()))
        )
    return fig


def _names_line(head: str, names: list[str], width: int = 92) -> str:
    """``head`` and the names, wrapped to ``width`` characters ("" without names)."""
    import textwrap

    if not names:
        return ""
    return textwrap.fill(head + ", ".join(names), width=width, subsequent_indent="    ")


# ------------------------------------------------------------------ data map
def correctness_levels(correctness: np.ndarray) -> np.ndarray:
    """Correctness rounded to the nearest of 0, 0.2, …, 1.0 (the data map's colour bins)."""
    return np.round(np.asarray(correctness, dtype=np.float64) * 5) / 5


def _level_colors(cmap_name: str = "viridis") -> list[tuple[float, ...]]:
    from matplotlib import colormaps

    cmap = colormaps[cmap_name]
    # viridis' last yellow is faint on white: stop short of it.
    return [cmap(0.05 + 0.83 * t) for t in CORRECTNESS_LEVELS]


def _scatter_points(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    colors: np.ndarray,
    selected: np.ndarray,
    point_size: float | None,
) -> None:
    """Every point (rasterized, faded behind a selection), then the selected ones outlined on
    top; ``colors`` is (N, 4) RGBA."""
    n = len(x)
    size, alpha = point_style(n)
    if point_size is not None:
        size = float(point_size)
    colors = colors.copy()
    colors[:, 3] = max(alpha * 0.45, 0.1) if selected.any() else alpha
    rest = ~selected
    ax.scatter(x[rest], y[rest], s=size, c=colors[rest], linewidths=0, rasterized=True)
    if selected.any():
        k = int(selected.sum())
        face = colors[selected]
        face[:, 3] = 1.0
        ax.scatter(
            x[selected],
            y[selected],
            s=max(size * 2.2, 9.0 if k < 2000 else 3.0),
            c=face,
            edgecolors=SELECTION_COLOR,
            linewidths=0.7 if k < 2000 else 0.3,
            rasterized=k > 2000,
            gid="nbdatalens-selected",
            zorder=3,
        )


def _selected_handle(k: int) -> Any:
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        linestyle="none",
        marker="o",
        markersize=6,
        markerfacecolor="white",
        markeredgecolor=SELECTION_COLOR,
        label=f"selected ({k:,})",
    )


def data_map_figure(
    table: SampleTable,
    *,
    selection: Any = None,
    marginals: bool = False,
    point_size: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The Dataset Cartography data map (Swayamdipta et al., 2020).

    x = variability, y = confidence, coloured by correctness in the paper's
    bins (0, 0.2, …, 1.0); the three regions shaded and named from the
    table's thresholds (:data:`~nbdatalens.cartography.DEFAULT_THRESHOLDS`
    unless the lens was given others), each with its sample count.
    ``marginals=True`` adds the histograms of variability (top) and
    confidence (right), which need a figure of their own (no ``ax``).
    Samples without dynamics are left out.
    """
    if not table.has_dynamics:
        raise ValueError(
            "figure('data_map') needs training dynamics: the table has none. Pass "
            "dynamics= (N×E given-label or N×E×C probabilities per epoch, or a "
            "TrainingDynamics recorder) to DataLens"
        )
    if marginals and ax is not None:
        raise ValueError("marginals=True draws three axes and needs a figure of its own; drop ax=")
    d = table.derived
    var = d["variability"].to_numpy(dtype=np.float64, na_value=np.nan)
    conf = d["confidence"].to_numpy(dtype=np.float64, na_value=np.nan)
    corr = d["correctness"].to_numpy(dtype=np.float64, na_value=np.nan)
    region = d["region"].cat.codes.to_numpy()
    ok = ~(np.isnan(var) | np.isnan(conf))
    selected = _selected_mask(table.n, selection)[ok]
    var, conf, corr, region = var[ok], conf[ok], corr[ok], region[ok]
    level = np.clip(np.rint(correctness_levels(np.nan_to_num(corr)) * 5).astype(int), 0, 5)
    palette = np.array(_level_colors())
    # The rarer low-correctness samples are drawn last, over the crowd of easy ones.
    order = np.argsort(-level, kind="stable")
    t_var = float(table.thresholds["ambiguous_variability"])
    t_conf = float(table.thresholds["easy_confidence"])

    with style():
        if marginals:
            fig = new_figure(figsize or (7.2, 6.0))
            grid = fig.add_gridspec(2, 2, width_ratios=(5, 1), height_ratios=(1, 5))
            ax = fig.add_subplot(grid[1, 0])
            top = fig.add_subplot(grid[0, 0], sharex=ax)
            right = fig.add_subplot(grid[1, 1], sharey=ax)
        else:
            fig, ax = new_axes(ax, figsize or (6.4, 5.4))
        x0, x1 = 0.0, 0.5
        ax.axvspan(t_var, x1, color=REGION_RGB["ambiguous"], alpha=0.1, linewidth=0)
        ax.axhspan(
            t_conf,
            1.02,
            xmax=(t_var - x0) / (x1 - x0),
            color=REGION_RGB["easy-to-learn"],
            alpha=0.1,
            linewidth=0,
        )
        ax.axhspan(
            -0.02,
            t_conf,
            xmax=(t_var - x0) / (x1 - x0),
            color=REGION_RGB["hard-to-learn"],
            alpha=0.1,
            linewidth=0,
        )
        ax.axvline(t_var, color="#666666", linewidth=0.8, linestyle="--", zorder=1)
        ax.plot([x0, t_var], [t_conf, t_conf], color="#666666", lw=0.8, ls="--", zorder=1)
        _scatter_points(
            ax, var[order], conf[order], palette[level[order]], selected[order], point_size
        )
        counts = np.bincount(region[region >= 0], minlength=len(REGIONS))
        box = {"boxstyle": "round,pad=0.25", "fc": "white", "alpha": 0.85, "lw": 1.0}
        spots = {  # the widget's corners: easy top-left, hard bottom at the region's far end
            "easy-to-learn": (x0 + 0.01, 0.99, "left", "top"),
            "hard-to-learn": (t_var - 0.01, 0.01, "right", "bottom"),
            "ambiguous": (t_var + 0.01, 0.99, "left", "top"),
        }
        for code, name in enumerate(REGIONS):
            px, py, ha, va = spots[name]
            ax.text(
                px,
                py,
                f"{name}\n{counts[code]:,}",
                ha=ha,
                va=va,
                fontsize=8.5,
                bbox={**box, "ec": REGION_RGB[name]},
                zorder=4,
            )
        ax.set_xlim(x0, x1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("variability")
        ax.set_ylabel("confidence")
        from matplotlib.lines import Line2D

        present = np.bincount(level, minlength=6)
        handles = [
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                markersize=6,
                markerfacecolor=palette[i],
                markeredgewidth=0,
                label=f"{CORRECTNESS_LEVELS[i]:.1f}  ({present[i]:,})",
            )
            for i in range(5, -1, -1)
            if present[i]
        ]
        if selected.any():
            handles.append(_selected_handle(int(selected.sum())))
        # Outside the plot (right of the confidence histogram with marginals): over the
        # points a legend would hide some of them, and "best" costs O(N) at 100k points.
        (right if marginals else ax).legend(
            handles=handles,
            title="correctness",
            loc="center left",
            bbox_to_anchor=(1.04 if marginals else 1.02, 0.5),
            title_fontsize=8.5,
        )
        head = title if title is not None else title_text("Data map", len(var), int(selected.sum()))
        if marginals:
            bins = np.linspace(0, 0.5, 41)
            top.hist(var, bins=bins, color="#5f8f8f")
            right.hist(conf, bins=np.linspace(0, 1, 41), orientation="horizontal", color="#7a5c99")
            top.tick_params(labelbottom=False)
            right.tick_params(labelleft=False)
            top.set_ylabel("samples")
            right.set_xlabel("samples")
            if selected.any():
                top.hist(var[selected], bins=bins, color=SELECTION_COLOR)
                right.hist(
                    conf[selected],
                    bins=np.linspace(0, 1, 41),
                    orientation="horizontal",
                    color=SELECTION_COLOR,
                )
            set_title(top, head)
        else:
            set_title(ax, head)
    return fig


# --------------------------------------------------------------- cluster map
AXIS_NAMES = {"umap": "UMAP", "pca": "PC", "given": ""}
METHOD_NAMES = {"umap": "UMAP", "pca": "PCA"}


def _categorical(codes: np.ndarray, names: Sequence[str]) -> tuple[np.ndarray, list[Any]]:
    """RGBA per point and legend handles for coded values (the widgets' palette by code)."""
    from matplotlib.lines import Line2D

    table = np.array(
        [(*categorical_color(i), 1.0) for i in range(len(names))] + [(*MISSING_RGB, 1)]
    )
    codes = np.where((codes >= 0) & (codes < len(names)), codes, len(names))
    counts = np.bincount(codes, minlength=len(names) + 1)
    shown = [i for i in range(len(names)) if counts[i]]
    handles = [
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            markersize=6,
            markerfacecolor=table[i],
            markeredgewidth=0,
            label=str(names[i]),
        )
        for i in shown[:20]
    ]
    if len(shown) > 20:
        handles.append(Line2D([], [], ls="none", label=f"… {len(shown) - 20} more"))
    return table[codes], handles


def color_values(table: SampleTable, color: str, frame: Any) -> tuple[Any, list[str] | None]:
    """What ``color`` colours by: (codes, class names) for coded columns, (floats, None) for
    numeric ones. ``frame`` (a callable giving the joined frame) is asked only for columns
    the table does not code itself. KeyError names the column and the choices."""
    if color == "label":
        return table.label_codes, table.class_names
    if color == "pred" and table.pred_codes is not None:
        return table.pred_codes, table.class_names
    if color == "correct" and table.pred_codes is not None:
        return (table.pred_codes == table.label_codes).astype(np.int64), ["wrong", "correct"]
    if color == "region" and table.has_dynamics:
        return table.derived["region"].cat.codes.to_numpy(), list(REGIONS)
    joined = frame()
    if color not in joined.columns:
        names = [str(c) for c in joined.columns if _is_scalar(joined[c])]
        raise KeyError(f"color={color!r}: no such column; colour by one of {names}")
    series = joined[color]
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.fillna(False).to_numpy(dtype=np.int64), ["False", "True"]
    if pd.api.types.is_numeric_dtype(series.dtype) and not isinstance(
        series.dtype, pd.CategoricalDtype
    ):
        return series.to_numpy(dtype=np.float64, na_value=np.nan), None
    if not _is_scalar(series):
        raise ValueError(f"color={color!r}: the column holds vectors or objects, not one value")
    codes, uniques = pd.factorize(series.astype(object), sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), [str(u) for u in uniques]


def _is_scalar(series: pd.Series) -> bool:
    if series.dtype != object:
        return True
    return all(isinstance(v, (str, int, float, bool)) or v is None for v in series.head(20))


def cluster_map_figure(
    table: SampleTable,
    coords: np.ndarray,
    *,
    method: str = "",
    selection: Any = None,
    color: str = "label",
    frame: Any = None,
    cmap: str = "viridis",
    point_size: float | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The 2-D layout of the embeddings, coloured by ``color`` (default the given label).

    Coded columns (label, pred, correct, region, text columns) take the
    widgets' palette and a legend; numeric ones (``color="loss"``) a colormap
    (``cmap``) and a colour bar, grey where missing. ``coords``: (N, 2), the
    layout the cluster map draws; ``method``: ``"umap"``, ``"pca"`` or
    ``"given"`` (names the axes).
    """
    xy = np.asarray(coords, dtype=np.float64)
    if xy.shape != (table.n, 2):
        raise ValueError(f"coords must be shaped ({table.n}, 2), got {xy.shape}")
    values, names = color_values(table, color, frame)
    selected = _selected_mask(table.n, selection)
    with style():
        from matplotlib import colormaps
        from matplotlib.colors import Normalize

        fig, ax = new_axes(ax, figsize or (6.8, 5.4))
        mappable = None
        if names is None:
            finite = values[np.isfinite(values)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            norm = Normalize(lo, hi if hi > lo else lo + 1)
            rgba = colormaps[cmap](norm(np.nan_to_num(values, nan=lo)))
            rgba[~np.isfinite(values)] = (*MISSING_RGB, 1.0)
            from matplotlib.cm import ScalarMappable

            mappable = ScalarMappable(norm=norm, cmap=colormaps[cmap])
            handles = []
            order = np.arange(table.n)
        else:
            rgba, handles = _categorical(np.asarray(values, dtype=np.int64), names)
            # A fixed shuffle, so no class is buried under the one drawn last.
            order = np.random.default_rng(0).permutation(table.n)
        _scatter_points(ax, xy[order, 0], xy[order, 1], rgba[order], selected[order], point_size)
        if selected.any():
            handles.append(_selected_handle(int(selected.sum())))
        if handles:
            ax.legend(
                handles=handles,
                title=None if names is None else color,
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                ncols=2 if len(handles) > 14 else 1,
                title_fontsize=8.5,
            )
        if mappable is not None:
            bar = fig.colorbar(mappable, ax=ax, shrink=0.7, pad=0.02, aspect=30)
            bar.set_label(color)
            bar.outline.set_visible(False)
        axis = AXIS_NAMES.get(method, "")
        ax.set_xlabel(f"{axis} 1" if axis else "x")
        ax.set_ylabel(f"{axis} 2" if axis else "y")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal", adjustable="datalim")
        what = "Cluster map" + (f" ({METHOD_NAMES[method]})" if method in METHOD_NAMES else "")
        set_title(
            ax, title if title is not None else title_text(what, table.n, int(selected.sum()))
        )
    return fig
