"""The crm command: help, config errors, create-admin, and the embedded database's life."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from crm.cli import main
from crm.package_files import MIGRATIONS_DIR
from tests.api import Api
from tests.conftest import TEST_SECRET, recreate_database
from tests.e2e.server import clean_env, free_port, raw_get, request, run_crm, serving

MIGRATIONS = sorted(
    p.stem for p in MIGRATIONS_DIR.glob("*.sql") if not p.stem.endswith(".rollback")
)


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


@pytest.fixture(name="local_env")
def _local_env(tmp_path: Path) -> dict[str, str]:
    return clean_env(CRM_DATA_DIR=str(tmp_path / "data"), PORT=str(free_port()))


def test_embedded_database_serves_refuses_a_second_run_and_survives_restart(
    local_env: dict[str, str],
) -> None:
    assert run_crm("migrate", env=local_env).stdout == f"applied: {', '.join(MIGRATIONS)}\n"
    with serving(local_env) as base:
        user = {"email": "a@example.com", "password": "admin123", "password_confirm": "admin123"}
        assert request(f"{base}/auth/register", {**user, "role": "admin"})[0] == 201
        second = run_crm("migrate", env=local_env)
        assert second.returncode == 2
        assert "another crm process" in second.stderr
        assert "is using the embedded database" in second.stderr
        assert request(f"{base}/readyz")[0] == 200
    with serving(local_env) as base:
        login = {"email": "a@example.com", "password": "admin123"}
        status, body = request(f"{base}/auth/login", login)
        assert status == 200 and body["token_type"] == "bearer"


def test_search_by_curl_with_raw_utf8_in_the_url_works(local_env: dict[str, str]) -> None:
    """curl sends `?q=стиралка` as raw UTF-8 bytes; the service must take them."""
    assert run_crm("migrate", env=local_env).returncode == 0
    with serving(local_env) as base:
        user = {"email": "a@example.com", "password": "admin123", "password_confirm": "admin123"}
        assert request(f"{base}/auth/register", {**user, "role": "admin"})[0] == 201
        login = {"email": "a@example.com", "password": "admin123"}
        token = request(f"{base}/auth/login", login)[1]["access_token"]
        ticket = {"title": "Не включается стиралка", "client": {"phone": "+380671112233"}}
        assert request(f"{base}/tickets/public", ticket)[0] == 201
        target = "/tickets?q=стиралка&status=new&status=done&page_size=20"
        status, body = raw_get(base, target, token)
        assert status == 200
        assert [t["title"] for t in body["items"]] == ["Не включается стиралка"]
        # The original description's example, page number included, as curl sends it.
        status, body = raw_get(base, target + "&page=1", token)
        assert status == 200 and [t["title"] for t in body["items"]] == ["Не включается стиралка"]
        assert (body["total"], body["total_exact"]) == (1, True)


def test_migrate_applies_and_rollback_undoes_the_newest(server_url: str) -> None:
    env = clean_env(DATABASE_URL=recreate_database(server_url, "crm_cli_migrate"), JWT_SECRET="s")
    assert run_crm("migrate", env=env).stdout.startswith("applied: 0001.initial")
    assert run_crm("migrate", env=env).stdout == "nothing to apply\n"
    newest = sorted(p.name for p in MIGRATIONS_DIR.glob("*.rollback.sql"))[-1]
    rolled = run_crm("migrate", "--rollback", env=env)
    assert rolled.stdout == f"rolled back: {newest.removesuffix('.rollback.sql')}\n"
    assert (
        run_crm("migrate", env=env).stdout == f"applied: {newest.removesuffix('.rollback.sql')}\n"
    )
