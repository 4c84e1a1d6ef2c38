"""What CI runs is said in three places, .ci/run, the GitHub workflow and README.md: they agree."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MAKE = re.compile(r"^\s*make\s+([a-z][a-z0-9-]*)", re.MULTILINE)


def _ci_run_targets() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return set(MAKE.findall("\n".join(line.split("#")[0] for line in text.splitlines())))


def _workflow_targets() -> set[str]:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text("utf-8"))
    return {
        target
        for job in workflow["jobs"].values()
        for step in job["steps"]
        for target in MAKE.findall(step.get("run", ""))
    }


def _readme_ci_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## CI/CD", 1)[1].split("\n## ", 1)[0]


def test_ci_run_and_the_workflow_run_the_same_make_targets() -> None:
    assert _ci_run_targets()
    assert _ci_run_targets() == _workflow_targets()


def test_readme_names_every_make_target_ci_runs() -> None:
    section = _readme_ci_section()
    assert sorted(t for t in _ci_run_targets() if f"`make {t}`" not in section) == []
