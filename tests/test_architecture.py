"""The package's imports point one way: no cycles, and the data layer knows no widget.

Every import counts, including deferred imports inside functions and
``TYPE_CHECKING`` blocks: a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "nbdatalens"
#: Modules allowed to import the widgets: the widgets themselves and the lens that owns them.
UPPER = ("nbdatalens.views", "nbdatalens.lens", "nbdatalens.lens_finding", "nbdatalens")


def _modules() -> dict[str, pathlib.Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        if "static" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


def _imports(mods: dict[str, pathlib.Path]) -> dict[str, set[str]]:
    """Module → the package modules it imports (resolved to the deepest known module)."""
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        package = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = package[: len(package) - node.level + 1]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                # a package's own __init__ re-exports its modules; that is not a cycle
                if target and target != mod and not mod.startswith(target + "."):
                    edges[mod].add(target)
    return edges


def _cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        for nxt in sorted(edges[node]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


EDGES = _imports(_modules())


def test_the_import_graph_is_read():
    # guards the test itself: it must see the package's real imports
    assert "nbdatalens.table" in EDGES["nbdatalens.lens"]
    assert "nbdatalens.views.table_model" in EDGES["nbdatalens.lens"]  # a deferred import
    assert "nbdatalens.roles" in EDGES["nbdatalens.table"]


@pytest.mark.parametrize("module", sorted(EDGES))
def test_no_import_cycle(module):
    cycle = _cycle_from(module, EDGES)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize(
    "module", sorted(m for m in EDGES if not m.startswith(UPPER[0]) and m not in UPPER[1:])
)
def test_data_metrics_and_issues_never_import_views_or_the_lens(module):
    upward = sorted(t for t in EDGES[module] if t.startswith(UPPER[0]) or t in UPPER[1:])
    assert not upward, f"{module} imports {upward}: the data layer must not know the widgets"


def test_the_checker_finds_a_planted_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle_from("a", edges) == ["a", "b", "c", "a"]
    assert _cycle_from("d", edges) is None
