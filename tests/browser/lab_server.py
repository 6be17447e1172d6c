"""A private JupyterLab server for the browser tests.

Everything the server reads or writes (config, runtime files, IPython profile,
lab settings, workspaces, notebooks, kernelspec) lives in one temporary
directory, so a test run neither sees nor touches the developer's own Jupyter
setup, and the kernels it starts run the interpreter that runs pytest.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# One thread per BLAS / OpenMP pool: the machines have two cores, and small
# fits spend more time spinning threads up than computing.
THREAD_LIMITS = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
}

# Lab settings that keep the page quiet and fully rendered: no news toast (the
# network is closed), no autosave rewriting the notebooks the tests wrote, and
# no notebook windowing, which leaves off-screen cells unrendered.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}

KERNEL_NAME = "python3"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """A JupyterLab process rooted in ``workdir``, reachable with a random token.

    ``import_paths`` are put first on the kernels' ``PYTHONPATH``.

    Example::

        server = LabServer(tmp_path)
        server.start()
        server.api("GET", "/api/sessions")
        server.stop()
    """

    def __init__(
        self,
        workdir: Path,
        startup_timeout: float = 60.0,
        import_paths: tuple[Path, ...] = (),
    ) -> None:
        self.workdir = Path(workdir)
        self.import_paths = tuple(Path(path) for path in import_paths)
        self.root_dir = self.workdir / "notebooks"
        self.runtime_dir = self.workdir / "runtime"
        self.data_dir = self.workdir / "data"
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.startup_timeout = startup_timeout
        self.log_path = self.workdir / "jupyterlab.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` with the token appended, ready for a browser."""
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{separator}token={self.token}"

    def _prepare_dirs(self) -> None:
        for sub in ("config", "runtime", "ipython", "settings", "workspaces", "notebooks"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        # A kernelspec in the private data dir shadows every other "python3"
        # spec, so kernels run sys.executable even when another interpreter's
        # spec would be found first on the data path.
        spec_dir = self.data_dir / "kernels" / KERNEL_NAME
        spec_dir.mkdir(parents=True, exist_ok=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (nbdatalens tests)",
            "language": "python",
            "metadata": {"debugger": False},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
        for relative, values in LAB_SETTINGS.items():
            target = self.workdir / "settings" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(THREAD_LIMITS)
        env.update(
            {
                "JUPYTER_CONFIG_DIR": str(self.workdir / "config"),
                "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
                "JUPYTER_DATA_DIR": str(self.data_dir),
                "IPYTHONDIR": str(self.workdir / "ipython"),
                "PYTHONUNBUFFERED": "1",
                # The debugger's frozen-module warning is noise in every kernel log.
                "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            }
        )
        # Kernels start in the notebook root, not the checkout: without this a
        # checkout that is not pip-installed would not be importable there.
        if self.import_paths:
            paths = [str(path) for path in self.import_paths]
            env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(
                os.pathsep
            )
        # A parent's Jupyter paths must not leak back in through the environment.
        for name in ("JUPYTER_PATH", "JUPYTER_PREFER_ENV_PATH"):
            env.pop(name, None)
        return env

    def command(self) -> list[str]:
        """The command line that starts the server."""
        settings = self.workdir / "settings"
        return [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--LabApp.expose_app_in_browser=True",
            # Notebook 7 (the `notebook` package) is served by the same server at /notebooks/.
            "--JupyterNotebookApp.expose_app_in_browser=True",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.workdir / 'workspaces'}",
        ]

    def start(self) -> None:
        """Start the server and return once ``/api/status`` answers 200.

        Raises RuntimeError with the end of the server log when the process
        exits early or does not answer within ``startup_timeout`` seconds.
        """
        self._prepare_dirs()
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            self.command(),
            cwd=self.root_dir,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited with code {self._process.returncode} before it was "
                    f"ready; log tail:\n{self.log_tail()}"
                )
            try:
                self.api("GET", "/api/status", timeout=2)
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(
            f"JupyterLab did not answer /api/status within {self.startup_timeout:.0f} s; "
            f"log tail:\n{self.log_tail()}"
        )

    def api(self, method: str, path: str, body: object = None, timeout: float = 10) -> object:
        """Call the server's REST API with the token; return the decoded JSON or None."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def shutdown_kernel_of(self, notebook_path: str) -> None:
        """Delete every session on ``notebook_path`` (relative to the root); ends its kernel."""
        sessions = self.api("GET", "/api/sessions")
        for session in sessions or []:
            if session.get("path") == notebook_path:
                try:
                    self.api("DELETE", f"/api/sessions/{session['id']}", timeout=20)
                except urllib.error.HTTPError as error:
                    # 404: the page closed it first, which is the outcome we want.
                    if error.code != 404:
                        raise

    def log_size(self) -> int:
        """Bytes written to the server log so far (a mark for ``log_tail``)."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_tail(self, n_chars: int = 4000, since: int = 0) -> str:
        """The last ``n_chars`` characters of the server's combined output after byte ``since``.

        Kernels inherit the server's output, so this includes their stderr:
        tracebacks from comm message handlers land here.
        """
        try:
            with self.log_path.open("rb") as log:
                log.seek(since)
                return log.read().decode(errors="replace")[-n_chars:]
        except OSError:
            return "(no log)"

    def leftover_kernel_pids(self) -> list[int]:
        """PIDs of processes whose command line names this server's runtime dir.

        Kernels run in their own session, so ending the server's process group
        misses them; their connection file path gives them away.
        """
        marker = str(self.runtime_dir).encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker in cmdline:
                pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        """Shut the server down politely, then make sure it and its kernels are gone."""
        process = self._process
        if process is None:
            return
        self._process = None
        if process.poll() is None:
            try:
                self.api("POST", "/api/shutdown", timeout=5)
                process.wait(timeout=10)
            except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
                pass
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        for pid in self.leftover_kernel_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass
