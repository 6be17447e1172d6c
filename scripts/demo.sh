#!/usr/bin/env bash
# Install nbdatalens into .venv and open the quickstart notebook in JupyterLab.
#
#   bash scripts/demo.sh                 extra arguments go to `jupyter lab`
#
# The JS bundles are committed, so the demo needs Python only (no Node). On a stock
# Debian/Ubuntu whose python3 lacks venv support, python3-venv is installed with apt.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
# shellcheck source=scripts/common.sh
source "$repo_root/scripts/common.sh"

venv="${NBDL_VENV:-$repo_root/.venv}"
make_venv "${PYTHON:-python3}" "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check -q -e ".[demo]"
quiet_lab_news "$venv"

extra=()
[ "$(id -u)" -eq 0 ] && extra+=(--allow-root)  # JupyterLab refuses root without it
exec "$venv/bin/jupyter" lab example_notebooks/quickstart.ipynb "${extra[@]}" "$@"
