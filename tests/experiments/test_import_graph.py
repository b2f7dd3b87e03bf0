"""The shell's import graph: the modules of ``experiments/`` import each other without a cycle
(lazy imports inside functions included, so no cycle hides behind one), and only the entry point
knows the main job — nothing imports ``experiments.train``."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The ``experiments`` modules ``path`` imports anywhere in its body (``from experiments.x
    import y`` counts ``experiments.x.y`` when that is a module, else ``experiments.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module
                     for a in node.names]
        else:
            continue
        found |= {n for n in names if n in modules}
    return found


def import_graph() -> dict[str, set[str]]:
    files = sorted((ROOT / "experiments").rglob("*.py"))
    modules = {_module_name(f) for f in files}
    return {_module_name(f): _imports(f, modules) - {_module_name(f)} for f in files}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a list of modules, first == last), or ``None``."""
    state: dict[str, int] = {}                   # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m):
        state[m] = 1
        path.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (found := visit(n)):
                return found
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_cycle_finder_finds_a_planted_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_experiments_import_graph_is_acyclic_and_nothing_imports_the_entry_point():
    graph = import_graph()
    assert {"experiments.train", "experiments.runner", "experiments.paper_a.learned", "experiments.paper_b.learned",
            "experiments.paper_c.learned"} <= set(graph)
    assert _cycle(graph) is None, f"import cycle: {' -> '.join(_cycle(graph))}"
    importers = sorted(m for m, deps in graph.items() if "experiments.train" in deps)
    assert importers == [], f"{importers} import experiments.train (the entry point); import experiments.runner"
    # the generic job knows no system: no report, no system package
    assert not {d for d in graph["experiments.runner"] if d.startswith("experiments.paper_")}
    runner = (ROOT / "experiments" / "runner.py").read_text()
    assert not any(f"satjax.{s}" in runner for s in ("uplink", "downlink", "uav"))
