"""The wheel the Docker image installs, installed alone and started as the image starts it.

No image can be built here, so this is the part of the image that can be proved: the build
stage's sources make a wheel that carries its SQL and migrations, and that wheel, in a fresh
virtual environment with the image's command and environment (read from the Dockerfile, so
the two cannot drift apart), migrates a new database, answers /readyz, passes the image's
HEALTHCHECK and stops cleanly on SIGTERM (what `docker stop` sends).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from tests.conftest import TEST_SECRET, recreate_database
from tests.e2e.server import free_port

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
# Where the image's virtual environment lives; its bin/ leads the image's PATH.
IMAGE_VENV = "/opt/venv"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        found.append((keyword.upper(), args.strip()))
        pending = ""
    return found


def _stage(target: str) -> list[tuple[str, str]]:
    """The instructions that make stage `target`, including the stages it is built FROM."""
    stages: dict[str, list[tuple[str, str]]] = {}
    parents: dict[str, str] = {}
    name = ""
    for keyword, args in _instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            words = args.split()
            name = words[-1] if len(words) >= 3 and words[-2].upper() == "AS" else args
            parents[name] = words[0]
            stages[name] = []
        else:
            stages[name].append((keyword, args))
    chain: list[tuple[str, str]] = []
    while target in stages:
        chain = stages[target] + chain
        target = parents[target]
    return chain


def _image_env(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in stage:
        if keyword == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def _last(stage: list[tuple[str, str]], keyword: str) -> str:
    return [args for kw, args in stage if kw == keyword][-1]


@pytest.fixture(scope="module", name="wheel")
def _wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from exactly the files the Dockerfile's build stage copies in."""
    context = tmp_path_factory.mktemp("context")
    for keyword, args in _stage("build"):
        if keyword == "COPY":
            for source in args.split()[:-1]:
                path = ROOT / source
                if path.is_dir():
                    shutil.copytree(
                        path, context / source, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    (context / source).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, context / source)
    out = tmp_path_factory.mktemp("wheels")
    # As the image builds it: with the locked setuptools this venv has, no isolated build env.
    build: list[str | Path] = ["wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run(  # noqa: S603 (our own build)
        [sys.executable, "-m", "pip", *build, "--wheel-dir", out, context], check=True, timeout=300
    )
    (wheel,) = out.glob("repair_crm-*.whl")
    return wheel


@pytest.fixture(scope="module", name="venv")
def _venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and its locked dependencies, nothing else."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60
    )
    # This pip installs into the new environment, which saves bootstrapping a pip inside it.
    python = venv / "bin" / "python"
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet"]
    # The image's versions: the lock's, hash-checked; then the wheel with nothing fetched, so a
    # dependency missing from the lock fails here as it would fail the image's --no-index install.
    serve = ROOT / "requirements" / "serve.txt"
    subprocess.run([*pip, "--require-hashes", "-r", serve], check=True, timeout=600)  # noqa: S603
    subprocess.run([*pip, "--no-index", wheel], check=True, timeout=60)  # noqa: S603
    return venv


@pytest.fixture(name="image_env")
def _image_env_fixture(venv: Path, tmp_path: Path) -> dict[str, str]:
    """The runtime stage's environment, with what Compose adds (DATABASE_URL, JWT_SECRET)
    added by the caller, and the image's paths moved to this machine's."""
    env = _image_env(_stage("runtime"))
    assert env["PATH"].startswith(f"{IMAGE_VENV}/bin:")
    env["PATH"] = f"{venv / 'bin'}:{os.environ['PATH']}"
    env["HOME"] = str(tmp_path)
    # The image's /data and port 8000 are the container's own; here they may be taken.
    env["CRM_DATA_DIR"] = str(tmp_path / "data")
    env["PORT"] = str(free_port())
    return env


def test_the_installed_package_carries_its_sql_and_ui(venv: Path) -> None:
    where = subprocess.run(  # noqa: S603
        [
            venv / "bin" / "python",
            "-c",
            "import crm.db, crm.queries, crm.handlers.ui as ui; print(crm.db.MIGRATIONS_DIR);"
            " print(crm.queries.SQL_DIR); print(ui.UI_DIR)",
        ],
        cwd=venv,  # not the checkout, whose folders would otherwise be found first
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    site = venv / "lib"
    assert [Path(path).name for path in where] == ["migrations", "sql", "ui"]
    assert all(Path(path).is_relative_to(site) for path in where), where
    ui = Path(where[2])
    shipped = {str(path.relative_to(ui)) for path in ui.rglob("*") if path.is_file()}
    in_checkout = {
        str(path.relative_to(ROOT / "crm" / "ui"))
        for path in (ROOT / "crm" / "ui").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "pages/request.html" in shipped and "static/js/pages/request.js" in shipped
    assert shipped == in_checkout


def test_the_image_command_migrates_and_serves_readyz(
    server_url: str, image_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **image_env,
        "DATABASE_URL": recreate_database(server_url, "crm_wheel_test"),
        "JWT_SECRET": TEST_SECRET,
    }
    assert env["ENV"] == "production"

    # docker-compose.prod.yml's command: `crm migrate`, then the image's CMD.
    migrate = subprocess.run(  # noqa: S603
        _resolve(["crm", "migrate"], env),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    assert migrate.stdout.startswith("applied: 0001.initial"), migrate.stdout

    command = json.loads(_last(_stage("runtime"), "CMD"))
    assert command[:2] == ["crm", "serve"]
    log = tmp_path / "serve.log"
    with open(log, "wb") as output, _running(command, env, tmp_path, output) as server:
        url = f"http://127.0.0.1:{env['PORT']}/readyz"
        status, body = _wait_for(url, server, log)
        assert (status, body) == (200, {"status": "ok", "database": "ok"})
        base = f"http://127.0.0.1:{env['PORT']}"
        for page in ("/ui", "/ui/static/js/pages/request.js", "/ui/static/messages.ru.json"):
            with urllib.request.urlopen(base + page, timeout=5) as response:  # noqa: S310
                assert response.status == 200 and len(response.read()) > 1000, page

        healthcheck = _last(_stage("runtime"), "HEALTHCHECK")
        probe = json.loads(healthcheck[healthcheck.index("CMD") + 3 :])
        assert probe[0] == "python"
        checked = subprocess.run(  # noqa: S603
            _resolve(probe, env), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30
        )
        assert checked.returncode == 0, checked.stderr

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0, log.read_text()


def _resolve(command: list[str], env: dict[str, str]) -> list[str]:
    """The command with its program found as the image finds it: first on PATH, which must
    be the new environment's bin/, never this test run's own."""
    executable = shutil.which(command[0], path=env["PATH"])
    assert executable is not None
    assert Path(executable).parent == Path(env["PATH"].split(":")[0]), executable
    return [executable, *command[1:]]


@contextlib.contextmanager
def _running(
    command: list[str], env: dict[str, str], cwd: Path, output: BinaryIO
) -> Iterator[subprocess.Popen[bytes]]:
    """Start the command; make sure it is gone afterwards."""
    process = subprocess.Popen(  # noqa: S603
        _resolve(command, env), env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> tuple[int, object]:
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, f"crm serve exited:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
