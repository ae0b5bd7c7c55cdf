"""The package's modules form layers: no import circle, no private name reached
across modules.

Read from the sources with ``ast`` (nothing is imported): every ``import``
counts, at module level or inside a function (a lazy import is still a
dependency).  A name another module uses is public in its own module (no
leading underscore); the module itself may stay private (``fastpen._path``).
"""
import ast
import importlib.util
import pathlib

import pytest

# the package that ``import fastpen`` finds (a checkout or an installed wheel, whose
# .py and .pyx sources are the same), located without importing it
PACKAGE = pathlib.Path(importlib.util.find_spec("fastpen").submodule_search_locations[0]).resolve()


def _module_name(path):
    """Dotted name of a source file under the package: fastpen._path, fastpen.datasets."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _sources():
    """{module name: path} of the package's Python sources, and its compiled modules'
    names (.pyx: they are modules others import, with no Python source here)."""
    sources = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    compiled = {_module_name(p) for p in PACKAGE.rglob("*.pyx")}
    return sources, compiled


def _is_package(path):
    return path.name == "__init__.py"


def _resolve(module, path, level, target):
    """Absolute name of ``from <level dots><target> import ...`` in ``module``."""
    if level == 0:
        return target
    base = module.split(".")
    if not _is_package(path):
        base = base[:-1]                 # a module's package
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


class _Imports:
    """What one source file takes from the package's modules."""

    def __init__(self, module, path, known):
        self.module, self.path, self.known = module, path, known
        self.edges = {}          # imported module -> first line
        self.private = []        # (line, "module.name") of underscore names used
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        aliases = {}             # local name -> package module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "fastpen":
                        self._edge(alias.name, node.lineno)
                        if alias.asname:
                            aliases[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(module, path, node.level, node.module)
                if source.split(".")[0] != "fastpen":
                    continue
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in known:        # from . import _batch
                        self._edge(submodule, node.lineno)
                        aliases[alias.asname or alias.name] = submodule
                    else:
                        self._edge(source, node.lineno)
                        self._name(source, alias.name, node.lineno)
        for node in ast.walk(tree):              # _path._x, fastpen._path._x
            if isinstance(node, ast.Attribute):
                owner = _dotted(node.value)
                owner = aliases.get(owner, owner)
                if owner in known:
                    self._name(owner, node.attr, node.lineno)

    def _edge(self, target, line):
        if target != self.module and target in self.known:
            self.edges.setdefault(target, line)

    def _name(self, owner, name, line):
        if owner != self.module and name.startswith("_") and not name.startswith("__"):
            self.private.append((line, f"{owner}.{name}"))


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _graph():
    sources, compiled = _sources()
    known = set(sources) | compiled
    return {name: _Imports(name, path, known) for name, path in sources.items()}


def _cycles(edges):
    """Every strongly connected component of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    graph = _graph()
    cycles = _cycles({name: set(imports.edges) for name, imports in graph.items()})
    described = [" <-> ".join(c) + ": " + "; ".join(
        f"{a} imports {b} (line {graph[a].edges[b]})"
        for a in c for b in c if b in graph[a].edges) for c in cycles]
    assert not cycles, "\n".join(described)


def test_no_private_name_across_modules():
    graph = _graph()
    reached = [f"{imports.path.relative_to(PACKAGE.parent)}:{line}: {name}"
               for imports in graph.values() for line, name in imports.private]
    assert not reached, "\n".join(reached)


# ------------------------------------------------- the checker itself, on toy sources


def _toy(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    known = {f"fastpen.{pathlib.Path(n).stem}" for n in files}
    return {f"fastpen.{pathlib.Path(n).stem}":
            _Imports(f"fastpen.{pathlib.Path(n).stem}", tmp_path / n, known) for n in files}


def test_checker_sees_lazy_circles_and_private_names(tmp_path):
    graph = _toy(tmp_path, {
        "_a.py": "from ._b import public\n",
        "_b.py": "def public():\n    from . import _c\n    return _c._hidden\n",
        "_c.py": "import fastpen._a as a\nx = a.public\n",
        "_d.py": "from ._a import _secret, __doc__\n",
    })
    cycles = _cycles({name: set(i.edges) for name, i in graph.items()})
    assert cycles == [["fastpen._a", "fastpen._b", "fastpen._c"]]
    private = sorted(name for i in graph.values() for _, name in i.private)
    assert private == ["fastpen._a._secret", "fastpen._c._hidden"]


@pytest.mark.parametrize("module,path,level,target,expected", [
    ("fastpen._path", "_path.py", 1, "_problem", "fastpen._problem"),
    ("fastpen._path", "_path.py", 1, None, "fastpen"),
    ("fastpen.datasets", "datasets/__init__.py", 1, "_base", "fastpen.datasets._base"),
    ("fastpen.datasets._base", "datasets/_base.py", 2, "_io", "fastpen._io"),
])
def test_relative_imports_resolve(module, path, level, target, expected):
    assert _resolve(module, pathlib.Path(path), level, target) == expected
