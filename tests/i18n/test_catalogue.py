"""The Icelandic catalogue is complete: every text marked in the code has its translation and its placeholders."""

from __future__ import annotations

import pytest

from core.i18n import _, ngettext, pgettext, using_language
from core.i18n.catalogue import catalogue, read_catalogue
from tools import i18n as tool


def test_every_marked_text_has_icelandic_with_the_same_placeholders() -> None:
    assert tool.problems() == []


def test_the_check_finds_a_text_with_no_icelandic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tool, 'translated_ids', dict)
    assert any("no Icelandic for 'Email settings'" in problem for problem in tool.problems())


def test_the_check_finds_a_translation_that_loses_a_placeholder(monkeypatch: pytest.MonkeyPatch) -> None:
    marked = [message for message in tool.extract() if isinstance(message.id, str) and '{' in message.id]
    if not marked:
        pytest.skip('no text with a placeholder is marked yet')
    target = marked[0].id
    monkeypatch.setattr(tool, 'translated_ids', lambda: {target: ['án staðgengils']})
    assert any('placeholders differ' in problem and repr(target) in problem for problem in tool.problems())


def test_the_catalogue_uses_the_icelandic_plural_rule() -> None:
    plural = read_catalogue('is').plural_expr
    assert plural == '(n % 10 != 1 || n % 100 == 11)'
    translations = catalogue('is')
    assert [translations.plural(n) for n in (1, 21, 11, 2, 111)] == [0, 0, 1, 1, 1]


def test_a_marked_text_reads_in_the_current_language_and_english_stays_as_written() -> None:
    assert _('Email settings') == 'Email settings'
    with using_language('is'):
        assert _('Email settings') == 'Tölvupóststillingar'
        assert _('A text no catalogue holds') == 'A text no catalogue holds'
    assert ngettext('{count} email', '{count} emails', 1) == '{count} email'


def test_each_text_is_translated_in_one_catalogue_file_only() -> None:
    assert tool.texts_in_several_files() == []


def test_one_english_word_with_two_meanings_gets_two_icelandic_words() -> None:
    with using_language('is'):
        assert (_('Email'), pgettext('field', 'Email')) == ('Tölvupóstur', 'Netfang')
