"""Emailing many documents from the Documents and Contacts pages, driven through the whole app as a person would."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from nicegui.testing import User

from core.batch import BatchState
from core.documents.model import ContactKind, DocumentType
from core.email_log import EmailStatus
from core.outbox import Outbox
from core.providers import SendingLimits
from core.settings import Security
from core.transport.memory import MemoryTransport
from storage.sample import seed_sample_data
from storage.sending_limits_repo import SOURCE
from tests.email.conftest import smtp_settings
from tests.support.app_state import first_invoice
from tests.support.smtp_servers import smtp_server
from tests.support.ui import BACKGROUND_RETRIES, set_value
from tests.support.waiting import wait_until
from ui.services import Services, sending_limits


def sample_business_ready_to_email(services: Services) -> None:
    seed_sample_data(services.folder, today=date(2026, 11, 28))
    services.folder.settings.save(smtp_settings())


def invoices_without_address(services: Services, count: int) -> list[str]:
    """Take the address away from the customers of `count` invoices; returns those invoices' titles."""
    folder = services.folder
    invoices = [d for d in folder.documents.all() if d.type is DocumentType.SALES_INVOICE]
    customer_ids = list(dict.fromkeys(d.contact_id for d in invoices))[:count]
    for contact_id in customer_ids:
        contact = folder.contacts.get(contact_id)
        assert contact is not None
        folder.contacts.save(replace(contact, emails=()))
    return [d.title for d in invoices if d.contact_id in customer_ids]


async def test_all_matching_invoices_are_checked_first_and_each_is_sent_as_its_own_email(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    sample_business_ready_to_email(services)
    left_out = invoices_without_address(services, 1)
    invoices = [d for d in services.folder.documents.all() if d.type is DocumentType.SALES_INVOICE]
    await app_user.open('/documents')
    app_user.find(marker='document-type-filter').click()
    app_user.find('Sales Invoice').click()
    app_user.find(marker='select-all-matching').click()
    await app_user.should_see(f'All {len(invoices)} matching documents are selected.')
    app_user.find(marker='email-selected').click()
    await app_user.should_see(
        f'{len(invoices) - len(left_out)} of {len(invoices)} ready to send.', retries=BACKGROUND_RETRIES
    )
    for title in left_out:
        await app_user.should_see(f'{title}: ')
    await app_user.should_see('has no email address')
    await app_user.should_see(marker='batch-preview-card')
    app_user.find(marker='batch-send').click()

    await app_user.should_see(marker='batch-progress', retries=BACKGROUND_RETRIES)
    [batch] = services.batches.latest()
    await wait_until(lambda: services.batches.progress(batch).finished, message='the batch to finish')
    progress = services.batches.progress(batch)
    assert progress.count(EmailStatus.SENT) == len(invoices) - len(left_out) == len(transport.delivered)
    assert len({d.message.subject for d in transport.delivered}) == len(transport.delivered)  # one email each
    assert batch.state is BatchState.RUNNING and len(batch.left_out) == len(left_out)


async def test_sending_limits_are_the_providers_until_the_user_saves_their_own(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings(host='smtp.office365.com'))
    await app_user.open('/settings')
    await app_user.should_see('30 emails a minute and 10,000 recipients a day (Microsoft 365)')
    set_value(app_user, 'limit-per-minute', 5)
    set_value(app_user, 'limit-per-day', 300)
    app_user.find(marker='limits-save').click()
    await app_user.should_see('5 emails a minute and 300 recipients a day (your own numbers)')
    assert sending_limits(services.folder) == SendingLimits(5, 300, SOURCE)  # what the app's outbox keeps to
    app_user.find(marker='limits-reset').click()
    await app_user.should_see('30 emails a minute and 10,000 recipients a day (Microsoft 365)')


async def test_statements_go_to_the_chosen_customers_each_as_its_own_email(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    sample_business_ready_to_email(services)
    customers = services.folder.contacts.all(ContactKind.CUSTOMER)
    await app_user.open('/contacts')
    app_user.find(marker='email-statements').click()
    app_user.find(marker='statement-all-customers').click()
    app_user.find(marker='statement-continue').click()
    await app_user.should_see(f'Email statements to {len(customers)} customers')
    await app_user.should_see(f'{len(customers)} of {len(customers)} ready to send.', retries=BACKGROUND_RETRIES)
    app_user.find(marker='batch-send').click()
    await app_user.should_see(marker='batch-progress', retries=BACKGROUND_RETRIES)
    [batch] = services.batches.latest()
    await wait_until(lambda: services.batches.progress(batch).finished, message='the statements to go')
    delivered = sorted(d.message.to[0] for d in transport.delivered)
    assert delivered == sorted(c.emails[0] for c in customers)
    icelandic = {c.emails[0] for c in customers if c.language == 'is'}  # the sample's Kaffihús Guðrúnar
    assert icelandic and all(
        d.message.subject.startswith('Reikningsyfirlit frá' if d.message.to[0] in icelandic else 'Statement of account')
        for d in transport.delivered
    )


async def test_the_size_limit_the_settings_test_learnt_is_what_the_preflight_checks(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    seed_sample_data(services.folder, today=date(2026, 11, 28))
    async with smtp_server(size_limit=12_000) as server:  # smaller than any invoice PDF with its email
        services.folder.settings.save(smtp_settings(port=server.port, security=Security.NONE, allow_plaintext=True))
        await app_user.open('/settings')
        set_value(app_user, 'test-mode', 'check')
        app_user.find(marker='test-settings').click()
        await app_user.should_see(marker='status-ok', retries=BACKGROUND_RETRIES)
        await wait_until(lambda: services.folder.server_facts.size_limit('127.0.0.1', server.port), message='EHLO')
    assert services.folder.server_facts.size_limit('127.0.0.1', server.port) == 12_000
    invoice = first_invoice(services)
    await app_user.open('/documents')
    app_user.find(marker='select-all-matching').click()
    app_user.find(marker='email-selected').click()
    await app_user.should_see(f'{invoice.title}: The email would be about', retries=BACKGROUND_RETRIES)
    await app_user.should_see('more than the 12 KB the server takes')


async def test_a_template_changed_in_the_dialog_is_used_for_this_batch_only(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, app_user: User
) -> None:
    sample_business_ready_to_email(services)
    await app_user.open('/documents')
    app_user.find(marker='document-type-filter').click()
    app_user.find('Sales Invoice').click()
    app_user.find(marker='select-all-matching').click()
    app_user.find(marker='email-selected').click()
    await app_user.should_see(marker='batch-send', retries=BACKGROUND_RETRIES)
    await app_user.should_see('ready to send.', retries=BACKGROUND_RETRIES)
    set_value(app_user, 'batch-subject-sales_invoice', 'Reminder: {{ reference }}')
    set_value(app_user, 'batch-subject-sales_invoice-is', 'Reminder: {{ reference }}')  # Kaffihús's, in Icelandic
    app_user.find(marker='batch-update-preview').click()
    await app_user.should_see('Reminder: INV-')
    app_user.find(marker='batch-send').click()
    await app_user.should_see(marker='batch-progress', retries=BACKGROUND_RETRIES)
    [batch] = services.batches.latest()
    await wait_until(lambda: services.batches.progress(batch).finished, message='the batch to finish')
    assert transport.delivered and all(d.message.subject.startswith('Reminder: INV-') for d in transport.delivered)
    assert services.folder.templates.load('sales_invoice').subject.startswith('Invoice {{ reference }}')
    assert services.folder.templates.load('sales_invoice', 'is').subject.startswith('Reikningur {{ reference }}')
