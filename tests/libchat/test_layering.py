"""The house's layering, read from the code's own imports: the core imports no app, every app
imports only apps below it, and no modules import each other in a circle."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Each app and what it may import besides itself and the core. Dependencies point down:
# shell -> meetings, canned -> chats -> widgets, internalchat, faqs -> accounts -> departments
# -> core.
MAY_IMPORT = {
    "departments": set(),
    "accounts": {"departments"},
    "faqs": {"accounts"},
    "widgets": {"accounts", "departments"},
    "internalchat": {"accounts", "departments"},
    "chats": {"accounts", "departments", "widgets"},
    "meetings": {"accounts", "departments", "internalchat", "chats"},
    "reports": {"accounts", "departments", "widgets", "chats"},
    "canned": {"accounts", "departments", "widgets", "chats"},
}
APPS = set(MAY_IMPORT)
CORE = "libchat.core"


def _modules() -> dict[str, Path]:
    found = {}
    for package in [*APPS, "libchat"]:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Modules this file imports, those named only for type checkers included."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name in MODULES}


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _owner(module: str) -> str:
    if module == CORE or module.startswith(CORE + "."):
        return "core"
    top = module.split(".")[0]
    return "shell" if top == "libchat" else top


def test_the_core_imports_no_app_and_no_shell_module():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _owner(module) == "core"
        for target in targets
        if _owner(target) != "core"
    )
    assert wrong == []


@pytest.mark.parametrize("app", sorted(APPS))
def test_an_app_imports_only_the_core_and_the_apps_below_it(app):
    allowed = {app, "core", *MAY_IMPORT[app]}
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _owner(module) == app
        for target in targets
        if _owner(target) not in allowed
    )
    assert wrong == []


def test_no_modules_import_each_other_in_a_circle():
    # The module graph is acyclic: a depth-first walk never meets a module it is still inside.
    state: dict[str, str] = {}
    circles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if target == module or target.startswith(module + "."):
                continue  # a package importing its own modules
            if state.get(target) == "open":
                circles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert circles == []


def test_the_layering_rule_sees_a_wrong_import(tmp_path):
    # The checks above read imports correctly: a core module that imports an app is seen.
    sample = tmp_path / "sample.py"
    sample.write_text("from chats.models import PatronChat\nimport meetings.services\n")
    assert {"chats.models", "meetings.services"} <= _imports(sample)
