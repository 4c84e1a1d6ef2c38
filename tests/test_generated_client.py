"""A Python client generated from openapi.yaml drives a real running service through the story."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET, recreate_database
from tests.e2e.server import clean_env, free_port, run_crm, serving

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = "openapi-python-client==0.29.1"
# The generator pins its own httpx, pydantic and ruff, so it lives in a venv of its own.
TOOL_VENV = ROOT / ".crm" / "tools" / "openapi-python-client"


def _tool_python() -> Path:
    python = TOOL_VENV / "bin" / "python"
    stamp = TOOL_VENV / f".installed-{GENERATOR}"
    if not stamp.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(TOOL_VENV)], check=True)  # noqa: S603
        # python-dateutil: the generated client parses date-times with it.
        install = [str(python), "-m", "pip", "install", "--quiet", GENERATOR, "python-dateutil"]
        subprocess.run(install, check=True, timeout=600)  # noqa: S603
        stamp.touch()
    return python


@pytest.fixture(scope="module", name="generated")
def _generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Generate the client once; any generator warning about the document fails the test."""
    python = _tool_python()
    out = tmp_path_factory.mktemp("client") / "crm_client"
    command = [
        str(python.parent / "openapi-python-client"),
        "generate",
        "--path", str(ROOT / "openapi.yaml"),
        "--config", str(ROOT / "tests" / "e2e" / "openapi-client.yaml"),
        "--meta", "none",
        "--output-path", str(out),
    ]  # fmt: skip
    env = clean_env(PATH=f"{python.parent}:{clean_env().get('PATH', '')}")
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)  # noqa: S603
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr
    return python, out.parent


def test_generated_client_runs_the_whole_story(
    generated: tuple[Path, Path], server_url: str
) -> None:
    python, package_root = generated
    env = clean_env(
        DATABASE_URL=recreate_database(server_url, "crm_client_story"),
        JWT_SECRET=TEST_SECRET,
        PORT=str(free_port()),
    )
    assert run_crm("migrate", env=env).returncode == 0
    with serving(env) as base:
        story = ROOT / "tests" / "e2e" / "client_story.py"
        result = subprocess.run(  # noqa: S603
            [str(python), str(story), base],
            env={**env, "PYTHONPATH": str(package_root)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "generated client story: ok" in result.stdout
