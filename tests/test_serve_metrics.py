"""`mat-coach serve` as an operator runs it: JSON log lines, and metrics on their own port.

Real processes on loopback ports: `mat-coach serve --dev --metrics-port M` (one process), and
the production server (`skill.web.server.serve`, two worker processes) with the metrics port
served by its supervisor, which adds up what every worker counted. Each scrape is read by
prometheus_client's own parser; each log line must be one JSON object.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from testkit import envelopes as env
from testkit.loopback import free_port, wait_until_up
from testkit.servers import loopback_env
from testkit.telemetry import check_request_line, leaks, prometheus_samples

ROOT = Path(__file__).resolve().parent.parent
USER = "amzn1.ask.account.SERVEDUSER"


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    child = {k: v for k, v in loopback_env().items() if not k.startswith("MAT_COACH_")}
    child.pop("PROMETHEUS_MULTIPROC_DIR", None)
    child["MAT_COACH_STORE"] = f"sqlite://{tmp_path / 'served.db'}"
    child["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), child.get("PYTHONPATH")]))
    return child


def _post(url: str, envelope: dict) -> dict:
    answer = requests.post(url, data=json.dumps(envelope), timeout=10,
                           headers={"Content-Type": "application/json", "Connection": "close"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _requests_total(samples: dict) -> float:
    return sum(v for (name, _labels), v in samples.items() if name == "matcoach_requests_total")


@pytest.fixture
def dev_server(environ: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    port, metrics = free_port(), free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "skill.cli", "serve", "--dev", "--port", str(port),
             "--metrics-port", str(metrics)],
            cwd=ROOT, env=environ, stdout=sink, stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
            yield f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{metrics}/metrics", log
        finally:
            _stop(process)


def test_serve_logs_json_lines_and_serves_metrics_on_its_own_port(
    dev_server: tuple[str, str, Path],
) -> None:
    url, metrics_url, log = dev_server
    _post(url, env.launch(user_id=USER))
    _post(url, env.intent("AMAZON.FallbackIntent", user_id=USER))
    _post(url, env.intent("CheckSafetyIntent", {"condition": env.slot(
        "condition", "blood thinners", "BLOOD_THINNERS")}, user_id=USER))
    assert requests.post(url, data=b"{broken", timeout=10).status_code == 400

    exposition = requests.get(metrics_url, timeout=10).text
    samples = prometheus_samples(exposition)
    assert _requests_total(samples) == 4
    assert samples["matcoach_fallbacks_total", ()] == 1
    assert samples["matcoach_errors_total", (("kind", "bad_request"),)] == 1
    assert samples["matcoach_request_duration_seconds_count", ()] == 4
    # The metrics port is not the skill's: the skill's port has no metrics.
    assert requests.get(url.rstrip("/") + "/metrics", timeout=10).status_code == 404

    lines = [json.loads(text) for text in log.read_text().splitlines()
             if text.startswith("{")]
    others = [text for text in log.read_text().splitlines() if not text.startswith("{")]
    assert lines and all("timestamp" in line and "logger" in line for line in lines)
    request_lines = [line for line in lines if line.get("message") == "request"]
    assert [line.get("intent", line["type"]) for line in request_lines] == [
        "LaunchRequest", "AMAZON.FallbackIntent", "CheckSafetyIntent", "other"]
    for line in request_lines:
        assert check_request_line(line, extra={"timestamp", "logger"}) == [], line
    # Only Flask's start-up banner (printed, not logged) is not JSON.
    assert all(text.startswith(" * ") or not text.strip() for text in others), others
    assert leaks([log.read_text(), exposition],
                 [USER, "blood thinners", "BLOOD_THINNERS", "amzn1.echo-api"]) == []


_SERVE = """
import sys
from skill.settings import Settings
from skill.web import create_app
from skill.web.metrics import serve_metrics
from skill.web.server import serve

port, metrics = int(sys.argv[1]), int(sys.argv[2])
settings = Settings.from_env(verify_requests=False, metrics_port=metrics)
serve_metrics("127.0.0.1", metrics)
serve(lambda: create_app(settings), "127.0.0.1", port, threads=2, workers=2)
"""


def test_the_production_server_adds_up_every_workers_metrics(
    environ: dict[str, str], tmp_path: Path,
) -> None:
    port, metrics = free_port(), free_port()
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"stale")  # from a run before: cleared
    log = tmp_path / "waitress.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(port), str(metrics)], cwd=ROOT,
            env={**environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
            stdout=sink, stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/healthz", process)
            for n in range(12):
                _post(f"http://127.0.0.1:{port}/", env.intent(
                    "AMAZON.HelpIntent" if n % 2 else "ExplainMatIntent",
                    user_id=f"amzn1.ask.account.WORKER{n}"))
            samples = prometheus_samples(
                requests.get(f"http://127.0.0.1:{metrics}/metrics", timeout=10).text)
        finally:
            _stop(process)
    assert _requests_total(samples) == 12, log.read_text()[-2000:]
    assert samples["matcoach_requests_total",
                   (("intent", "AMAZON.HelpIntent"), ("outcome", "asked"))] == 6
    assert samples["matcoach_build_info", (("release", _release()),)] == 1
    worker_files = {p.name.split("_")[-1] for p in directory.glob("counter_*.db")}
    assert "999999.db" not in worker_files and worker_files


def _release() -> str:
    from skill import __version__

    return __version__


def test_serve_refuses_a_metrics_port_that_is_the_skills(environ: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "serve", "--dev", "--port", "8123",
         "--metrics-port", "8123"], cwd=ROOT, env=environ, capture_output=True, text=True,
        timeout=60, check=False,
    )
    assert result.returncode == 2 and "must differ" in result.stderr


def test_a_metrics_port_that_is_no_port_is_refused(environ: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "skill.cli", "serve", "--dev"], cwd=ROOT, timeout=60,
        env={**environ, "MAT_COACH_METRICS_PORT": "ninety"}, capture_output=True, text=True,
        check=False,
    )
    assert result.returncode == 2 and "MAT_COACH_METRICS_PORT" in result.stderr
