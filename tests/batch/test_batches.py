"""Batches through the outbox: pacing, slowing down on "too many", pause, resume, cancel, restart, and the preflight."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from core.batch import (
    DEFAULT_SIZE_LIMIT,
    Batch,
    Batches,
    BatchState,
    MemoryBatchStore,
    Prepared,
    announced_size,
    prepare,
    settings_problem,
    size_problems,
)
from core.causes import Cause
from core.email_log import EmailRecord, EmailStatus, MemoryEmailLog
from core.message import Attachment
from core.outbox import Outbox
from core.providers import SendingLimits
from core.sample_data import sample_business, sample_contacts, sample_documents
from core.settings import SavedSecret, SecretUnavailable
from core.templates import default_template
from core.transport.base import TransportError
from core.transport.memory import MemoryTransport
from storage.folder import DataFolder
from tests.email.conftest import FakeClock, make_draft, smtp_settings
from ui.services import build_services

PDF = Attachment('Sales Invoice INV-1.pdf', 'application/pdf', b'%PDF-1.7 test')


def ready(number: int) -> Prepared:
    draft = make_draft(
        to=(f'customer{number}@example.is',), cc=(), subject=f'Invoice {number}', document_id=f'd{number}'
    )
    return Prepared(draft.document_id, f'Invoice {number}', draft, (PDF,))


def outbox_with(
    transport: MemoryTransport,
    clock: FakeClock,
    limits: SendingLimits | None = None,
    on_sent: Callable[[EmailRecord], None] | None = None,
) -> tuple[Outbox, Batches]:
    settings = smtp_settings(bcc_enabled=False)
    outbox = Outbox(
        MemoryEmailLog(),
        lambda: settings,
        lambda _s: transport,
        clock=clock,
        sleep=clock.sleep,
        limits=lambda: limits,
        on_sent=on_sent,
    )
    return outbox, Batches(MemoryBatchStore(), outbox)


async def pressed_during_the_first_send(
    transport: MemoryTransport, clock: FakeClock, button: Callable[[Batches, str], object]
) -> tuple[Outbox, Batches, Batch]:
    """A batch of three whose button (Pause, Cancel) the user presses while its first email is being sent."""
    pressed: list[Callable[[], object]] = []

    def on_sent(_record: EmailRecord) -> None:
        while pressed:
            pressed.pop()()

    outbox, batches = outbox_with(transport, clock, on_sent=on_sent)
    batch = batches.start('3 invoices', [ready(n) for n in range(3)])
    pressed.append(lambda: button(batches, batch.id))
    await outbox.run_due()
    return outbox, batches, batch


def statuses(outbox: Outbox, batches: Batches, batch_id: str) -> list[EmailStatus]:
    batch = batches.get(batch_id)
    assert batch is not None
    return [record.status for record in map(outbox.log.get, batch.record_ids) if record]


async def test_a_batch_is_paced_over_one_session_within_30_a_minute(clock: FakeClock) -> None:
    transport = MemoryTransport()
    outbox, batches = outbox_with(transport, clock, SendingLimits(per_minute=30, per_day=10_000))
    batch = batches.start('5 invoices', [ready(n) for n in range(5)])
    await outbox.run_due()
    assert statuses(outbox, batches, batch.id) == [EmailStatus.SENT] * 5
    assert clock.slept == [2.0] * 4  # evenly spread: 60 s / 30
    assert transport.sessions == 1


async def test_the_daily_limit_keeps_the_rest_queued_until_a_day_after_the_first_send(clock: FakeClock) -> None:
    transport = MemoryTransport()
    outbox, batches = outbox_with(transport, clock, SendingLimits(per_minute=None, per_day=2))
    batch = batches.start('3 invoices', [ready(n) for n in range(3)])
    await outbox.run_due()
    assert statuses(outbox, batches, batch.id) == [EmailStatus.SENT, EmailStatus.SENT, EmailStatus.QUEUED]
    assert outbox.next_due_in() == timedelta(days=1).total_seconds()
    clock.advance(timedelta(days=1).total_seconds())
    await outbox.run_due()
    assert statuses(outbox, batches, batch.id) == [EmailStatus.SENT] * 3


async def test_a_too_many_reply_slows_the_batch_down_instead_of_failing_it(clock: FakeClock) -> None:
    too_many = TransportError('data', Cause.DATA_REJECTED, reply_code=421, reply_text='4.7.0 Try again later')
    transport = MemoryTransport(failures=[too_many])
    outbox, batches = outbox_with(transport, clock)
    batch = batches.start('3 invoices', [ready(n) for n in range(3)])
    [first, *rest] = await outbox.run_due()
    assert (first.status, first.tries, first.next_try_at) == (EmailStatus.QUEUED, 0, clock.now + timedelta(minutes=1))
    assert first.reply.startswith('421 4.7.0')  # the reason stays visible in the log
    assert [r.status for r in rest] == [EmailStatus.QUEUED] * 2 and all(r.tries == 0 for r in rest)
    assert outbox.next_due_in() == 60.0
    clock.advance(60)
    await outbox.run_due()
    assert statuses(outbox, batches, batch.id) == [EmailStatus.SENT] * 3


async def test_pause_holds_the_rest_and_resume_sends_them(clock: FakeClock) -> None:
    transport = MemoryTransport()
    outbox, batches, batch = await pressed_during_the_first_send(transport, clock, Batches.pause)
    assert statuses(outbox, batches, batch.id) == [EmailStatus.SENT, EmailStatus.QUEUED, EmailStatus.QUEUED]
    assert outbox.due() == [] and outbox.next_due_in() is None  # the loop sleeps instead of spinning
    assert batches.progress(batches.get(batch.id) or batch).state is BatchState.PAUSED
    batches.resume(batch.id)
    await outbox.run_due()
    assert statuses(outbox, batches, batch.id) == [EmailStatus.SENT] * 3


async def test_cancel_leaves_the_sent_as_sent_and_takes_the_rest_out_of_the_queue(clock: FakeClock) -> None:
    transport = MemoryTransport()
    outbox, batches, batch = await pressed_during_the_first_send(transport, clock, Batches.cancel)
    assert statuses(outbox, batches, batch.id) == [EmailStatus.SENT, EmailStatus.CANCELLED, EmailStatus.CANCELLED]
    assert len(transport.delivered) == 1
    progress = batches.progress(batches.get(batch.id) or batch)
    assert (progress.count(EmailStatus.SENT), progress.count(EmailStatus.CANCELLED), progress.finished) == (1, 2, True)


async def test_a_paused_batch_stays_paused_after_a_restart_and_its_progress_is_counted_again(tmp_path: Path) -> None:
    transport = MemoryTransport()
    folder = DataFolder(tmp_path / 'data')
    folder.settings.save(smtp_settings())
    services = build_services(folder, lambda _s: transport, paced=False)
    batch = services.batches.start('3 invoices', [ready(n) for n in range(3)])
    services.batches.pause(batch.id)
    folder.close()

    folder = DataFolder(tmp_path / 'data')  # a new process on the same data folder
    services = build_services(folder, lambda _s: transport, paced=False)
    services.outbox.resume()
    await services.outbox.run_due()
    assert transport.delivered == []
    [stored] = services.batches.latest()
    progress = services.batches.progress(stored)
    assert (stored.state, progress.total, progress.count(EmailStatus.QUEUED)) == (BatchState.PAUSED, 3, 3)
    services.batches.resume(batch.id)
    await services.outbox.run_due()
    assert services.batches.progress(stored).count(EmailStatus.SENT) == 3
    folder.close()


def test_the_preflight_names_a_customer_without_an_address_and_one_with_an_invalid_address() -> None:
    business = sample_business()
    documents = sample_documents(date(2026, 11, 28))
    contacts = {c.id: c for c in sample_contacts()}
    invoice = documents[0]
    contact = contacts[invoice.contact_id]
    template = default_template(invoice.type.value)
    without = prepare(invoice, business, replace(contact, emails=()), template, render=False)
    assert tuple(map(str, without.problems)) == (
        f'{contact.name} has no email address: add one on the Contacts page, or leave this document out.',
    )
    wrong = prepare(invoice, business, replace(contact, emails=('anna@@example.is',)), template, render=False)
    assert 'is not valid' in str(wrong.problems[0]) and 'anna@@example.is' in str(wrong.problems[0])
    assert not wrong.ready and not without.ready


def test_an_attachment_over_the_size_limit_is_a_problem_and_an_unknown_limit_is_said_to_be_assumed() -> None:
    big = replace(ready(1), attachments=(Attachment(PDF.filename, PDF.content_type, b'x' * 4_000_000),))
    [checked], note = size_problems(
        [
            big,
        ],
        5_000_000,
    )
    assert 'more than the 5.0 MB the server takes' in str(checked.problems[0]) and note == ''
    [checked], note = size_problems([big], None)
    assert checked.ready and f'{DEFAULT_SIZE_LIMIT // 1_000_000}.0 MB is assumed' in note


def test_settings_not_saved_or_a_password_that_no_longer_fits_stop_the_whole_batch() -> None:
    assert 'Email settings are not saved' in (settings_problem(False, lambda: None) or '')

    def other_connection() -> None:
        raise SecretUnavailable('password', SavedSecret.OTHER_CONNECTION, 'smtp.example.com')

    assert 'saved for another connection' in (settings_problem(True, other_connection) or '')
    assert settings_problem(True, lambda: smtp_settings()) is None


def test_the_size_a_server_announces_is_read_from_its_ehlo_reply() -> None:
    assert announced_size('250-smtp.office365.com\n250-SIZE 157286400\n250 PIPELINING') == 157_286_400
    assert announced_size('250-mx.example\n250 SIZE 35882577') == 35_882_577
    assert announced_size('250-mx.example\n250-SIZE\n250 HELP') is None  # a SIZE without a number: no fixed limit
    assert announced_size('250-mx.example\n250-SIZE 0\n250 HELP') is None
    assert announced_size('250-mx.example\n250 8BITMIME') is None


def test_each_message_carries_its_types_files_after_its_pdf_and_they_count_in_the_size_check() -> None:
    business = sample_business()
    invoice = sample_documents(date(2026, 11, 28))[0]
    contact = {c.id: c for c in sample_contacts()}[invoice.contact_id]
    terms = Attachment('Terms.pdf', 'application/pdf', b'%PDF-1.7 ' + b't' * 200_000)
    item = prepare(invoice, business, contact, default_template(invoice.type.value), (terms,))
    assert [a.filename for a in item.attachments] == [f'{invoice.title}.pdf', 'Terms.pdf']
    [alone], _note = size_problems([replace(item, attachments=item.attachments[:1])], 250_000)
    [with_terms], _note = size_problems([item], 250_000)
    assert alone.ready and not with_terms.ready
