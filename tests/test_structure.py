"""The shape of the package: no import cycle (imports inside functions included), no module over
400 lines and no function in tinyc/codegen over 80 lines. The KNOWN_* lists hold exceptions,
each at most its size; they are empty since issue 21's restructuring and may only shrink (the
tests say when an entry can go)."""
import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "tinyc"
MAX_MODULE_LINES = 400
MAX_CODEGEN_FUNCTION_LINES = 80

KNOWN_CYCLES: set[frozenset[str]] = set()
# module: its lines at most
KNOWN_LARGE_MODULES: dict[str, int] = {}
KNOWN_LONG_GENERATORS: dict[tuple[str, str], int] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """Module → the tinyc modules it imports, at any depth of the file (lazy imports included). A
    ``from package import submodule`` points at the submodule."""
    mods = _modules()
    graph = {m: set() for m in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)] if node.level else []
                target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
                subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in mods]
                found = subs + ([target] if len(subs) < len(node.names) else [])
            elif isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            else:
                continue
            graph[name] |= {m for m in found if m in mods and m != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), set(), [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.add(frozenset(comp))
    return out


def test_cycles_are_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {frozenset("abc")}
    assert cycles({"a": {"b"}, "b": set()}) == set()


def test_no_import_cycle_but_the_known_ones():
    found = cycles(import_graph())
    assert not found - KNOWN_CYCLES, f"new import cycle: {sorted(map(sorted, found - KNOWN_CYCLES))}"
    assert not KNOWN_CYCLES - found, (f"a known cycle is gone: remove it from KNOWN_CYCLES: "
                                      f"{sorted(map(sorted, KNOWN_CYCLES - found))}")


def test_no_module_grows_past_its_limit():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        limit = KNOWN_LARGE_MODULES.get(rel, MAX_MODULE_LINES)
        assert lines <= limit, f"{rel} has {lines} lines (at most {limit}): split it by concept"
        if rel in KNOWN_LARGE_MODULES and lines <= MAX_MODULE_LINES:
            raise AssertionError(f"{rel} is down to {lines} lines: remove it from KNOWN_LARGE_MODULES")


def test_no_code_generator_grows_past_its_limit():
    for path in sorted((PACKAGE / "codegen").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                lines = node.end_lineno - node.lineno + 1
                limit = KNOWN_LONG_GENERATORS.get((path.name, node.name), MAX_CODEGEN_FUNCTION_LINES)
                assert lines <= limit, f"{path.name}:{node.name} has {lines} lines (at most {limit})"
                if (path.name, node.name) in KNOWN_LONG_GENERATORS and lines <= MAX_CODEGEN_FUNCTION_LINES:
                    raise AssertionError(f"{path.name}:{node.name} is down to {lines} lines: remove it from "
                                         f"KNOWN_LONG_GENERATORS")
