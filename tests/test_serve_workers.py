"""`crm serve --workers N`: several processes share one port; a signal stops them all."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

from tests.e2e.server import clean_env, free_port


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
        status: int = response.status
        return status


def _wait_for(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        try:
            if _get(url) == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("crm serve --workers 2 did not answer within a minute")


def test_two_workers_serve_one_port_and_stop_together(tmp_path: Path) -> None:
    env = clean_env(CRM_DATA_DIR=str(tmp_path / "data"), PORT=str(free_port()))
    server = subprocess.Popen(
        [sys.executable, "-m", "crm", "serve", "--workers", "2"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{env['PORT']}/readyz", server)
        # Spawned workers run multiprocessing's spawn_main; its resource tracker does not serve.
        workers = [
            p
            for p in psutil.Process(server.pid).children()
            if "spawn_main" in " ".join(p.cmdline())
        ]
        assert len(workers) == 2
        assert all(_get(f"http://127.0.0.1:{env['PORT']}/healthz") == 200 for _ in range(20))
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert server.returncode == 0
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []
