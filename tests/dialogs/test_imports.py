"""The import graph of each of our packages (bot/, dialogs/, storage/, protocols/) has no
cycle, counting imports inside functions too (a lazy import is how a cycle hides), and
dialogs/ never imports bot/ (docs/DESIGN.md: bot → dialogs → storage → protocols). Read from
the source with ast, so nothing is imported to check it."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).parents[2]
PACKAGE = ROOT / "dialogs"


def imports_of(path: pathlib.Path, modules: set[str], package: str = "dialogs") -> set[str]:
    """The modules of `package` that `path` imports, anywhere in the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == package:
                found |= {alias.name for alias in node.names if alias.name in modules}
            elif node.module.startswith(package + "."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.level > 0:  # relative: from . import x
            found |= {node.module or alias.name for alias in node.names} & modules
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith(package + ".")}
    return found - {path.stem}


def graph(package: str = "dialogs") -> dict[str, set[str]]:
    paths = list((ROOT / package).glob("*.py"))
    modules = {path.stem for path in paths}
    return {path.stem: imports_of(path, modules, package) for path in paths}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), plus self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert cycles({"a": {"a"}}) == [["a"]]


def test_the_reader_sees_lazy_and_aliased_imports(tmp_path):
    source = tmp_path / "x.py"
    source.write_text("from dialogs import coach_words as words\n"
                      "def f():\n    from dialogs.checkin import FORM\n    import dialogs.stop\n")  # fmt: skip
    assert imports_of(source, {"coach_words", "checkin", "stop", "x"}) == {"coach_words", "checkin", "stop"}


def test_dialogs_has_no_import_cycle():
    assert cycles(graph()) == []


@pytest.mark.parametrize("package", ["bot", "storage", "protocols"])
def test_the_other_packages_have_no_import_cycle(package):
    assert cycles(graph(package)) == []


def test_dialogs_never_imports_bot():
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []  # fmt: skip
            assert not any(n == "bot" or n.startswith("bot.") for n in names), (path.name, names)
