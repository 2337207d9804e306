"""The Icelandic catalogue is complete: every text marked in the code has its translation and its placeholders."""

from __future__ import annotations

import pytest

from core.i18n import _, ngettext, pgettext, using_language
from core.i18n.catalogue import catalogue, translations_from_po
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
    translations = catalogue('is')
    assert translations.info()['plural-forms'] == 'nplurals=2; plural=(n % 10 != 1 || n % 100 == 11);'
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


def test_the_app_reads_every_translation_as_babel_reads_it() -> None:
    """The app's own `.po` reader (fast at start-up) against Babel's, on every message of every catalogue file."""
    translations = catalogue('is')
    checked = 0
    for key, strings in tool.translated_ids().items():
        if not strings or not all(strings):
            continue
        context, _separator, ident = key.rpartition('\x04') if isinstance(key, str) else ('', '', key)
        if isinstance(ident, tuple):
            singular, plural = ident
            read = [translations.ngettext(singular, plural, n) for n in (1, 2)]
        else:
            read = [translations.pgettext(context, ident) if context else translations.gettext(ident)]
        assert read == strings, key
        checked += 1
    assert checked > 1000


TRICKY_PO = r"""msgid ""
msgstr ""
"Language: is\n"
"Plural-Forms: nplurals=2; plural=(n % 10 != 1 || n % 100 == 11);\n"

#: a comment
msgid ""
"A text over "
"two lines with \"quotes\", a \\ and a\n"
"newline"
msgstr ""
"Texti á "
"tveimur línum með \"gæsalöppum\", \\ og\n"
"línubili"

msgctxt "field"
msgid "Email"
msgstr "Netfang"

msgid "Email"
msgstr "Tölvupóstur"

#, python-format, fuzzy
msgid "Unsure"
msgstr "Óviss"

msgid "Untranslated"
msgstr ""

msgid "{count} day"
msgid_plural "{count} days"
msgstr[0] "{count} dagur"
msgstr[1] "{count} dagar"

#~ msgid "Obsolete"
#~ msgstr "Úrelt"
"""


def test_the_reader_reads_what_babel_reads_of_every_kind_of_entry() -> None:
    """Multi-line strings, escapes, a context, a plural, fuzzy, untranslated and obsolete entries."""
    from io import BytesIO

    from babel.messages.pofile import read_po

    babel = {
        (message.context, message.id): message.string
        for message in read_po(BytesIO(TRICKY_PO.encode()), locale='is')
        if message.id and message.string and all(message.string) and not message.fuzzy
    }
    ours = translations_from_po([TRICKY_PO])
    multi_line = 'A text over two lines with "quotes", a \\ and a\nnewline'
    read = {
        (None, multi_line): ours.gettext(multi_line),
        ('field', 'Email'): ours.pgettext('field', 'Email'),
        (None, 'Email'): ours.gettext('Email'),
        (None, ('{count} day', '{count} days')): (
            ours.ngettext('{count} day', '{count} days', 21),
            ours.ngettext('{count} day', '{count} days', 11),
        ),
    }
    assert read == babel
    assert read[(None, multi_line)] == 'Texti á tveimur línum með "gæsalöppum", \\ og\nlínubili'
    assert [ours.gettext(text) for text in ('Unsure', 'Untranslated', 'Obsolete')] == [
        'Unsure',
        'Untranslated',
        'Obsolete',
    ]
