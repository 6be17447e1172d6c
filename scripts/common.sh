# Shared by scripts/demo.sh and scripts/test.sh (sourced, not run).
#
# NBDL_RUN: a command prefix for noisy steps (test.sh sets it to its `quietly`).

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "need root for: $*" >&2
    return 1
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  ${NBDL_RUN:-} as_root apt-get update -q
  ${NBDL_RUN:-} as_root apt-get install -y -q "$@"
}

# make_venv PYTHON DIR: create the venv unless it exists. Debian's and Ubuntu's own python3
# ship venv support as a separate package (`python3 -m venv` fails without ensurepip).
make_venv() {
  local python="$1" dir="$2"
  [ -x "$dir/bin/python" ] && return 0
  if ! "$python" -c "import ensurepip" >/dev/null 2>&1; then
    if ! command -v apt-get >/dev/null 2>&1; then
      echo "$python has no venv support (ensurepip) and there is no apt-get to add it" >&2
      return 1
    fi
    apt_install python3-venv
  fi
  "$python" -m venv "$dir"
}

# quiet_lab_news DIR: JupyterLab in this venv never asks about fetching news (its prompt
# would cover the widgets of a first-time user) and never checks for updates.
quiet_lab_news() {
  local settings="$1/share/jupyter/lab/settings"
  mkdir -p "$settings"
  cat >"$settings/overrides.json" <<'JSON'
{
  "@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false",
    "checkForUpdates": false
  }
}
JSON
}
