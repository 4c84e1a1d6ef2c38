"""The lock: requirements/*.txt pin, with hashes, what uv.lock resolved for pyproject.toml.

`make lock` writes all of them; these tests fail when someone edits one by hand, or changes
pyproject.toml's dependencies without running it.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _requirement_files() -> dict[str, list[Requirement]]:
    """What each exported file must hold: pyproject.toml's lists, per file `make lock` writes."""
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    groups = PYPROJECT["dependency-groups"]
    serve = project["dependencies"]
    wanted = {
        "serve.txt": serve,
        "serve-reload.txt": serve + extras["reload"],
        "test.txt": serve + extras["dev"],
        "build.txt": groups["build"],
        "deploy-lint.txt": groups["deploy-lint"],
        "lock.txt": groups["lock"],
    }
    return {name: [Requirement(line) for line in lines] for name, lines in wanted.items()}


def _pins(path: Path) -> dict[str, tuple[str, int]]:
    """Package -> (version, number of hashes) from one exported requirements file."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match[1])
            assert current not in pins, f"{path.name} pins {current} twice"
            pins[current] = (match[2], 0)
        elif line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _locked_versions() -> dict[str, set[str]]:
    versions: dict[str, set[str]] = defaultdict(set)
    for package in LOCK["package"]:
        versions[canonicalize_name(package["name"])].add(package["version"])
    return versions


@pytest.mark.parametrize("name", sorted(_requirement_files()))
def test_each_requirement_file_pins_its_dependencies_within_their_ranges(name: str) -> None:
    pins = _pins(ROOT / "requirements" / name)
    for requirement in _requirement_files()[name]:
        if requirement.marker and not requirement.marker.evaluate():
            continue
        package = canonicalize_name(requirement.name)
        assert package in pins, f"{package} is not in {name}: run `make lock`"
        version, hashes = pins[package]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name} pins {package}=={version}, outside {requirement}: run `make lock`"
        )
        assert hashes > 0, f"{name} has no hash for {package}"


@pytest.mark.parametrize("path", sorted((ROOT / "requirements").glob("*.txt")), ids=str)
def test_every_pin_is_the_version_uv_lock_resolved_and_has_hashes(path: Path) -> None:
    locked = _locked_versions()
    pins = _pins(path)
    assert pins, f"{path.name} pins nothing"
    for package, (version, hashes) in pins.items():
        assert version in locked[package], f"{path.name}: {package}=={version} is not in uv.lock"
        assert hashes > 0, f"{path.name} has no hash for {package}"


def _normal(line: str) -> str:
    requirement = Requirement(line)
    requirement.name = canonicalize_name(requirement.name)
    return str(requirement)


def _declared(lines: list[str]) -> set[str]:
    return {_normal(line) for line in lines}


def _locked(items: list[dict[str, Any]], extra: str | None = None) -> set[str]:
    """uv.lock's record of what it resolved, as requirement strings; only `extra`'s if given."""
    found = set()
    for item in items:
        marker = item.get("marker", "")
        if extra is None and "extra ==" in marker:
            continue
        if extra is not None:
            if f"extra == '{extra}'" not in marker:
                continue
            marker = re.sub(rf"(\s+and\s+)?extra == '{extra}'", "", marker).strip()
        extras = f"[{','.join(item['extras'])}]" if item.get("extras") else ""
        line = item["name"] + extras + item.get("specifier", "") + (f"; {marker}" if marker else "")
        found.add(_normal(line))
    return found


def test_uv_lock_was_resolved_for_the_current_pyproject() -> None:
    """uv.lock records the requirements it resolved; any change since needs `make lock`."""
    (project,) = [p for p in LOCK["package"] if p["name"] == PYPROJECT["project"]["name"]]
    requires = project["metadata"]["requires-dist"]
    assert _locked(requires) == _declared(PYPROJECT["project"]["dependencies"])
    for extra, lines in PYPROJECT["project"]["optional-dependencies"].items():
        assert _locked(requires, extra) == _declared(lines), extra
    groups = project["metadata"]["requires-dev"]
    assert set(groups) == set(PYPROJECT["dependency-groups"])
    for group, lines in PYPROJECT["dependency-groups"].items():
        assert _locked(groups[group]) == _declared(lines), group
