"""The business's reminder schedule: stages some days after the due date, each with its own email text (in English
and in Icelandic, for customers of each language), on or off."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, supported
from core.i18n.phrase import Phrase, plural_phrase
from core.templates import EmailTemplate, Placeholder, TemplateError, template_problems

MAX_STAGE_DAYS = 3650
REMINDER_PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder('days_overdue', N_('How many days ago the invoice was due'), '14'),
    Placeholder('amount_overdue', N_('What is still to pay on it, after payments and credit notes'), N_('€1,240.00')),
)
_SIGNATURE = '\n\nKind regards,\n{{ business.name }}\n{{ business.phone }}'
_ATTACHED = '\n\nThe invoice is attached again. If you have paid in the meantime, thank you, and please ignore this.'


def new_stage_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class ReminderStage:
    """One reminder; `id` stays when its days or text change, so a stage already sent is never sent again.

    `subject` and `body` are the English text; `texts` the other languages' (Icelandic), each used for the customers
    of that language. A stage saved before it had texts gets Mailroom's own Icelandic text for it, if it has one."""

    id: str
    days: int
    subject: str
    body: str
    enabled: bool = True
    texts: Mapping[str, EmailTemplate] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def template(self) -> EmailTemplate:
        return EmailTemplate(subject=self.subject, body=self.body)

    def template_in(self, language: str) -> EmailTemplate:
        """The text for a customer of `language`; English where the stage has none in it."""
        language = supported(language)
        if language == DEFAULT_LANGUAGE:
            return self.template
        return self.texts.get(language) or _DEFAULT_TEXTS.get((self.id, language)) or self.template

    def templates(self) -> dict[str, EmailTemplate]:
        """Every language's text, as the page edits them."""
        return {language: self.template_in(language) for language in LANGUAGES}

    @property
    def label(self) -> str:
        """'3 days after the due date', in the current language."""
        return str(self.stored_label)

    @property
    def stored_label(self) -> Phrase:
        """The label as a record keeps it (a sent reminder, the email log), worded for whoever reads the record."""
        return plural_phrase(
            '{days} day after the due date', '{days} days after the due date', self.days, days=self.days
        )


