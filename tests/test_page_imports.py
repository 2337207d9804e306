"""Pages do not import pages: what two pages share lives in ui/components.py, so each page reads on its own."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parent.parent / 'ui'


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding='utf-8'))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f'{node.module}.{alias.name}' for alias in node.names)
    return found


def test_only_the_app_imports_page_modules() -> None:
    """ui/app.py registers the pages; every other module of ui/ takes shared widgets from ui/components."""
    offenders = {
        path.name: sorted(name for name in imported_modules(path) if name.startswith('ui.') and name.endswith('_page'))
        for path in sorted(UI.glob('*.py'))
        if path.name != 'app.py'
    }
    assert {name: pages for name, pages in offenders.items() if pages} == {}
