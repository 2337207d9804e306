"""The reminder loop on a real data folder, with a clock the tests move: what goes, when, and only once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.documents.model import BusinessProfile, Contact, ContactKind, Document, DocumentType, Line
from core.email_log import EmailStatus
from core.message import Attachment
from core.outbox import Outbox
from core.reminders.plan import Outlook, reminder_email_id
from core.reminders.scheduler import ReminderScheduler
from core.reminders.stages import ReminderSettings
from core.transport.memory import MemoryTransport
from storage.folder import DataFolder
from tests.email.conftest import smtp_settings
from ui.services import reminder_scheduler

ISSUED = date(2026, 11, 1)
DUE = date(2026, 11, 15)
FIRST_EMAILED = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
CUSTOMER = Contact(
    'c1', ContactKind.CUSTOMER, 'Þórður Ægisson ehf.', ('thordur@example.is',), cc=('bokhald@example.is',)
)
INVOICE = Document(
    'inv1',
    DocumentType.SALES_INVOICE,
    'INV-0042',
    'c1',
    ISSUED,
    DUE,
    lines=(Line('Consulting', Decimal(10), Decimal(100)),),
    sent_at=FIRST_EMAILED,
)


class Clock:
    """Noon UTC on a chosen day; moves only when the test says so."""

    def __init__(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def fake_pdf(
    document: Document, _business: BusinessProfile, _contact: Contact | None, extras: Sequence[Attachment]
) -> tuple[Attachment, ...]:
    """Typst is not what these tests are about; the integration test sends the real PDF."""
    return (Attachment(f'{document.title}.pdf', 'application/pdf', b'%PDF-1.7 test'), *extras)


@dataclass
class World:
    folder: DataFolder
    clock: Clock
    outbox: Outbox
    scheduler: ReminderScheduler
    transport: MemoryTransport

    def on(self, day: date) -> None:
        self.clock.to(day)

    async def run(self, day: date | None = None) -> list[str]:
        """One run of the loop (on `day`); the stage of each reminder it queued."""
        if day is not None:
            self.on(day)
        report = await self.scheduler.run_once()
        by_email = {r.email_id: r.stage_id for r in self.folder.reminders.sent()}
        return [by_email[email_id] for email_id in report.queued]

    def restart(self) -> None:
        """A new process on the same data folder."""
        path = self.folder.path
        self.folder.close()
        self.folder = DataFolder(path)
        self.outbox, self.scheduler = build(self.folder, self.clock, self.transport)


def build(folder: DataFolder, clock: Clock, transport: MemoryTransport) -> tuple[Outbox, ReminderScheduler]:
    outbox = Outbox(folder.email_log, folder.settings.load, lambda _s: transport, clock=clock)
    return outbox, reminder_scheduler(folder, outbox, clock=clock, render=fake_pdf)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    folder = DataFolder(tmp_path / 'data')
    folder.settings.save(smtp_settings())
    folder.business.save(BusinessProfile(name='Norðurljós Ráðgjöf ehf.', currency='EUR'))
    folder.contacts.save(CUSTOMER)
    folder.documents.save(INVOICE)
    folder.reminders.save_settings(replace(ReminderSettings(), enabled=True))
    clock = Clock(DUE)
    transport = MemoryTransport()
    outbox, scheduler = build(folder, clock, transport)
    made = World(folder, clock, outbox, scheduler, transport)
    yield made
    made.folder.close()


def days_after_due(days: int) -> date:
    return DUE + timedelta(days=days)


async def test_nothing_goes_while_reminders_are_off(world: World) -> None:
    world.folder.reminders.save_settings(ReminderSettings())
    assert await world.run(days_after_due(20)) == []
    assert world.folder.email_log.all() == []


async def test_each_stage_goes_once_on_its_day_however_often_the_loop_runs(world: World) -> None:
    went: dict[date, list[str]] = {}
    for days in range(0, 45):
        for _ in range(3):  # the loop looks several times a day
            if queued := await world.run(days_after_due(days)):
                went.setdefault(world.clock().date(), []).extend(queued)
    assert went == {days_after_due(3): ['first'], days_after_due(14): ['second'], days_after_due(30): ['final']}
    assert len(world.folder.email_log.all()) == 3


async def test_after_the_app_was_off_only_the_latest_stage_due_goes(world: World) -> None:
    assert await world.run(days_after_due(20)) == ['second']  # the first reminder's day passed while it was off
    assert await world.run(days_after_due(21)) == []
    assert await world.run(days_after_due(40)) == ['final']
    assert [r.stage_id for r in world.folder.reminders.sent()] == ['second', 'final']


async def test_never_on_the_day_the_invoice_was_first_emailed(world: World) -> None:
    late = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # emailed 20 days after its due date
    world.folder.documents.save(replace(INVOICE, sent_at=late))
    assert await world.run(late.date()) == []
    outlook = next(o for o in world.scheduler.overview() if o.invoice.id == INVOICE.id)
    assert (outlook.outlook, outlook.on) == (Outlook.SCHEDULED, late.date() + timedelta(days=1))
    assert await world.run(late.date() + timedelta(days=1)) == ['second']


async def test_an_invoice_never_emailed_gets_no_reminder_and_says_why(world: World) -> None:
    world.folder.documents.save(replace(INVOICE, sent_at=None))
    assert await world.run(days_after_due(5)) == []
    [outlook] = world.scheduler.overview()
    assert outlook.outlook is Outlook.NOT_EMAILED


async def test_reminders_stop_when_the_invoice_is_paid(world: World) -> None:
    assert await world.run(days_after_due(3)) == ['first']
    world.folder.documents.save(replace(INVOICE, paid_on=days_after_due(5), paid_amount=INVOICE.total))
    for days in range(5, 60):
        assert await world.run(days_after_due(days)) == []
    [outlook] = world.scheduler.overview()
    assert outlook.outlook is Outlook.PAID


async def test_a_reminder_still_queued_is_withdrawn_when_the_invoice_is_paid(world: World) -> None:
    assert await world.run(days_after_due(3)) == ['first']  # queued; the outbox has not sent it yet
    email_id = reminder_email_id(INVOICE.id, 'first')
    world.folder.documents.save(replace(INVOICE, paid_on=days_after_due(3), paid_amount=INVOICE.total))
    await world.run()
    record = world.outbox.log.get(email_id)
    assert record is not None and record.status is EmailStatus.CANCELLED
    assert await world.outbox.run_due() == []
    assert world.transport.delivered == []


async def test_a_reminder_still_queued_is_withdrawn_on_dont_remind(world: World) -> None:
    assert await world.run(days_after_due(3)) == ['first']
    world.folder.reminders.set_paused(INVOICE.id, True)
    await world.run()
    record = world.outbox.log.get(reminder_email_id(INVOICE.id, 'first'))
    assert record is not None and record.status is EmailStatus.CANCELLED


async def test_a_reminder_already_sent_stays_sent_when_the_invoice_is_paid_later(world: World) -> None:
    assert await world.run(days_after_due(3)) == ['first']
    await world.outbox.run_due()
    world.folder.documents.save(replace(INVOICE, paid_on=days_after_due(4), paid_amount=INVOICE.total))
    await world.run(days_after_due(4))
    record = world.outbox.log.get(reminder_email_id(INVOICE.id, 'first'))
    assert record is not None and record.status is EmailStatus.SENT


async def test_a_partly_paid_invoice_is_reminded_of_what_is_still_open(world: World) -> None:
    world.folder.documents.save(replace(INVOICE, paid_on=days_after_due(1), paid_amount=Decimal(400)))
    assert await world.run(days_after_due(3)) == ['first']
    [record] = world.folder.email_log.all()
    assert '**€600.00** of it is still open' in record.draft.text_body.replace('\\', '')
    assert 'due on 15 Nov 2026, 3 days ago' in record.draft.text_body


async def test_a_credit_note_covering_the_invoice_stops_reminders(world: World) -> None:
    credit = Document('cn1', DocumentType.CREDIT_NOTE, 'CN-0001', 'c1', days_after_due(1), lines=INVOICE.lines)
    world.folder.documents.save(credit)
    assert await world.run(days_after_due(3)) == []
    outlook = next(o for o in world.scheduler.overview() if o.invoice.id == INVOICE.id)
    assert outlook.outlook is Outlook.PAID


async def test_a_changed_schedule_applies_to_invoices_already_reminded(world: World) -> None:
    assert await world.run(days_after_due(3)) == ['first']
    settings = world.folder.reminders.settings()
    sooner = tuple(replace(s, days=7) if s.id == 'second' else s for s in settings.stages)
    world.folder.reminders.save_settings(replace(settings, stages=sooner))
    assert await world.run(days_after_due(7)) == ['second']
    assert await world.run(days_after_due(14)) == []  # the stage's old day: it has gone already


async def test_a_stage_switched_off_is_skipped(world: World) -> None:
    settings = world.folder.reminders.settings()
    stages = tuple(replace(s, enabled=s.id != 'second') for s in settings.stages)
    world.folder.reminders.save_settings(replace(settings, stages=stages))
    assert [d for d in range(45) if await world.run(days_after_due(d))] == [3, 30]


async def test_no_reminder_goes_twice_after_a_restart(world: World) -> None:
    assert await world.run(days_after_due(3)) == ['first']
    world.restart()
    assert await world.run(days_after_due(3)) == []
    assert await world.run(days_after_due(4)) == []
    assert len(world.folder.email_log.all()) == 1


async def test_a_reminder_queued_just_before_a_crash_is_not_queued_again(world: World) -> None:
    """The email was in the log, its record not yet written: the next run writes the record and queues nothing."""
    email_id = reminder_email_id(INVOICE.id, 'first')
    assert await world.run(days_after_due(3)) == ['first']
    await world.outbox.run_due()
    world.folder.db.table('reminders_sent').truncate()  # as if the crash came before the record
    world.restart()
    assert await world.run(days_after_due(3)) == ['first']  # the record again ...
    await world.outbox.run_due()
    [record] = world.folder.email_log.all()  # ... and still one email, sent once
    assert (record.id, record.status) == (email_id, EmailStatus.SENT)
    assert len(world.transport.delivered) == 1


async def test_a_customer_without_an_address_is_listed_as_a_problem_not_skipped(world: World) -> None:
    world.folder.contacts.save(replace(CUSTOMER, emails=(), cc=()))
    world.on(days_after_due(3))
    report = await world.scheduler.run_once()
    assert report.queued == []
    assert {invoice_id: str(problem) for invoice_id, problem in report.problems.items()} == {
        INVOICE.id: 'Þórður Ægisson ehf. has no email address, so this reminder cannot go: add one to the contact (To).'
    }


async def test_dont_remind_holds_an_invoice_back_until_undone(world: World) -> None:
    world.folder.reminders.set_paused(INVOICE.id, True)
    assert await world.run(days_after_due(3)) == []
    world.folder.reminders.set_paused(INVOICE.id, False)
    assert await world.run(days_after_due(4)) == ['first']


async def test_without_saved_email_settings_nothing_is_queued_and_the_page_is_told(world: World) -> None:
    scheduler = world.scheduler
    scheduler.sources = replace(scheduler.sources, email_ready=lambda: False)
    world.on(days_after_due(3))
    report = await scheduler.run_once()
    assert report.queued == []
    assert world.folder.reminders.sent() == []
    assert str(report.waiting).startswith('Email settings are not saved yet')


async def test_each_reminder_is_its_own_email_to_to_and_cc_with_the_invoice_pdf(world: World) -> None:
    await world.run(days_after_due(3))
    await world.outbox.run_due()
    [record] = world.folder.email_log.all()
    assert record.status is EmailStatus.SENT
    assert (record.draft.to, record.draft.cc) == (CUSTOMER.emails, CUSTOMER.cc)
    assert record.draft.document_id == INVOICE.id
    assert str(record.draft.document_label) == 'Sales Invoice INV-0042 · reminder 3 days after the due date'
    assert record.draft.subject == 'Reminder: invoice INV-0042 from Norðurljós Ráðgjöf ehf.'
    assert record.attachment_names == ('Sales Invoice INV-0042.pdf',)


async def test_the_loop_catches_up_when_the_app_starts(world: World) -> None:
    world.on(days_after_due(20))
    forever = asyncio.Event()

    async def never(_seconds: float) -> None:
        await forever.wait()

    scheduler = reminder_scheduler(world.folder, world.outbox, clock=world.clock, sleep=never, render=fake_pdf)
    scheduler.start()
    try:
        for _ in range(500):
            if world.folder.reminders.sent():
                break
            await asyncio.sleep(0.01)
    finally:
        await scheduler.stop()
    assert [r.stage_id for r in world.folder.reminders.sent()] == ['second']


async def test_an_icelandic_customer_gets_the_icelandic_reminder_with_icelandic_amounts(world: World) -> None:
    world.folder.contacts.save(replace(CUSTOMER, language='is'))
    assert await world.run(days_after_due(3)) == ['first']
    [record] = world.folder.email_log.all()
    assert record.draft.subject == 'Áminning: reikningur INV-0042 frá Norðurljós Ráðgjöf ehf.'
    body = record.draft.text_body.replace('\u00a0', ' ')
    assert 'var á gjalddaga 15. nóvember 2026, fyrir 3 dögum' in body
    assert 'Enn er ógreitt af honum: **1.000,00 EUR**.' in body
