"""A sentence kept for later: its English text and values, worded in the reader's language each time it is shown.

Background work (the outbox, the reminder loop) runs in no page's language, and what it records is read later by
people of either language: so the email log, the batches and the reminder reports keep a `Phrase`, never the words.
The English text is the catalogue's message id; a text Mailroom no longer has still shows, in English.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.i18n import DEFAULT_LANGUAGE, _, ngettext, using_language


@dataclass(frozen=True)
class Phrase:
    """`text` is the English message (made with `phrase()`, which marks it for the catalogue); `values` fill its
    {placeholders}, and may be phrases themselves (a document's type). `plural` and `count` choose the form as
    ngettext does. `literal` is a text that is not Mailroom's to translate (a program's own words, or words an older
    Mailroom stored): shown exactly as it is."""

    text: str
    values: tuple[tuple[str, str | int | Phrase], ...] = ()
    plural: str = ''
    count: int | None = None
    literal: bool = False

    def __str__(self) -> str:
        """The phrase in the current language; English where a translation is missing or does not fit its values."""
        if self.literal:
            return self.text
        values = {name: str(value) if isinstance(value, Phrase) else value for name, value in self.values}
        english = self.plural if self.plural and self.count != 1 else self.text
        if self.plural and self.count is not None:
            worded = ngettext(self.text, self.plural, self.count)
        else:
            worded = _(self.text)
        for form in (worded, english):
            try:
                return form.format(**values)
            except (KeyError, IndexError, ValueError):  # a translation or a text that no longer fits: the next one
                continue
        return english

    def english(self) -> str:
        """As written in the code: for what must not change with the language (a JSON key a script relies on)."""
        with using_language(DEFAULT_LANGUAGE):
            return str(self)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {'text': self.text}
        if self.values:
            data['values'] = {name: _stored(value) for name, value in self.values}
        if self.plural:
            data |= {'plural': self.plural, 'count': self.count}
        if self.literal:
            data['literal'] = True
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Phrase:
        """A stored phrase; a plain string (what older versions stored) is shown as it is."""
        if not isinstance(data, Mapping):
            return cls(str(data or ''), literal=True)
        values = data.get('values')
        values = values if isinstance(values, Mapping) else {}
        count = data.get('count')
        return cls(
            str(data.get('text', '')),
            tuple((str(name), _loaded(value)) for name, value in values.items()),
            str(data.get('plural', '')),
            count if isinstance(count, int) else None,
            bool(data.get('literal', False)),
        )

    def __bool__(self) -> bool:
        return bool(self.text)


class PhraseError(ValueError):
    """A refusal in Mailroom's words, kept as a `Phrase`: worded each time it is read, so one kept for later (a send
    the outbox could not make, in the email log) reads in the language of whoever reads it."""

    def __init__(self, said: Phrase) -> None:
        super().__init__(said.text)
        self.said = said

    @property
    def problem(self) -> str:
        """In the current language."""
        return str(self.said)

    def __str__(self) -> str:
        return self.problem


def phrase(text: str, **values: str | int | Phrase) -> Phrase:
    """`phrase('{name} has no email address.', name=name)`: worded when shown, in the reader's language (tools/i18n.py
    finds the text, as it finds `_()`'s)."""
    return Phrase(text, tuple(values.items()))


def plural_phrase(singular: str, plural: str, count: int, /, **values: str | int | Phrase) -> Phrase:
    """As ngettext: `plural_phrase('{days} day', '{days} days', days, days=days)`."""
    return Phrase(singular, tuple(values.items()), plural, count)


def literal(text: str) -> Phrase:
    """Words that are not Mailroom's to translate (a server's reply, a program's message), kept as they are."""
    return Phrase(text, literal=True)


def stored_text(text: str | Phrase) -> str | dict[str, Any]:
    """A text as a record keeps it: a phrase as its parts; words (a record from before phrases) as they are."""
    return text.to_dict() if isinstance(text, Phrase) else text


def loaded_text(data: Any) -> str | Phrase:
    """A text read back from a record: a phrase, or the words an older version stored (shown as they are)."""
    return Phrase.from_dict(data) if isinstance(data, Mapping) else str(data or '')


def _stored(value: str | int | Phrase) -> Any:
    return {'phrase': value.to_dict()} if isinstance(value, Phrase) else value


def _loaded(value: Any) -> str | int | Phrase:
    if isinstance(value, Mapping):
        return Phrase.from_dict(value.get('phrase'))
    return value if isinstance(value, int) else str(value)
