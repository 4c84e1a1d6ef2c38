"""A real `crm serve` process on a free port, for tests and tools that need one over the network."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def request(url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    """Send JSON (POST when there is a body) and return the status and parsed answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    outgoing = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(outgoing, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def raw_get(base: str, target: str, token: str) -> tuple[int, Any]:
    """GET with the request target sent byte for byte, as curl sends non-ASCII (no escaping)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        sock.sendall((head + "Connection: close\r\n\r\n").encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    status_line, _, rest = raw.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body)


def run_crm(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one `crm` command to completion."""
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "crm", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without the service's own settings, plus `overrides`."""
    own = ("DATABASE_URL", "DATABASE_READ_URL", "JWT_SECRET", "ENV", "HOST", "PORT", "CRM_DATA_DIR")
    env = {k: v for k, v in os.environ.items() if k not in own}
    env.update(overrides)
    return env


@contextlib.contextmanager
def serving(env: Mapping[str, str], *args: str, log: Path | None = None) -> Iterator[str]:
    """Start `crm serve` with `env` (which must set PORT), wait for /healthz, yield its base URL.

    The server's log goes to `log` when given (to read after a failure), else is kept in memory.
    """
    errors: Any = open(log, "w") if log else subprocess.PIPE  # noqa: SIM115 (closed below)
    server = subprocess.Popen(  # noqa: S603 (our own command)
        [sys.executable, "-m", "crm", "serve", *args],
        env=dict(env),
        stderr=errors,
        text=True,
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if request(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"crm serve did not start: {server.communicate()[1]}"
                    ) from None
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=30)
        if log:
            errors.close()
