"""The house rules on size (DESIGN.md): a module a reader can hold, a function a reader can hold.

No module of the product over 400 lines and no function over 60, outside the database
migrations. An exception is listed in pyproject.toml under `[tool.potwise.sizes]`, each with
its reason; an exception that is no longer needed fails too, so the list stays true.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "src" / "potwise"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _exceptions() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = config.get("tool", {}).get("potwise", {}).get("sizes", {}).get("exceptions", {})
    return {str(where): str(why) for where, why in listed.items()}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _oversized() -> dict[str, int]:
    """`path` for a module over the limit, `path:function` for a function over it."""
    found: dict[str, int] = {}
    for path in _modules():
        name = path.relative_to(ROOT).as_posix()
        source = path.read_text()
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            found[name] = lines
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found[f"{name}:{node.name}"] = length
    return found


def test_every_exception_has_a_reason() -> None:
    for where, why in _exceptions().items():
        assert len(why.split()) >= 4, f"{where}: say why it may be long"


def test_no_module_or_function_outgrows_the_house_rules() -> None:
    allowed = _exceptions()
    over = {where: n for where, n in _oversized().items() if where not in allowed}
    assert not over, (
        f"over {MAX_MODULE_LINES} lines a module or {MAX_FUNCTION_LINES} a function "
        f"(split it along its seams, or list it with a reason in pyproject): {over}"
    )


def test_no_exception_outlives_its_need() -> None:
    stale = set(_exceptions()) - set(_oversized())
    assert not stale, f"no longer oversized, drop from [tool.potwise.sizes]: {sorted(stale)}"
