"""No import cycle between the apps of the kuzet package or between its files.

The graph is read from the source with ``ast``: every ``import`` and ``from … import``,
including those inside functions (a local import hides a cycle from Python, not from the
design), but not those under ``if TYPE_CHECKING:``. Tests, conftest files and migrations
are not part of it. An app is ``kuzet.<app>``; a top-level module (``kuzet.urls``,
``kuzet.settings``) is a node of its own. Django's dotted strings (``ROOT_URLCONF``,
``include("kuzet.visits.urls")``) are resolved lazily by Django and are not imports here.
"""

import ast
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # …/kuzet
SKIPPED_DIRS = {"tests", "migrations"}


@dataclass(frozen=True, order=True)
class Site:
    """Where an import is written."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


Graph = dict[str, dict[str, list[Site]]]  # importer → imported → where


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    files = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).parts
        if SKIPPED_DIRS.intersection(relative[:-1]) or path.name == "conftest.py":
            continue
        files[module_name(path)] = path
    return files


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[tuple[str, ...], int]]:
    """Every import outside ``if TYPE_CHECKING:`` blocks, as (what it may name, line): for
    ``from a import b`` that is the module ``a.b`` if there is one, else ``a``."""
    found: list[tuple[tuple[str, ...], int]] = []
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(((alias.name,), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            origin = node.module or ""
            if node.level:  # relative: from the package, or from a parent of it
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            found.extend(((f"{origin}.{a.name}", origin), node.lineno) for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def file_graph() -> Graph:
    files = source_files()
    graph: Graph = {name: defaultdict(list) for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = str(path.relative_to(PACKAGE.parent))
        for candidates, line in imports(tree, name, path.name == "__init__.py"):
            target = next((c for c in candidates if c in files), None)
            if target is not None and target != name:
                graph[name][target].append(Site(where, line))
    return graph


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def app_graph(files: Graph) -> Graph:
    """The file graph seen from above: one edge between two apps for their files' imports."""
    graph: Graph = {app_of(name): defaultdict(list) for name in files}
    for importer, targets in files.items():
        for target, sites in targets.items():
            if app_of(target) != app_of(importer):
                graph[app_of(importer)][app_of(target)].extend(sites)
    return graph


def shortest_path(graph: Graph, start: str, end: str) -> list[str] | None:
    before: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == end:
            path = [node]
            while (previous := before[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for target in sorted(graph.get(node, {})):
            if target not in before:
                before[target] = node
                queue.append(target)
    return None


def steps(cycle: list[str]) -> list[tuple[str, str]]:
    return list(zip(cycle, [*cycle[1:], cycle[0]], strict=True))


def describe(cycle: list[str], graph: Graph) -> str:
    lines = [" -> ".join([*cycle, cycle[0]])]
    for importer, imported in steps(cycle):
        sites = sorted(set(graph[importer][imported]))
        more = f" (and {len(sites) - 1} more)" if len(sites) > 1 else ""
        lines.append(f"    {importer} -> {imported}  at {sites[0]}{more}")
    return "\n".join(lines)


def problems(graph: Graph) -> list[str]:
    """The cycles of ``graph``, each once, in words."""
    errors: list[str] = []
    reported: set[frozenset[str]] = set()
    for importer in sorted(graph):
        for imported in sorted(graph[importer]):
            back = shortest_path(graph, imported, importer)
            if back is None:
                continue
            cycle = [importer, *back[:-1]]
            if frozenset(steps(cycle)) not in reported:
                reported.add(frozenset(steps(cycle)))
                errors.append(f"import cycle: {describe(cycle, graph)}")
    return errors


def test_no_import_cycle_between_apps() -> None:
    graph = app_graph(file_graph())
    assert {"core", "visits", "dashboard", "urls"} <= set(graph)
    errors = problems(graph)
    assert not errors, "\n\n".join(errors)


def test_no_import_cycle_between_files() -> None:
    graph = file_graph()
    assert "kuzet.visits.services.lifecycle" in graph["kuzet.visits.views.review"]
    errors = problems(graph)
    assert not errors, "\n\n".join(errors)
