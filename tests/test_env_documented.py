"""Every environment variable crm/ reads is in README.md's table and in .env.example."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# The original description's variables: if the scan stops finding them, the scan is broken.
ORIGINAL = {"DATABASE_URL", "JWT_SECRET", "JWT_EXPIRES", "ENV"}


def _is_environ(node: ast.expr) -> bool:
    """`os.environ`, or a mapping named `environ` (Settings.from_env's injectable one)."""
    return (isinstance(node, ast.Name) and node.id == "environ") or (
        isinstance(node, ast.Attribute) and node.attr == "environ"
    )


def _names(nodes: list[ast.expr]) -> set[str]:
    return {
        node.value
        for node in nodes
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and NAME.match(node.value)
    }


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _read_in(tree: ast.AST) -> set[str]:
    """Names read as environ.get("X"), environ["X"], os.getenv("X"), or helper(environ, "X")."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            found |= _names([node.slice])
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in {"get", "pop", "setdefault"}:
                if _is_environ(func.value):
                    found |= _names(node.args[:1])
            elif _callee(func) in {"getenv", "getenvb"}:
                found |= _names(node.args[:1])
            if any(_is_environ(arg) for arg in node.args):
                found |= _names(node.args)
    return found


def variables_the_code_reads() -> set[str]:
    """Every environment variable named in crm/'s code."""
    found: set[str] = set()
    for path in sorted((ROOT / "crm").rglob("*.py")):
        found |= _read_in(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


def _readme_table() -> set[str]:
    """The variables in the first column of README.md's Configuration table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])}


def _env_example() -> set[str]:
    """The variables .env.example sets or shows commented out."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_the_scan_finds_the_variables_we_know_are_read() -> None:
    assert variables_the_code_reads() >= ORIGINAL


def test_every_variable_the_code_reads_is_in_the_readme_table() -> None:
    assert sorted(variables_the_code_reads() - _readme_table()) == []


def test_the_readme_table_names_only_variables_the_code_reads() -> None:
    assert sorted(_readme_table() - variables_the_code_reads()) == []


def test_every_variable_the_code_reads_is_in_env_example() -> None:
    assert sorted(variables_the_code_reads() - _env_example()) == []
