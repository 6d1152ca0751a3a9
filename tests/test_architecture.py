"""The shape of the code: layers without cycles, schemes apart, small modules and functions.

These read the source (no imports run), so a broken module fails here with its name.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("workbench", "app_common")
MAX_LINES = 600
SCHEMES = ROOT / "workbench" / "schemes"
DEVELOPERS = ROOT / "docs" / "developers.md"

# workbench/'s folders from the bottom up; folders on one line are one layer (they may import
# each other). Below them all are the modules at the top of workbench/ (isolation.py,
# safe_tables.py: they import no folder); __main__.py runs the command line, at the top.
LAYERS = (
    ("cohort",),
    ("outcomes",),
    ("schemes",),
    ("scenarios",),
    ("term", "volunteers", "prepare"),
    ("review",),
    ("access",),
    ("cli",),
)

# Function-local imports of the project left in workbench/, module -> why it cannot import at
# the top. Everything else imports at the top, where the layer and cycle checks see it first.
LOCAL_IMPORTS_ALLOWED: dict[str, str] = {}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _package(path: Path) -> str:
    """The package a module's relative imports start from."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts if path.name == "__init__.py" else parts[:-1])


def _named(node: ast.Import | ast.ImportFrom, package: str) -> set[str]:
    """The modules one import statement names (relative ones resolved from ``package``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    module = node.module or ""
    if node.level:
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        module = ".".join([*base, module] if module else base)
    names = set()
    for alias in node.names:
        full = f"{module}.{alias.name}"
        names.add(full if full in MODULES else module)
    return names


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= _named(node, _package(path))
    return names


def _local_imports(path: Path) -> list[str]:
    """``line: module`` for every project module imported inside a function or class."""
    found: list[str] = []

    def visit(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if inside and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend(
                    f"{child.lineno}: {name}"
                    for name in sorted(_named(child, _package(path)))
                    if name.split(".")[0] in PACKAGES
                )
            scope = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            visit(child, inside or isinstance(child, scope))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


GRAPH = {
    name: {m for m in _imports(path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
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

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_even_through_function_local_imports():
    assert _cycles() == []


def _layer(name: str) -> int:
    """0 for the modules at the top of workbench/, then 1, 2, ... up LAYERS."""
    parts = name.split(".")
    if len(parts) > 1 and parts[1] == "__main__":
        return len(LAYERS) + 1
    for number, folders in enumerate(LAYERS, start=1):
        if len(parts) > 1 and parts[1] in folders:
            return number
    if len(parts) == 1 or not (ROOT / "workbench" / parts[1]).is_dir():
        return 0
    raise AssertionError(f"workbench/{parts[1]}/ is not in LAYERS: give it its place")


def test_every_folder_of_the_core_has_a_layer():
    for name in MODULES:
        if name.startswith("workbench"):
            _layer(name)


def test_a_layer_never_imports_a_layer_above_it():
    """cohort < outcomes < schemes < scenarios < term, volunteers, prepare < review < access
    < cli, with the modules at the top of workbench/ below them all, for every module."""
    upward = [
        f"{name} -> {dep}"
        for name, deps in sorted(GRAPH.items())
        if name.startswith("workbench")
        for dep in sorted(deps)
        if dep.startswith("workbench") and _layer(dep) > _layer(name)
    ]
    assert upward == []


def test_the_layers_in_the_docs_are_the_layers_the_tests_keep():
    """docs/developers.md lists the layers bottom up, one numbered line each."""
    text = DEVELOPERS.read_text(encoding="utf-8")
    listed = [
        tuple(n.rstrip("/").removesuffix(".py") for n in re.findall(r"`([^`]+)`", names))
        for names in re.findall(r"^\d+\. ((?:`[^`]+`(?:, )?)+):", text, flags=re.MULTILINE)
    ]
    top = tuple(
        p.stem for p in sorted((ROOT / "workbench").glob("*.py")) if not p.stem.startswith("__")
    )
    assert listed == [top, *LAYERS]


def test_the_core_imports_the_project_at_the_top_of_each_module():
    """A function-local import hides a layer or a cycle until the function runs."""
    local = {
        name: found
        for name, path in MODULES.items()
        if name.startswith("workbench") and (found := _local_imports(path))
    }
    assert {n: f for n, f in local.items() if n not in LOCAL_IMPORTS_ALLOWED} == {}
    assert set(LOCAL_IMPORTS_ALLOWED) <= set(local), "an allowed module needs no exception now"


def test_the_core_never_imports_streamlit():
    for name, path in MODULES.items():
        if name.startswith("workbench"):
            streamlit = {m for m in _imports(path) if m.split(".")[0] == "streamlit"}
            assert not streamlit, f"{name} imports {streamlit}"


def test_a_scheme_never_imports_another_scheme():
    schemes = [p.name for p in SCHEMES.iterdir() if (p / "__init__.py").exists()]
    assert {"mentoring", "pass_sessions", "groups"} <= set(schemes)
    for name, deps in GRAPH.items():
        for scheme in schemes:
            if name.startswith(f"workbench.schemes.{scheme}"):
                others = {
                    d
                    for d in deps
                    for other in schemes
                    if other != scheme and d.startswith(f"workbench.schemes.{other}")
                }
                assert not others, f"{name} imports {others}"


def test_only_the_registry_and_above_know_every_scheme():
    """The lower layers (cohort, outcomes) never import a scheme."""
    for name, deps in GRAPH.items():
        if name.startswith(("workbench.cohort", "workbench.outcomes")):
            assert not {d for d in deps if d.startswith("workbench.schemes")}, name


@pytest.mark.parametrize("folder", ["workbench", "app_common", "app_pages"])
def test_no_module_is_over_600_lines(folder):
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / folder).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_no_function_is_graded_e_or_f():
    from radon.complexity import cc_rank, cc_visit

    bad = []
    for folder in ("workbench", "app_common", "app_pages"):
        for path in (ROOT / folder).rglob("*.py"):
            for block in cc_visit(path.read_text(encoding="utf-8")):
                if cc_rank(block.complexity) in ("E", "F"):
                    bad.append(
                        f"{path.relative_to(ROOT)}:{block.lineno} {block.name} "
                        f"({cc_rank(block.complexity)}, {block.complexity})"
                    )
    assert bad == []


def test_the_tree_is_formatted_and_linted():
    for command in (["ruff", "format", "--check", "."], ["ruff", "check", "."]):
        done = subprocess.run(
            [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_tests_import_the_project_plainly():
    """A broken import must fail a test, never skip it."""
    for path in (ROOT / "tests").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") == "importorskip"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).split(".")[0]
                in ("workbench", "app_common", "app_pages")
            ):
                pytest.fail(f"{path.name}:{node.lineno} importorskip({node.args[0].value!r})")
