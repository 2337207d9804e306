"""Every text a page shows goes through the translator: a literal handed to a NiceGUI element unmarked would stay
English on an Icelandic page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TEXT_KEYWORDS = {'text', 'label', 'placeholder', 'hint', 'title', 'caption', 'message', 'content', 'suffix', 'prefix'}
TEXT_ELEMENTS = {
    'label',
    'button',
    'notify',
    'markdown',
    'input',
    'textarea',
    'number',
    'checkbox',
    'switch',
    'select',
    'radio',
    'toggle',
    'tooltip',
    'link',
    'item_label',
    'tab',
    'expansion',
    'chip',
    'badge',
    'menu_item',
    'upload',
    'date',
    'page_title',
}
NOT_PROSE = {
    'Mailroom',  # the product's name
    ' · Mailroom',
    ' · Message-ID ',  # a header's name, as the RFC spells it
    'Delivered-To: …\nAuthentication-Results: …\nDKIM-Signature: …',  # header names, as an example of what to paste
}
WORDS = re.compile(r'[A-Za-z]{2,}')


def shown_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """Literal strings (or f-strings with literal words) given to an element or a notification as its text."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in TEXT_ELEMENTS:
            continue
        candidates = node.args[:1] + [keyword.value for keyword in node.keywords if keyword.arg in TEXT_KEYWORDS]
        for value in candidates:
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value in NOT_PROSE:
                continue
            if isinstance(value, ast.Constant) and isinstance(value.value, str) and WORDS.search(value.value):
                found.append((value.lineno, value.value))
            elif isinstance(value, ast.JoinedStr):
                literal = ''.join(str(part.value) for part in value.values if isinstance(part, ast.Constant))
                if WORDS.search(literal) and literal not in NOT_PROSE:
                    found.append((value.lineno, literal))
    return found


@pytest.mark.parametrize('path', sorted(ROOT.joinpath('ui').glob('*.py')), ids=lambda p: p.name)
def test_pages_hand_their_elements_only_translated_texts(path: Path) -> None:
    unmarked = [f'{line}: {text!r}' for line, text in shown_literals(ast.parse(path.read_text(encoding='utf-8')))]
    assert unmarked == []
