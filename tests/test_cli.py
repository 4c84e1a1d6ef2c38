"""The crm command: help, config errors, create-admin, and the embedded database's life."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crm.cli import main
from tests.api import Api
from tests.conftest import TEST_SECRET


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"], ["create-admin"]])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert "usage: crm" in capsys.readouterr().out


def test_a_bad_setting_stops_with_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JWT_EXPIRES", "soon")
    assert main(["migrate"]) == 2
    assert capsys.readouterr().err == "crm: error: JWT_EXPIRES must be a whole number, got 'soon'\n"


async def test_create_admin_makes_an_admin_who_can_log_in(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    monkeypatch.setenv("CRM_ADMIN_PASSWORD", "admin-password-1")
    assert await asyncio.to_thread(main, ["create-admin", "--email", "Boss@Example.com"]) == 0
    token = await api.login("boss@example.com", "admin-password-1")
    assert (await api.get("/auth/me", token=token)).body["role"] == "admin"
    assert await asyncio.to_thread(main, ["create-admin", "--email", "boss@example.com"]) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _crm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "crm", *args], env=env, capture_output=True, text=True, timeout=60
    )


def _request(url: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(name="local_env")
def _local_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JWT_SECRET", "ENV")}
    env.update(CRM_DATA_DIR=str(tmp_path / "data"), PORT=str(_free_port()))
    yield env


def _serve(env: dict[str, str]) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "crm", "serve"], env=env, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{env['PORT']}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _request(f"{base}/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(f"crm serve did not start: {server.communicate()[1]}")


def _stop(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.communicate(timeout=30)


def test_embedded_database_serves_refuses_a_second_run_and_survives_restart(
    local_env: dict[str, str],
) -> None:
    base = f"http://127.0.0.1:{local_env['PORT']}"
    assert _crm("migrate", env=local_env).stdout == "applied: 0001.initial, 0002.list_plans\n"
    server = _serve(local_env)
    try:
        user = {"email": "a@example.com", "password": "admin123", "password_confirm": "admin123"}
        assert _request(f"{base}/auth/register", {**user, "role": "admin"})[0] == 201
        second = _crm("migrate", env=local_env)
        assert second.returncode == 2
        assert (
            "another crm process" in second.stderr
            and "is using the embedded database" in second.stderr
        )
        assert _request(f"{base}/readyz")[0] == 200
    finally:
        _stop(server)
    server = _serve(local_env)
    try:
        status, body = _request(
            f"{base}/auth/login", {"email": "a@example.com", "password": "admin123"}
        )
        assert status == 200 and body["token_type"] == "bearer"
    finally:
        _stop(server)
