"""The layout holds: core/ is the domain with no front end, no web page and no storage; front ends live outside it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FRONT_END_MODULES = {'argparse', 'getpass', 'uvicorn', 'starlette', 'nicegui', 'tinydb'}


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split('.')[0])
    return names


def prints(tree: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {'print', 'input'}
        for node in ast.walk(tree)
    )


@pytest.mark.parametrize('path', sorted(ROOT.joinpath('core').rglob('*.py')), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_holds_no_terminal_front_end_web_server_page_or_storage(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding='utf-8'))
    assert imported_modules(tree) & FRONT_END_MODULES == set()
    assert not prints(tree), 'core/ returns values; cli/ and ui/ show them'


def test_the_terminal_commands_and_the_relay_server_are_in_cli() -> None:
    front_ends = {path.name for path in ROOT.joinpath('cli').glob('*.py')}
    assert {'check.py', 'relay.py', 'relay_app.py', 'relay_server.py'} <= front_ends


def page_imports(tree: ast.AST) -> set[str]:
    """The page modules (ui/*_page.py) a module imports, however it names them."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f'{node.module}.{alias.name}' for alias in node.names)
    return {name for name in names if name.startswith('ui.') and name.endswith('_page')}


def test_pages_do_not_import_pages() -> None:
    """What two pages share is in ui/components.py; only ui/app.py, which registers them, imports the pages."""
    modules = [path for path in sorted(ROOT.joinpath('ui').glob('*.py')) if path.name != 'app.py']
    assert len(modules) > 5
    imports = {path.name: page_imports(ast.parse(path.read_text(encoding='utf-8'))) for path in modules}
    assert {name: pages for name, pages in imports.items() if pages} == {}
