#!/usr/bin/env bash
# Install what the checks need, then run every check: JS typecheck, lint, unit
# tests and build (the committed bundles must match a fresh build), ruff, and
# pytest including the real-browser tests.
#
#   bash scripts/test.sh                 everything
#   bash scripts/test.sh -k harness      extra arguments go to pytest
#
# Installing is idempotent and quick when nothing changed: apt only runs when
# Chromium is missing, pip only when pyproject.toml changed since the last
# install into .venv, npm ci only when js/package-lock.json changed.
# With CI set, anything that would merely be skipped or warned about locally
# (no Chromium, rebuilt bundles differing from git) fails instead.
#
# Environment: CI (strict mode), CHROMIUM_PATH (default /usr/bin/chromium),
# PYTHON (interpreter for the venv, default python3), NBDL_VENV (default .venv).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

venv="${NBDL_VENV:-$repo_root/.venv}"
python_for_venv="${PYTHON:-python3}"
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
in_ci="${CI:-}"
# shellcheck source=scripts/common.sh
source "$repo_root/scripts/common.sh"
NBDL_RUN=quietly
log_dir="$(mktemp -d "${TMPDIR:-/tmp}/nbdl-test.XXXXXX")"

# Small BLAS/OpenMP pools: the test fits are tiny and the machines have 2 cores.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

phase_names=()
phase_seconds=()
current_phase=""
phase_started=0

now() { date +%s.%N; }

begin() {
  current_phase="$1"
  phase_started="$(now)"
  printf '\n==> %s\n' "$current_phase"
}

end() {
  phase_names+=("$current_phase")
  phase_seconds+=("$(awk -v a="$phase_started" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')")
  current_phase=""
}

summary() {
  local status=$?
  if [ -n "$current_phase" ]; then
    end
    phase_names[-1]="${phase_names[-1]} (FAILED)"
  fi
  printf '\n==> timing\n'
  local i
  for i in "${!phase_names[@]}"; do
    printf '  %7ss  %s\n' "${phase_seconds[$i]}" "${phase_names[$i]}"
  done
  # Runners' closing lines are read from the end of the output: end on pytest's.
  if [ -s "$log_dir/pytest.log" ]; then
    printf '\n'
    tail -n 1 "$log_dir/pytest.log"
  fi
  rm -rf "$log_dir"
  exit "$status"
}
trap summary EXIT

# Run a noisy command quietly; show its output only when it fails.
quietly() {
  local log="$log_dir/step.log"
  if ! "$@" >"$log" 2>&1; then
    # Long logs (npm prints its usage after the error) keep both ends.
    if [ "$(wc -l <"$log")" -le 120 ]; then
      cat "$log" >&2
    else
      head -n 40 "$log" >&2
      echo "[...]" >&2
      tail -n 60 "$log" >&2
    fi
    echo "failed: $*" >&2
    return 1
  fi
}

sha_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

install_chromium() {
  begin "chromium"
  if [ -x "$chromium" ]; then
    echo "present: $chromium"
  elif [ "$chromium" != /usr/bin/chromium ]; then
    echo "CHROMIUM_PATH=$chromium is not an executable file" >&2
    return 1
  elif ! command -v apt-get >/dev/null 2>&1; then
    echo "no Chromium and no apt-get: set CHROMIUM_PATH (browser tests skip without it)" >&2
    [ -z "$in_ci" ]
  else
    apt_install chromium
    echo "installed: $chromium"
  fi
  end
}

install_python() {
  begin "python env (.venv, pip install -e .[test])"
  make_venv "$python_for_venv" "$venv"
  local stamp="$venv/.nbdatalens-install-stamp"
  local wanted
  wanted="$( (cat pyproject.toml; "$venv/bin/python" -VV) | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] \
    && "$venv/bin/python" -c "import importlib.metadata as m; m.version('nbdatalens')" \
      >/dev/null 2>&1; then
    echo "up to date with pyproject.toml"
  else
    rm -f "$stamp"
    quietly "$venv/bin/python" -m pip install -e ".[test]"
    echo "$wanted" >"$stamp"
    echo "installed"
  fi
  end
}

# npm ci refuses a lock file that lacks some platform's optional package, and
# the registry reachable here serves only some platforms' (biome's others 404),
# so npm install cannot write them either. Then install from the lock with npm
# install and insist that the lock file came out unchanged, which holds the
# versions exactly as npm ci would.
npm_clean_install() {
  local log="$log_dir/npm-ci.log"
  if (cd js && npm ci --no-audit --no-fund) >"$log" 2>&1; then
    return 0
  fi
  if ! grep -q "from lock file" "$log"; then
    grep -v '^npm error   \|^npm error$' "$log" | tail -n 60 >&2
    echo "failed: npm ci" >&2
    return 1
  fi
  grep "Missing: .* from lock file" "$log" | sed 's/^npm error /npm ci: /'
  echo "npm ci rejected the lock file over the packages above; installing from it with npm install"
  local before
  before="$(sha_of js/package-lock.json)"
  (cd js && quietly npm install --no-audit --no-fund)
  if [ "$(sha_of js/package-lock.json)" != "$before" ]; then
    git --no-pager diff --stat -- js/package-lock.json || true
    echo "npm install changed js/package-lock.json: it is out of date with package.json" >&2
    return 1
  fi
}

install_js() {
  begin "npm ci"
  local stamp="js/node_modules/.nbdatalens-lock-stamp"
  local wanted
  wanted="$( (cat js/package-lock.json; node --version) | sha256sum | cut -d' ' -f1)"
  if [ -d js/node_modules ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then
    echo "node_modules up to date with package-lock.json"
  else
    npm_clean_install
    echo "$wanted" >"$stamp"
    echo "installed"
  fi
  end
}

check_js() {
  local script
  for script in typecheck lint test build; do
    begin "npm run $script"
    (cd js && npm run --silent "$script")
    end
  done
  begin "built bundles match git (nbdatalens/static)"
  if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "not a git checkout: comparison skipped"
  else
    local changed
    changed="$(git status --porcelain --untracked-files=all -- nbdatalens/static)"
    if [ -n "$changed" ]; then
      echo "$changed"
      git --no-pager diff --stat -- nbdatalens/static
      if [ -n "$in_ci" ]; then
        echo "the committed bundles differ from a fresh 'npm run build': rebuild and commit nbdatalens/static" >&2
        return 1
      fi
      echo "warning: rebuilt bundles differ from git; commit nbdatalens/static (CI fails on this)"
    else
      echo "identical"
    fi
  fi
  end
}

check_python_style() {
  begin "ruff check"
  "$venv/bin/ruff" check .
  end
  begin "ruff format --check"
  "$venv/bin/ruff" format --check .
  end
}

run_pytest() {
  begin "pytest"
  local status=0
  CHROMIUM_PATH="$chromium" "$venv/bin/python" -m pytest -q "$@" 2>&1 \
    | tee "$log_dir/pytest.log" || status="${PIPESTATUS[0]}"
  if [ "$status" -ne 0 ]; then
    current_phase="pytest (exit $status)"
  fi
  end
  return "$status"
}

install_chromium
install_python
if [ -f js/package.json ]; then
  install_js
  check_js
else
  echo "no js/package.json: JS checks skipped"
fi
check_python_style
run_pytest "$@"
