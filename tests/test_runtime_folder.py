"""Commands that start the embedded database leave no runtime folder behind in the temp folder."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.server import clean_env, free_port, request, run_crm, serving


def _runtime_folders(tmp: Path) -> list[str]:
    return sorted(path.name for path in tmp.glob("crm-runtime-*"))


def test_every_embedded_database_command_removes_its_runtime_folder(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    # TMPDIR is where tempfile makes the folder; without XDG_RUNTIME_DIR each command makes one.
    env = clean_env(
        CRM_DATA_DIR=str(tmp_path / "data"),
        PORT=str(free_port()),
        TMPDIR=str(tmp),
        CRM_ADMIN_PASSWORD="admin-password-1",
    )
    env.pop("XDG_RUNTIME_DIR", None)
    commands = [
        ["migrate"],
        ["create-admin", "--email", "boss@example.com"],
        ["demo-data", "--tickets", "3", "--clients", "2", "--workers", "1", "--force"],
    ]
    for command in commands:
        done = run_crm(*command, env=env)
        assert done.returncode == 0, done.stderr
        assert _runtime_folders(tmp) == [], command
    with serving(env) as base:
        assert request(f"{base}/readyz")[0] == 200
        # The server really has one while it runs: this test exercises the folder it removes.
        assert len(_runtime_folders(tmp)) == 1
    assert _runtime_folders(tmp) == []
