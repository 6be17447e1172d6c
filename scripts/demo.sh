#!/usr/bin/env bash
# Install nbdatalens into .venv and open the quickstart notebook in JupyterLab.
#
#   bash scripts/demo.sh                 extra arguments go to `jupyter lab`
#
# The JS bundles are committed, so the demo needs Python only (no Node).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

venv="${NBDL_VENV:-.venv}"
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check -q -e ".[demo]"

extra=()
[ "$(id -u)" -eq 0 ] && extra+=(--allow-root)  # JupyterLab refuses root without it
exec "$venv/bin/jupyter" lab example_notebooks/quickstart.ipynb "${extra[@]}" "$@"
