"""The Email button, the compose dialog and the Emails log, driven through the whole app as a person would."""

from __future__ import annotations

from dataclasses import replace

import pytest
from nicegui import ui
from nicegui.testing import User

from core.causes import Cause
from core.email_log import EmailStatus
from core.outbox import Outbox, document_draft
from core.transport.base import TransportError
from core.transport.memory import MemoryTransport
from tests.email.conftest import make_draft, open_compose, send_with, smtp_settings
from tests.support.app_state import first_invoice
from tests.support.ui import BACKGROUND_RETRIES, set_value, value_of
from tests.support.waiting import wait_until
from ui.services import Services


async def test_before_settings_are_saved_the_document_offers_the_settings_not_email(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    invoice = first_invoice(services)
    await app_user.open(f'/documents/{invoice.id}')
    await app_user.should_see('Set up email to send this')
    await app_user.should_not_see(marker='action-email')
    app_user.find('Set up email to send this').click()
    await app_user.should_see('Update')  # the settings page


async def test_email_an_invoice_from_its_page(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings())
    invoice = first_invoice(services)
    contact = services.folder.contacts.get(invoice.contact_id)
    assert contact is not None
    await app_user.open(f'/documents/{invoice.id}')
    app_user.find(marker='action-email').click()
    await app_user.should_see(f'Email {invoice.title}')
    assert value_of(app_user, 'compose-to') == contact.emails[0]
    assert value_of(app_user, 'compose-subject') == f'Invoice {invoice.reference} from Norðurljós Ráðgjöf ehf.'
    assert f'Dear {contact.name},' in str(value_of(app_user, 'compose-body'))
    await app_user.should_see(f'Sales Invoice {invoice.reference}.pdf · ', retries=BACKGROUND_RETRIES)
    await app_user.should_see(marker='compose-preview')
    await app_user.should_see('A copy also goes to archive@nordurljos.example (Email settings).')

    send_with(app_user, cc='bokhald@example.is; partner@example.is')
    await app_user.should_see(
        f'Sent to {contact.emails[0]}, bokhald@example.is, partner@example.is', retries=BACKGROUND_RETRIES
    )

    [delivered] = transport.delivered
    assert delivered.built.envelope_recipients[-1] == 'archive@nordurljos.example'
    assert delivered.built.mime['Cc'] == 'bokhald@example.is, partner@example.is'
    [attachment] = list(delivered.built.mime.iter_attachments())
    assert attachment.get_content().startswith(b'%PDF')
    [record] = services.folder.email_log.for_document(invoice.id)
    assert record.status is EmailStatus.SENT
    marked = services.folder.documents.get(invoice.id)
    assert marked is not None and marked.sent_at == record.sent_at
    business, template = services.folder.business.load_or_default(), services.folder.templates.load('sales_invoice')
    proposed = document_draft(invoice, business, contact, template)  # what the dialog showed: core's draft
    assert record.draft == replace(proposed, cc=('bokhald@example.is', 'partner@example.is'))


async def test_a_wrong_address_is_named_and_nothing_is_sent(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    await open_compose(app_user, services)
    send_with(app_user, to='anna@example.is, not-an-address')
    await app_user.should_see('Not sent: check To (marked in red).')
    await app_user.should_see('"not-an-address" is not a valid email address')
    send_with(app_user, to='anna@example.is', subject='Invoice\nBcc: victim@example.com')
    await app_user.should_see('The subject contains a line break (LF). An email header is a single line of text')
    assert transport.delivered == []
    assert services.folder.email_log.all() == []


async def test_a_permanent_failure_shows_the_cause_and_the_document_stays_unsent(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    transport.failures.append(
        TransportError('auth', Cause.APP_PASSWORD_REQUIRED, reply_code=534, reply_text='5.7.9 Application-specific')
    )
    invoice = await open_compose(app_user, services)
    app_user.find(marker='compose-send').click()
    await app_user.should_see('The email was not sent.', retries=BACKGROUND_RETRIES)
    await app_user.should_see('app-password-required')
    await app_user.should_see('The provider wants an app password, not your normal password.')
    await app_user.should_see('Server reply: 534 5.7.9 Application-specific')
    document = services.folder.documents.get(invoice.id)
    assert document is not None and document.sent_at is None
    [record] = services.folder.email_log.all()
    assert record.status is EmailStatus.FAILED


async def test_the_log_filters_and_a_failed_email_can_be_retried(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings())
    transport.failures.append(TransportError('rcpt', Cause.RECIPIENT_REJECTED, reply_code=550, reply_text='No'))
    failed = await memory_outbox.send(make_draft(subject='Invoice INV-0001', document_id='a'))
    await memory_outbox.send(make_draft(subject='Quote Q-0001', document_id='b'))
    await app_user.open('/emails')
    await app_user.should_see('Invoice INV-0001')
    await app_user.should_see('Quote Q-0001')
    await app_user.should_see('recipient-rejected')

    set_value(app_user, 'email-search', 'q-0001')
    await app_user.should_not_see('Invoice INV-0001')
    set_value(app_user, 'email-search', '')
    set_value(app_user, 'email-status', 'failed')
    await app_user.should_not_see('Quote Q-0001')
    await app_user.should_see('Invoice INV-0001')

    app_user.find('Retry').click()
    await app_user.should_see('Sent: Invoice INV-0001', retries=BACKGROUND_RETRIES)
    record = services.folder.email_log.get(failed.id)
    assert record is not None and record.status is EmailStatus.SENT


async def test_the_log_for_one_document(services: Services, memory_outbox: Outbox, app_user: User) -> None:
    services.folder.settings.save(smtp_settings())
    await memory_outbox.send(make_draft(subject='Invoice INV-0001', document_id='a'))
    await memory_outbox.send(make_draft(subject='Quote Q-0001', document_id='b'))
    await app_user.open('/emails?document=b')
    await app_user.should_see('Quote Q-0001')
    await app_user.should_not_see('Invoice INV-0001')
    [chip] = app_user.find(ui.chip).elements
    assert chip.text == 'One document'


async def test_email_a_customer_statement_from_its_page(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings())
    invoice = first_invoice(services)
    customer = services.folder.contacts.get(invoice.contact_id)
    assert customer is not None
    await app_user.open(f'/contacts/{customer.id}/statement?start=2026-01-01&end=2026-11-28')
    app_user.find(marker='action-email').click()
    await app_user.should_see(f'Customer Statement {customer.name} 2026-11-28.pdf · ', retries=BACKGROUND_RETRIES)
    assert value_of(app_user, 'compose-subject') == 'Statement of account from Norðurljós Ráðgjöf ehf.'
    app_user.find(marker='compose-send').click()
    await app_user.should_see(f'Sent to {customer.emails[0]}', retries=BACKGROUND_RETRIES)
    [delivered] = transport.delivered
    [attachment] = list(delivered.built.mime.iter_attachments())
    assert attachment.get_filename() == f'Customer Statement {customer.name} 2026-11-28.pdf'
    [record] = services.folder.email_log.all()
    assert record.draft.document_id == f'statement:{customer.id}:2026-01-01:2026-11-28'


@pytest.fixture
def queued_before_start(services: Services, memory_outbox: Outbox) -> str:
    """An email left queued by an earlier run of the app (it was killed, or the network was down)."""
    services.folder.settings.save(smtp_settings())
    return memory_outbox.enqueue(make_draft(subject='Left over from last time')).id


async def test_the_app_sends_what_was_queued_when_it_starts(
    services: Services, queued_before_start: str, transport: MemoryTransport, app_user: User
) -> None:
    await wait_until(lambda: transport.delivered, message='the app to send the email queued before it started')
    [delivered] = transport.delivered
    assert delivered.message.subject == 'Left over from last time'
    record = services.folder.email_log.get(queued_before_start)
    assert record is not None and record.status is EmailStatus.SENT


async def test_a_document_page_shows_its_own_email_history(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings())
    invoice = first_invoice(services)
    transport.failures.append(TransportError('rcpt', Cause.RECIPIENT_REJECTED, reply_code=550, reply_text='No'))
    await memory_outbox.send(make_draft(subject='First try', document_id=invoice.id))
    await memory_outbox.send(make_draft(subject='Second try', document_id=invoice.id))
    await memory_outbox.send(make_draft(subject='Another document', document_id='other'))
    await app_user.open(f'/documents/{invoice.id}')
    await app_user.should_see('First try')
    await app_user.should_see('Second try')
    await app_user.should_see('recipient-rejected')
    await app_user.should_not_see('Another document')
    await app_user.should_see('All emails of this document')


async def test_the_email_icon_on_a_documents_row_opens_the_same_dialog(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings())
    invoice = first_invoice(services)
    await app_user.open('/documents')
    [table] = app_user.find(ui.table).elements
    assert isinstance(table, ui.table)
    assert 'icon="email"' in str(table.slots['body-cell-actions'].template)
    app_user.find(ui.table).trigger('action', {'key': 'email', 'id': invoice.id})
    await app_user.should_see(f'Email {invoice.title}')
    await app_user.should_see(marker='attachment-chip', retries=BACKGROUND_RETRIES)
    app_user.find(marker='compose-send').click()
    await app_user.should_see('Sent to ', retries=BACKGROUND_RETRIES)
    assert len(transport.delivered) == 1


async def test_a_refused_cc_shows_partly_sent_in_the_dialog_the_log_and_on_the_document(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    transport.refuse['bokhald@example.is'] = '550 5.1.1 <bokhald@example.is>: Recipient address rejected'
    invoice = await open_compose(app_user, services)
    contact = services.folder.contacts.get(invoice.contact_id)
    assert contact is not None
    send_with(app_user, cc='bokhald@example.is')
    refused_line = (
        'Not sent to bokhald@example.is: the server refused this address '
        '(550 5.1.1 <bokhald@example.is>: Recipient address rejected).'
    )
    await app_user.should_see(f'Partly sent: to {contact.emails[0]} only.', retries=BACKGROUND_RETRIES)
    await app_user.should_see(refused_line)
    document = services.folder.documents.get(invoice.id)
    assert document is not None and document.sent_at is None

    await app_user.open(f'/documents/{invoice.id}')
    await app_user.should_see(marker='document-partly-sent')
    await app_user.should_see(refused_line)

    await app_user.open('/emails')
    await app_user.should_see('Partly sent')
    await app_user.should_see(refused_line)
    transport.refuse.clear()
    app_user.find('Retry').click()
    await app_user.should_see(
        f'Sent: Invoice {invoice.reference} from Norðurljós Ráðgjöf ehf.', retries=BACKGROUND_RETRIES
    )
    assert transport.delivered[-1].built.envelope_recipients == ['bokhald@example.is']
    document = services.folder.documents.get(invoice.id)
    assert document is not None and document.sent_at is not None


async def test_with_an_unreadable_password_the_email_button_opens_and_the_email_waits_with_the_cause(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    from cryptography.fernet import Fernet

    from storage.secrets import SecretBox
    from storage.settings_repo import SettingsRepository

    SettingsRepository(services.folder.db, SecretBox(Fernet.generate_key())).save(smtp_settings())  # key since lost
    invoice = first_invoice(services)
    await app_user.open(f'/documents/{invoice.id}')
    app_user.find(marker='action-email').click()
    await app_user.should_see(f'Email {invoice.title}')
    await app_user.should_see(f'Sales Invoice {invoice.reference}.pdf · ', retries=BACKGROUND_RETRIES)
    app_user.find(marker='compose-send').click()
    await app_user.should_see('Not sent yet: Mailroom will try again by itself.', retries=BACKGROUND_RETRIES)
    await app_user.should_see('The saved password can no longer be read.')
    assert transport.delivered == []
    [record] = services.folder.email_log.all()
    assert record.status is EmailStatus.QUEUED and record.cause == Cause.SAVED_SECRET_UNREADABLE.value
