"""The shape of the code: layers without cycles, schemes apart, small modules and functions.

These read the source (no imports run), so a broken module fails here with its name.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("workbench", "app_common")
MAX_LINES = 600
SCHEMES = ROOT / "workbench" / "schemes"


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every project module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                names.add(full if full in MODULES else node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


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
