"""Which reminder an invoice gets and when: one pure decision, used by the scheduler that sends and the page that shows.

The rules, from what goes wrong elsewhere: one reminder per (invoice, stage), ever; after a pause only the latest stage
that is due goes (never a burst of the missed ones); nothing on the day the invoice itself was first emailed, nor twice
on one day; nothing once payments or credit notes cover it; and the current schedule decides, for old invoices too.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from core.documents.model import Contact, Document
from core.i18n.phrase import Phrase, loaded_text, stored_text
from core.reminders.stages import ReminderStage

_EMAIL_IDS = uuid.UUID('6f1d3c1e-2b7a-4c55-9a51-0c8f1f6f2a10')


def reminder_email_id(invoice_id: str, stage_id: str) -> str:
    """The email log id of an invoice's reminder for a stage: the same every time, so it can be queued only once."""
    return uuid.uuid5(_EMAIL_IDS, f'{invoice_id}/{stage_id}').hex


@dataclass(frozen=True)
class SentReminder:
    """The stored record of one queued reminder; the email's status is in the email log under `email_id`."""

    invoice_id: str
    stage_id: str
    email_id: str
    queued_at: datetime
    stage_label: str | Phrase = ''  # a Phrase; the words themselves in records from before

    def to_dict(self) -> dict[str, Any]:
        return {
            'invoice_id': self.invoice_id,
            'stage_id': self.stage_id,
            'email_id': self.email_id,
            'queued_at': self.queued_at.isoformat(),
            'stage_label': stored_text(self.stage_label),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SentReminder:
        return cls(
            invoice_id=data['invoice_id'],
            stage_id=data['stage_id'],
            email_id=data['email_id'],
            queued_at=datetime.fromisoformat(data['queued_at']),
            stage_label=loaded_text(data.get('stage_label')),
        )


class Outlook(StrEnum):
    """Where an invoice stands, as the Reminders page says it."""

    DUE = 'due'  # a reminder goes at the next run
    SCHEDULED = 'scheduled'  # the next one has a date
    NO_ADDRESS = 'no-address'  # one is due or coming, but the customer has no email address: a problem to fix
    NOT_EMAILED = 'not-emailed'  # the invoice itself was never emailed: nothing to remind of yet
    DONE = 'done'  # every stage has gone
    PAID = 'paid'
    PAUSED = 'paused'  # the person chose "Don't remind"
    OFF = 'off'  # every stage is switched off


@dataclass(frozen=True)
class InvoiceOutlook:
    invoice: Document
    contact: Contact | None
    open_amount: Decimal
    days_overdue: int
    outlook: Outlook
    stage: ReminderStage | None = None  # the next reminder
    on: date | None = None  # and its day
    sent: tuple[SentReminder, ...] = ()


def plan_invoice(
    invoice: Document,
    contact: Contact | None,
    *,
    open_amount: Decimal,
    first_emailed: date | None,
    sent: Sequence[SentReminder],
    stages: Sequence[ReminderStage],
    paused: bool,
    today: date,
) -> InvoiceOutlook:
    """`stages`: the active ones, earliest first. `sent`: this invoice's records. Dates are the business's own days."""
    due = invoice.second_date or invoice.issue_date
    facts: dict[str, Any] = {'sent': tuple(sent), 'days_overdue': max(0, (today - due).days)}
    if open_amount <= 0:
        return InvoiceOutlook(invoice, contact, open_amount, outlook=Outlook.PAID, **facts)
    if paused:
        return InvoiceOutlook(invoice, contact, open_amount, outlook=Outlook.PAUSED, **facts)
    if not stages:
        return InvoiceOutlook(invoice, contact, open_amount, outlook=Outlook.OFF, **facts)
    stage = next_stage(stages, {r.stage_id for r in sent}, due, today)
    if stage is None:
        return InvoiceOutlook(invoice, contact, open_amount, outlook=Outlook.DONE, **facts)
    on = max(due + timedelta(days=stage.days), today)
    if first_emailed is None:
        return InvoiceOutlook(invoice, contact, open_amount, outlook=Outlook.NOT_EMAILED, stage=stage, **facts)
    quiet = {first_emailed} | {r.queued_at.astimezone().date() for r in sent}  # one email about it a day at most
    while on in quiet:
        on += timedelta(days=1)
    if contact is None or not contact.emails:
        return InvoiceOutlook(invoice, contact, open_amount, outlook=Outlook.NO_ADDRESS, stage=stage, on=on, **facts)
    state = Outlook.DUE if on <= today else Outlook.SCHEDULED
    return InvoiceOutlook(invoice, contact, open_amount, outlook=state, stage=stage, on=on, **facts)


def next_stage(
    stages: Sequence[ReminderStage], sent_ids: Collection[str], due: date, today: date
) -> ReminderStage | None:
    """The latest stage already due, if it has not gone; else the first one still ahead. A stage at or before one
    that went is over (a reminder never follows a later one), whatever order a changed schedule put them in."""
    reached = max((s.days for s in stages if s.id in sent_ids), default=-1)
    ahead = [s for s in stages if s.id not in sent_ids and s.days > reached]
    if not ahead:
        return None
    passed = [s for s in ahead if due + timedelta(days=s.days) <= today]
    return passed[-1] if passed else ahead[0]
