"""Imports point one way (docs/architecture.md): no two modules of pyioctl import each other,
late imports inside functions included, and the token layer never reaches up into the
surfaces. Imports under ``if TYPE_CHECKING:`` are for annotations only and run never."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

KNOWN_CYCLES: set[frozenset[str]] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for path in (SRC / "pyioctl").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _runtime_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the pyioctl modules it imports (a name imported from a package counts as
    the submodule when there is one, else as the package)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in modules)
                continue
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            if node.level:
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target not in modules:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                graph[name].add(sub if sub in modules else target)
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_late_import() -> None:
    # policy/engine.py and policy/loader.py were such a pair, tied by a late import.
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert cycles(graph) == {frozenset({"a", "b"})}


def test_no_module_imports_back() -> None:
    assert cycles(import_graph()) - KNOWN_CYCLES == set()


def test_tokens_never_import_the_surfaces() -> None:
    graph = import_graph()
    for name, imported in graph.items():
        if name.startswith(("pyioctl.jwt", "pyioctl.policy")):
            assert not {i for i in imported if i.startswith(("pyioctl.cli", "pyioctl.web"))}, name
        if name.startswith("pyioctl.jwt"):
            assert not {i for i in imported if i.startswith("pyioctl.policy")}, name
        if name.startswith("pyioctl.web"):
            assert not {i for i in imported if i.startswith("pyioctl.cli")}, name


def test_policy_uses_only_the_public_jwt_api() -> None:
    graph = import_graph()
    for name, imported in graph.items():
        if name.startswith(("pyioctl.policy", "pyioctl.web")):
            internal = {i for i in imported if i.startswith("pyioctl.jwt.")}
            assert not internal, f"{name} imports {internal}: use pyioctl.jwt's public names"
