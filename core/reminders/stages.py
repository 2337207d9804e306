"""The business's reminder schedule: stages some days after the due date, each with its own email text, on or off."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.templates import EmailTemplate, Placeholder, TemplateError, template_problems

MAX_STAGE_DAYS = 3650
REMINDER_PLACEHOLDERS: tuple[Placeholder, ...] = (
    Placeholder('days_overdue', 'How many days ago the invoice was due', '14'),
    Placeholder('amount_overdue', 'What is still to pay on it, after payments and credit notes', '€1,240.00'),
)
_SIGNATURE = '\n\nKind regards,\n{{ business.name }}\n{{ business.phone }}'
_ATTACHED = '\n\nThe invoice is attached again. If you have paid in the meantime, thank you, and please ignore this.'


def new_stage_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class ReminderStage:
    """One reminder; `id` stays when its days or text change, so a stage already sent is never sent again."""

    id: str
    days: int
    subject: str
    body: str
    enabled: bool = True

    @property
    def template(self) -> EmailTemplate:
        return EmailTemplate(subject=self.subject, body=self.body)

    @property
    def label(self) -> str:
        return f'{self.days} day{"s" if self.days != 1 else ""} after the due date'


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
                {'id': s.id, 'days': s.days, 'subject': s.subject, 'body': s.body, 'enabled': s.enabled}
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
            )
            for row in data.get('stages', ())
            if isinstance(row, dict) and row.get('id')
        )
        return cls(enabled=bool(data.get('enabled', False)), stages=stages)


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
            errors[f'stage.{stage.id}.days'] = f'Enter a number of days from 1 to {MAX_STAGE_DAYS}.'
        elif stage.enabled and stage.days in seen:
            errors[f'stage.{stage.id}.days'] = f'Another reminder already goes {stage.label}; choose another day.'
        elif stage.enabled:
            seen[stage.days] = stage.id
        if not stage.subject.strip():
            errors[f'stage.{stage.id}.template'] = 'Enter a subject.'
        elif problems := stage_template_problems(stage):
            errors[f'stage.{stage.id}.template'] = str(problems[0])
    if settings.enabled and not settings.active():
        errors['stages'] = 'Every reminder is switched off: switch one on, or turn reminders off.'
    return errors


def stage_template_problems(stage: ReminderStage) -> list[TemplateError]:
    return template_problems(stage.template, REMINDER_PLACEHOLDERS)


def stage_by_id(stages: Iterable[ReminderStage], stage_id: str) -> ReminderStage | None:
    return next((s for s in stages if s.id == stage_id), None)
