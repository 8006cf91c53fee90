"""The verified app (`testkit.served_app`) served by one server shape, in its own process.

On loopback: the load run (`bench.load`), the slow-client attack (`bench.slow_clients`) and the
race tests start servers here. `waitress` is the production shape (`skill.web.server.serve`,
what `mat-coach serve` runs); the others are the shapes it replaced, kept for the comparison rows:

* `gunicorn-sync`: the former production command, 2 sync workers;
* `gunicorn-gthread`: the former load-run server, 2 gthread workers x 4 threads;
* `werkzeug`: Werkzeug's threaded development server (`mat-coach serve --dev`).

gunicorn is not a dependency any more: its shapes need `pip install gunicorn`. Each server is
stopped by its own pid, never by name.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from testkit.loopback import PROXY_VARIABLES, free_port

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = "waitress"
SHAPES = ("waitress", "gunicorn-sync", "gunicorn-gthread", "werkzeug")
DESCRIPTIONS = {
    "waitress": "waitress (mat-coach serve), 2 processes x 8 threads",
    "gunicorn-sync": "gunicorn, 2 sync workers",
    "gunicorn-gthread": "gunicorn, 2 gthread workers x 4 threads",
    "werkzeug": "Werkzeug threaded (mat-coach serve --dev)",
}


def available(shape: str) -> bool:
    """Whether this environment can run `shape` (gunicorn is optional)."""
    return not shape.startswith("gunicorn") or importlib.util.find_spec("gunicorn") is not None


def loopback_env() -> dict[str, str]:
    """The children's environment: loopback traffic must never be sent to a proxy."""
    child = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    child["NO_PROXY"] = child["no_proxy"] = "127.0.0.1,localhost"
    return child


def _command(shape: str, port: int, threads: int) -> list[str]:
    bind = f"127.0.0.1:{port}"
    if shape == "waitress":
        return [sys.executable, "-m", "testkit.served_app", "--port", str(port),
                "--workers", "2", "--threads", str(threads)]
    if shape == "werkzeug":
        return [sys.executable, "-m", "testkit.served_app", "--port", str(port), "--werkzeug"]
    worker = ["--worker-class", "gthread", "--threads", "4"] if shape == "gunicorn-gthread" else []
    return [sys.executable, "-m", "gunicorn", "--workers", "2", *worker, "--bind", bind,
            "--log-level", "warning", "--graceful-timeout", "5", "testkit.served_app:create()"]


class ServerProcess:
    """One server shape serving `testkit.served_app:create()` on a free loopback port."""

    def __init__(self, shape: str, workdir: Path, environ: dict[str, str], *,
                 threads: int = 8, preexec_fn: object = None) -> None:
        if shape not in SHAPES:
            raise ValueError(f"unknown server shape {shape!r}; one of {', '.join(SHAPES)}")
        self.shape = shape
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{shape}-{self.port}.log"
        self._log = self.log_path.open("wb")
        python_path = os.pathsep.join(filter(None, [str(ROOT), environ.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            _command(shape, self.port, threads),
            cwd=ROOT, env={**environ, "PYTHONPATH": python_path},
            stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn,  # type: ignore[arg-type]
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.shape} exited early:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.shape} did not become ready:\n{self.log_tail()}")

    def log_text(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
