"""The layout stays readable: no module of pipeline/ over 600 lines, and no import cycle among the
modules that import each other when they load (imports inside functions and under TYPE_CHECKING
are deferred on purpose and do not count)."""
from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PIPELINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _load_time_imports(path: Path, name: str) -> set[str]:
    """Modules of ``pipeline`` that ``name`` imports at its top level."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else (node.module or "")
            if target.startswith("pipeline"):
                if node.module:  # ``from . import x`` loads the submodule x, not the package's body
                    found.add(target)
                found.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pipeline"))
    return found


def test_no_module_is_over_600_lines():
    long = {str(p.relative_to(PIPELINE)): n for p in PIPELINE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}


def test_no_import_cycle_at_load_time():
    modules = {_module_name(p): p for p in PIPELINE.rglob("*.py")}
    graph = {m: {t for t in _load_time_imports(p, m) if t in modules and t != m} for m, p in modules.items()}
    cycles, state = [], {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = "open"
        for t in sorted(graph[m]):
            if state.get(t) == "open":
                cycles.append(stack[stack.index(t):] + [t] if t in stack else [m, t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_the_cycle_check_sees_a_cycle(tmp_path, monkeypatch):
    """The check itself can fail: two modules importing each other at load time are found."""
    pkg = tmp_path / "pipeline"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "a.py").write_text("from .b import x\n", encoding="utf-8")
    (pkg / "b.py").write_text("from .a import y\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "PIPELINE", pkg)
    try:
        test_no_import_cycle_at_load_time()
    except AssertionError:
        return
    raise AssertionError("a cycle between pipeline.a and pipeline.b was not found")
