"""Write the README's figures: ``lens.figure(kind)`` of each kind on the digits demo.

    python scripts/readme_figures.py            # -> docs/images/figure_<kind>.png

The selection is the "likely mislabeled" samples given the label 8 (what a
user would look at after the Issues view), so each figure shows a highlight.
The cluster map uses the lens' default UMAP layout (fitted once, then cached).
"""

from __future__ import annotations

import pathlib
import sys

from nbdatalens import DataLens
from nbdatalens.datasets import load_digits_demo

OUT = pathlib.Path(__file__).resolve().parents[1] / "docs" / "images"


def main() -> None:
    lens = DataLens(load_digits_demo())
    lens.find_issues()
    flagged = lens.issue_ids("label")
    given = lens.df.loc[flagged, "label"]
    lens.select(given[given == 8].index)
    OUT.mkdir(parents=True, exist_ok=True)
    figures = {
        "confusion": lens.figure("confusion"),
        "data_map": lens.figure("data_map", marginals=True),
        "cluster_map": lens.figure("cluster_map"),
        "issues": lens.figure("issues"),
    }
    for kind, fig in figures.items():
        path = OUT / f"figure_{kind}.png"
        fig.savefig(path)
        print(f"{path} ({path.stat().st_size / 1e3:.0f} kB)", file=sys.stderr)


if __name__ == "__main__":
    main()
