"""The full load run (`python -m bench.load`): 5,000 signed requests, `mat-coach serve`'s server.

Slow (about a minute on 2 cores) but part of the default run, as `.ci/run` runs everything.
The figures are printed (visible with `pytest -s`) and written to the terminal summary so CI
logs show them, pass or fail.
"""

from __future__ import annotations

import pytest

from bench.load import LoadConfig, run


@pytest.mark.slow
def test_five_thousand_signed_requests_lose_no_session(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = LoadConfig()  # 5,000 requests, 32 clients, 200 users, waitress 2 x 8 threads
    lines: list[str] = []  # progress, and the server's log tail when a request failed
    result = run(config, progress=lines.append)
    with capsys.disabled():  # straight to the terminal, so CI logs show it without -s
        print(f"\nbench.load summary\n{result.table()}", flush=True)

    assert result.sent == config.requests
    assert result.errors == [], (result.errors[:10], lines[-1:])
    assert result.acknowledged_starts > 0
    assert result.acknowledged_changes > result.acknowledged_starts  # the ends were answered
    assert result.stored_writes == result.acknowledged_changes  # no update lost
    assert result.limits == {
        "content-length body over 128 KB": 413,
        "chunked body over 128 KB": 413,
        "tampered signature": 400,
    }
