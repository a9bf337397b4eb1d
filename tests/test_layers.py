"""The package's layers and their import rules (docs/ARCHITECTURE.md, "Layers").

Every import counts, also those inside functions: a lazy import is still a
dependency.  A module may import its own layer and the layers its row lists;
nothing imports upward, and the import graph of orus/ has no cycle.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "orus"

# layer -> the layers it may import (besides its own)
RULES = {
    "base": set(),
    "bytecode": {"base"},
    "frontend": {"bytecode", "base"},
    "jit": {"bytecode", "base"},
    "tier2": {"jit", "bytecode", "base"},
    "host": {"jit", "bytecode", "base"},
    "api": {"frontend", "host", "tier2", "jit", "bytecode", "base"},
    "cli": {"api", "frontend", "host", "tier2", "jit", "bytecode", "base", "facade"},
    "notebook": {"api", "frontend", "host", "tier2", "jit", "bytecode", "base", "facade"},
    "facade": {"base", "api", "notebook"},
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if module == "orus":
        return "facade"
    second = parts[1]
    if second in ("errors", "diagnostics"):
        return "base"
    if second in ("bytecode", "frontend", "jit", "tier2", "host", "notebook"):
        return second
    if second in ("api", "program_cache", "session", "values", "autobuild"):
        return "api"
    if second in ("cli", "__main__", "repl", "autobuild_main"):
        return "cli"
    raise AssertionError("module %s has no layer: add it to tests/test_layers.py" % module)


def modules() -> dict:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        out[name] = path
    return out


def imports_of(name: str, path: Path, known) -> set:
    """Every orus module `name` imports (module level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            targets = [prefix + "." + a.name if prefix + "." + a.name in known else prefix
                       for a in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict:
    mods = modules()
    return {name: imports_of(name, path, mods) for name, path in mods.items()}


def test_every_import_follows_the_layer_rules():
    bad = []
    for name, deps in sorted(graph().items()):
        mine = layer_of(name)
        for dep in sorted(deps):
            theirs = layer_of(dep)
            if theirs != mine and theirs not in RULES[mine]:
                bad.append("%s (%s) imports %s (%s)" % (name, mine, dep, theirs))
    assert not bad, "imports against the layer rules:\n" + "\n".join(bad)


def test_base_and_bytecode_modules_import_no_other_layer():
    g = graph()
    for name, deps in g.items():
        if layer_of(name) == "base":
            assert not deps, "%s must import nothing of orus, imports %s" % (name, deps)


def test_the_import_graph_has_no_cycle():
    g = graph()
    index, low, stack, on, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles: %s" % cycles


def test_the_rules_see_lazy_imports():
    """A function-level import is a dependency too (the checker must see it)."""
    mods = modules()
    deps = imports_of("orus.program_cache", mods["orus.program_cache"], mods)
    assert "orus.frontend.modules" in deps


def _imported_by(statement: str) -> set:
    code = "import sys; %s; print('\\n'.join(sorted(sys.modules)))" % statement
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(ROOT), check=True).stdout
    return set(out.split())


def test_the_front_end_loads_no_vm():
    """The front end alone: no numpy, numba, llvmlite, ctypes, no VM."""
    loaded = _imported_by("import orus.frontend.compiler, orus.frontend.modules")
    for heavy in ("numpy", "numba", "llvmlite", "ctypes", "orus.jit", "orus.host", "orus.api"):
        assert heavy not in loaded, "importing the front end imported %s" % heavy


def test_importing_orus_does_no_work():
    loaded = _imported_by("import orus")
    for heavy in ("numpy", "numba", "ctypes", "orus.jit", "orus.host", "orus.api",
                  "orus.frontend"):
        assert heavy not in loaded, "import orus imported %s" % heavy
