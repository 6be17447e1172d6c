"""A private marimo server for the browser tests: ``marimo run`` on one notebook file.

Config, cache and state live in the server's temporary directory, so a test run neither
reads nor touches the developer's marimo setup; the notebook's kernel runs the
interpreter that runs pytest, with the checkout first on ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from lab_server import THREAD_LIMITS, free_port


class MarimoServer:
    """``marimo run --headless --no-token`` serving ``notebook`` (a marimo ``.py`` file).

    Example::

        server = MarimoServer(tmp_path / "app.py", import_paths=(repo,))
        server.start()
        page.goto(server.base_url)
        server.stop()
    """

    def __init__(
        self, notebook: Path, import_paths: tuple[Path, ...] = (), startup_timeout: float = 60.0
    ) -> None:
        self.notebook = Path(notebook)
        self.workdir = self.notebook.parent
        self.import_paths = tuple(Path(path) for path in import_paths)
        self.port = free_port()
        self.startup_timeout = startup_timeout
        self.log_path = self.workdir / "marimo.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(THREAD_LIMITS)
        for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            env[name] = str(self.workdir / name.lower())
        env["MARIMO_SKIP_UPDATE_CHECK"] = "1"
        env["PYTHONUNBUFFERED"] = "1"
        if self.import_paths:
            paths = [str(path) for path in self.import_paths]
            env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(
                os.pathsep
            )
        return env

    def start(self) -> None:
        """Start the server; return once it answers HTTP (RuntimeError with the log if not)."""
        log = self.log_path.open("wb")
        self._process = subprocess.Popen(
            [
                *(sys.executable, "-m", "marimo", "run", "--headless", "--no-token"),
                *("--host", "127.0.0.1", "--port", str(self.port), str(self.notebook)),
            ],
            cwd=self.workdir,
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
                raise RuntimeError(f"marimo exited early; log tail:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"marimo did not answer within the timeout; log:\n{self.log_tail()}")

    def log_tail(self, n_chars: int = 4000) -> str:
        try:
            return self.log_path.read_bytes().decode(errors="replace")[-n_chars:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """End the server and its kernels (one process group)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        for signum, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, signum)
            except ProcessLookupError:
                return
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue
