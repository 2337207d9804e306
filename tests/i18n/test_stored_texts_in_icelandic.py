"""What background work records (the email log, batches, reminder runs) reads in the language of whoever opens it.

Each record is made in English, as the outbox and the reminder loop make them outside any page, then shown on a page
asked for in Icelandic. Records written by older versions hold English words: those still show, as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from nicegui.testing import User

from core.batch import Batch
from core.documents.model import Document, DocumentType
from core.email_log import EmailRecord
from core.i18n import using_language
from core.outbox import Outbox, document_draft
from core.reminders.plan import SentReminder
from core.reminders.stages import ReminderSettings
from core.transport.base import TransportError
from core.transport.http import http_error
from core.transport.memory import MemoryTransport
from core.transport.smtp import starttls_missing
from storage.sample import seed_sample_data
from tests.email.conftest import make_draft, smtp_settings
from tests.support.app_state import first_invoice
from tests.support.ui import BACKGROUND_RETRIES
from tests.support.waiting import wait_until
from ui.services import Services

ENGLISH = 'en-GB,en;q=0.9'
ICELANDIC = 'is-IS,is;q=0.9,en;q=0.5'


def speaking(user: User, header: str) -> User:
    user.http_client.headers['Accept-Language'] = header
    return user


def overdue_invoice(services: Services, *, settings_saved: bool = True) -> Document:
    """The sample business with reminders on; INV-0004 emailed 70 days ago (due 61 days ago: the reminder 30 days
    after the due date is due)."""
    seed_sample_data(services.folder, today=datetime.now(UTC).date())
    if settings_saved:
        services.folder.settings.save(smtp_settings())
    services.folder.reminders.save_settings(ReminderSettings(enabled=True))
    invoice = next(d for d in services.folder.documents.all() if d.reference == 'INV-0004')
    services.folder.documents.save(replace(invoice, sent_at=datetime.now(UTC) - timedelta(days=70)))
    return invoice


@pytest.mark.parametrize(
    ('settings_saved', 'subject', 'icelandic', 'english'),
    [
        (
            False,
            'Invoice INV-0042',
            'Tölvupóststillingarnar hafa ekki verið vistaðar enn: vistaðu þær á síðunni',
            'Email settings are not saved yet: save them on the Email settings page.',
        ),
        (
            True,
            'Invoice INV-0042\nBcc: someone@example.com',
            'Efnið inniheldur línuskil (LF). Haus tölvupósts er ein lína af texta',
            'The subject contains a line break (LF). An email header is a single line of text',
        ),
    ],
    ids=['settings-not-saved', 'refused-as-it-was-sent'],
)
async def test_an_email_that_failed_before_sending_is_explained_in_the_readers_language(
    services: Services,
    memory_outbox: Outbox,
    app_user: User,
    settings_saved: bool,
    subject: str,
    icelandic: str,
    english: str,
) -> None:
    if settings_saved:
        services.folder.settings.save(smtp_settings())
    with using_language('en'):  # the background outbox speaks no page's language
        failed = await memory_outbox.send(make_draft(subject=subject), [])
    assert failed.cause == 'invalid-input'
    await speaking(app_user, ICELANDIC).open('/emails')
    await app_user.should_see(icelandic)
    await app_user.should_not_see(english)
    await speaking(app_user, ENGLISH).open('/emails')
    await app_user.should_see(english)


@pytest.mark.parametrize(
    ('failure', 'icelandic'),
    [
        (lambda: starttls_missing(587), 'Þjónninn bauð ekki upp á STARTTLS á gátt 587.'),
        (lambda: http_error(httpx.ConnectTimeout('timed out')), 'Þjónustan svaraði ekki í tæka tíð.'),
    ],
    ids=['smtp-starttls-missing', 'http-no-answer'],
)
async def test_what_happened_when_the_server_said_nothing_is_worded_for_the_reader_and_not_shown_as_its_reply(
    services: Services,
    memory_outbox: Outbox,
    transport: MemoryTransport,
    app_user: User,
    failure: Callable[[], TransportError],
    icelandic: str,
) -> None:
    services.folder.settings.save(smtp_settings())
    with using_language('en'):
        transport.failures.append(failure())
        failed = await memory_outbox.send(make_draft(), [])
    assert failed.reply == '' and failed.said  # Mailroom's words, not the server's
    await speaking(app_user, ICELANDIC).open('/emails')
    await app_user.should_see(icelandic)
    await app_user.should_not_see('Svar þjónsins')  # no "Server reply" for a server that said nothing


async def test_a_refused_blind_copy_of_a_sent_email_is_told_in_the_readers_language(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings())  # its copy goes to archive@nordurljos.example
    transport.refuse['archive@nordurljos.example'] = '550 5.1.1 No such mailbox'
    with using_language('en'):
        sent = await memory_outbox.send(make_draft(), [])
    assert sent.status.value == 'sent' and sent.reply == '250 queued as mem-1'
    await speaking(app_user, ICELANDIC).open('/emails')
    await app_user.should_see('Falið afrit á archive@nordurljos.example var ekki sent: þjónninn hafnaði þessu netfangi')
    await app_user.should_not_see('refused')


async def test_the_email_logs_name_for_a_document_is_in_the_readers_language(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings())
    folder = services.folder
    invoice = first_invoice(services)
    with using_language('en'):
        draft = document_draft(
            invoice,
            folder.business.load_or_default(),
            folder.contacts.get(invoice.contact_id),
            folder.templates.load('sales_invoice'),
        )
        await memory_outbox.send(draft, [])
    await speaking(app_user, ICELANDIC).open('/emails')
    await app_user.should_see(f'Reikningur {invoice.reference}')
    await app_user.should_not_see(f'Sales Invoice {invoice.reference}')
    await speaking(app_user, ENGLISH).open('/emails')
    await app_user.should_see(f'Sales Invoice {invoice.reference}')


async def test_a_batch_made_in_english_reads_in_icelandic_with_what_was_left_out(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    seed_sample_data(services.folder, today=datetime.now(UTC).date())
    services.folder.settings.save(smtp_settings())
    invoices = [d for d in services.folder.documents.all() if d.type is DocumentType.SALES_INVOICE]
    nobody = services.folder.contacts.get(invoices[0].contact_id)
    assert nobody is not None
    services.folder.contacts.save(replace(nobody, emails=()))
    left_out = [d for d in invoices if d.contact_id == nobody.id]

    await speaking(app_user, ENGLISH).open('/documents')
    app_user.find(marker='document-type-filter').click()
    app_user.find('Sales Invoice').click()
    app_user.find(marker='select-all-matching').click()
    app_user.find(marker='email-selected').click()
    await app_user.should_see(f'Email {len(invoices)} documents')
    await app_user.should_see(
        f'{len(invoices) - len(left_out)} of {len(invoices)} ready to send.', retries=BACKGROUND_RETRIES
    )
    app_user.find(marker='batch-send').click()
    await app_user.should_see(marker='batch-progress', retries=BACKGROUND_RETRIES)
    [batch] = services.batches.latest()
    await wait_until(lambda: services.batches.progress(batch).finished, message='the batch to finish')

    await speaking(app_user, ICELANDIC).open(f'/batches/{batch.id}')
    await app_user.should_see(f'{len(invoices)} skjöl')
    await app_user.should_see(
        f'Reikningur {left_out[0].reference}: {nobody.name} er ekki með netfang: bættu því við á síðunni Tengiliðir'
    )
    await app_user.should_not_see('has no email address')
    await app_user.open('/batches')
    await app_user.should_see(f'{len(invoices)} skjöl')


async def test_the_reminder_loops_report_and_its_sent_reminders_read_in_the_readers_language(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    invoice = overdue_invoice(services, settings_saved=False)
    with using_language('en'):
        report = await services.reminders.run_once()
    assert report.waiting and report.queued == []
    await speaking(app_user, ICELANDIC).open('/reminders')
    await app_user.should_see('Tölvupóststillingar hafa ekki verið vistaðar og því getur engin áminning farið')
    await app_user.should_not_see('Email settings are not saved yet')

    services.folder.settings.save(smtp_settings())
    with using_language('en'):
        report = await services.reminders.run_once()
    assert len(report.queued) == 1
    await app_user.open('/reminders')
    await app_user.should_see(f'Reikningur {invoice.reference} · áminning 30 dögum eftir gjalddaga')
    await app_user.open('/emails')
    await app_user.should_see(f'Reikningur {invoice.reference} · áminning 30 dögum eftir gjalddaga')


async def test_a_reminder_that_could_not_be_prepared_is_named_in_the_readers_language(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    invoice = overdue_invoice(services)
    settings = services.folder.reminders.settings()
    broken = tuple(replace(s, subject='{% if %}') for s in settings.stages)
    services.folder.reminders.save_settings(replace(settings, stages=broken))
    with using_language('en'):
        report = await services.reminders.run_once()
    assert list(report.problems) == [invoice.id]
    await speaking(app_user, ICELANDIC).open('/reminders')
    await app_user.should_see('Ekki tókst að undirbúa áminninguna „30 dögum eftir gjalddaga“')


async def test_records_written_by_older_versions_still_show_their_words(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    """Before phrases, the log, the batches and the sent reminders kept English sentences: they load and show."""
    invoice = overdue_invoice(services)
    old_email = make_draft(document_id=invoice.id)
    row = EmailRecord(id='old-1', created_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC), draft=old_email).to_dict()
    row |= {
        'document_label': f'Sales Invoice {invoice.reference} · reminder 30 days after the due date',
        'status': 'failed',
        'failure': {
            'step': 'input',
            'cause': 'invalid-input',
            'reply': 'email settings are not saved yet; save them on the Settings page.',
            'transient': False,
        },
    }
    services.folder.email_log.add(EmailRecord.from_dict(row), [])
    services.folder.batches.save(
        Batch.from_dict(
            {
                'id': 'old-batch',
                'created_at': '2026-11-02T09:00:00+00:00',
                'title': '2 documents',
                'record_ids': ['old-1'],
                'state': 'running',
                'left_out': [f'Sales Invoice {invoice.reference}: Anna has no email address.'],
            }
        )
    )
    services.folder.reminders.add_sent(
        SentReminder.from_dict(
            {
                'invoice_id': invoice.id,
                'stage_id': 'final',
                'email_id': 'old-1',
                'queued_at': '2026-11-02T09:00:00+00:00',
                'stage_label': '30 days after the due date',
            }
        )
    )
    await speaking(app_user, ICELANDIC).open('/emails')
    await app_user.should_see(f'Sales Invoice {invoice.reference} · reminder 30 days after the due date')
    await app_user.should_see('Svar þjónsins: email settings are not saved yet; save them on the Settings page.')
    await app_user.open('/batches/old-batch')
    await app_user.should_see('2 documents')
    await app_user.should_see(f'Sales Invoice {invoice.reference}: Anna has no email address.')
    await app_user.open('/reminders')
    await app_user.should_see(f'Reikningur {invoice.reference} · áminning 30 days after the due date')