@dataclass(frozen=True)
class ReminderSettings:
    """Off until the business turns reminders on: they go to customers unasked."""

    enabled: bool = False
    stages: tuple[ReminderStage, ...] = field(default_factory=lambda: default_stages())

    def active(self) -> tuple[ReminderStage, ...]:
        """The stages switched on, earliest first: what goes once reminders are on (the page shows it before)."""
        return tuple(sorted((s for s in self.stages if s.enabled), key=lambda s: s.days))

    def to_dict(self) -> dict[str, Any]:
        return {
            'enabled': self.enabled,
            'stages': [
                {
                    'id': s.id,
                    'days': s.days,
                    'subject': s.subject,
                    'body': s.body,
                    'enabled': s.enabled,
                    'texts': {k: {'subject': t.subject, 'body': t.body} for k, t in s.texts.items()},
                }
                for s in self.stages
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReminderSettings:
        stages = tuple(
            ReminderStage(
                id=str(row['id']),
                days=int(row.get('days', 0)),
                subject=str(row.get('subject', '')),
                body=str(row.get('body', '')),
                enabled=bool(row.get('enabled', True)),
                texts=_texts_from(row.get('texts')),
            )
            for row in data.get('stages', ())
            if isinstance(row, dict) and row.get('id')
        )
        return cls(enabled=bool(data.get('enabled', False)), stages=stages)


def _texts_from(data: Any) -> Mapping[str, EmailTemplate]:
    if not isinstance(data, dict):
        return MappingProxyType({})
    return MappingProxyType(
        {
            supported(language): EmailTemplate(str(text.get('subject', '')), str(text.get('body', '')))
            for language, text in data.items()
            if isinstance(text, dict) and supported(language) == language and language != DEFAULT_LANGUAGE
        }
    )


_KVEDJA = '\n\nMeð kveðju,\n{{ business.name }}\n{{ business.phone }}'
_AFTUR = (
    '\n\nReikningurinn fylgir aftur með. Ef þú hefur greitt í millitíðinni þökkum við fyrir og biðjum þig að líta'
    ' fram hjá þessu.'
)
_GJALDDAGI = (
    'reikningur **{{ reference }}** að upphæð {{ total }} var á gjalddaga {{ due_date }}, fyrir {{ days_overdue }}'
    ' dögum'
)
_OGREITT = ' Enn er ógreitt af honum: **{{ amount_overdue }}**.'
_DEFAULT_TEXTS: Mapping[tuple[str, str], EmailTemplate] = MappingProxyType(
    {
        ('first', 'is'): EmailTemplate(
            'Áminning: reikningur {{ reference }} frá {{ business.name }}',
            f'Góðan dag,\n\nVinsamleg áminning: {_GJALDDAGI}.{_OGREITT}' + _AFTUR + _KVEDJA,
        ),
        ('second', 'is'): EmailTemplate(
            'Önnur áminning: reikningur {{ reference }} er gjaldfallinn',
            f'Góðan dag,\n\nSamkvæmt gögnum okkar hefur ekki verið greitt að fullu: {_GJALDDAGI}.{_OGREITT}'
            ' Vinsamlegast greiddu hann, eða láttu okkur vita ef eitthvað er athugavert við hann.' + _AFTUR + _KVEDJA,
        ),
        ('final', 'is'): EmailTemplate(
            'Lokaáminning: reikningur {{ reference }} er {{ days_overdue }} dögum fram yfir gjalddaga',
            f'Góðan dag,\n\nGreiðsla hefur enn ekki borist: {_GJALDDAGI}.{_OGREITT} Vinsamlegast greiddu hann innan'
            ' sjö daga, eða hafðu samband við okkur til að semja um greiðslur.' + _AFTUR + _KVEDJA,
        ),
    }
)
"""Mailroom's own Icelandic text for each default stage, by (stage id, language)."""


def default_stages() -> tuple[ReminderStage, ...]:
    due = 'invoice **{{ reference }}** for {{ total }} was due on {{ due_date }}, {{ days_overdue }} days ago'
    still = ' **{{ amount_overdue }}** of it is still open.'
    return (
        ReminderStage(
            'first',
            3,
            'Reminder: invoice {{ reference }} from {{ business.name }}',
            f'Dear {{{{ recipient.name }}}},\n\nA friendly reminder: {due}, and{still}' + _ATTACHED + _SIGNATURE,
        ),
        ReminderStage(
            'second',
            14,
            'Second reminder: invoice {{ reference }} is overdue',
            f'Dear {{{{ recipient.name }}}},\n\nOur records show that {due}.{still} Please pay it, or tell us if '
            'something is wrong with it.' + _ATTACHED + _SIGNATURE,
        ),
        ReminderStage(
            'final',
            30,
            'Final reminder: invoice {{ reference }} is {{ days_overdue }} days overdue',
            f'Dear {{{{ recipient.name }}}},\n\nWe have still not received payment: {due}.{still} Please pay it within '
            'seven days, or contact us to agree on a plan.' + _ATTACHED + _SIGNATURE,
        ),
    )


def settings_problems(settings: ReminderSettings) -> dict[str, str]:
    """Field -> what is wrong, in the page's words: `stage.<id>.days`, `stage.<id>.template`, `stages`."""
    errors: dict[str, str] = {}
    seen: dict[int, str] = {}
    for stage in settings.stages:
        if not 1 <= stage.days <= MAX_STAGE_DAYS:
            errors[f'stage.{stage.id}.days'] = _('Enter a number of days from 1 to {most}.').format(most=MAX_STAGE_DAYS)
        elif stage.enabled and stage.days in seen:
            errors[f'stage.{stage.id}.days'] = _('Another reminder already goes {when}; choose another day.').format(
                when=stage.label
            )
        elif stage.enabled:
            seen[stage.days] = stage.id
        if not stage.subject.strip() or any(not text.subject.strip() for text in stage.texts.values()):
            errors[f'stage.{stage.id}.template'] = _('Enter a subject.')
        elif problems := stage_template_problems(stage):
            errors[f'stage.{stage.id}.template'] = str(problems[0])
    if settings.enabled and not settings.active():
        errors['stages'] = _('Every reminder is switched off: switch one on, or turn reminders off.')
    return errors


def stage_template_problems(stage: ReminderStage) -> list[TemplateError]:
    """The problems of its text in every language."""
    return [
        problem
        for template in stage.templates().values()
        for problem in template_problems(template, REMINDER_PLACEHOLDERS)
    ]


def stage_by_id(stages: Iterable[ReminderStage], stage_id: str) -> ReminderStage | None:
    return next((s for s in stages if s.id == stage_id), None)
