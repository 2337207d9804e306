"""The Reminders page and the invoice's Paid fields, driven through the whole app as a person would."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date
from nicegui.testing import User

from core.documents.codec import document_from_dict, document_to_dict
from core.documents.model import Document, DocumentType
from core.outbox import Outbox
from core.reminders.stages import ReminderSettings
from storage.sample import seed_sample_data
from tests.email.conftest import smtp_settings
from tests.support.ui import BACKGROUND_RETRIES, set_value
from ui.services import Services

TODAY = date.today()


def sample(services: Services) -> dict[str, Document]:
    """The sample business dated from today, its email settings saved; its invoices by reference."""
    seed_sample_data(services.folder, today=TODAY)
    services.folder.settings.save(smtp_settings())
    return {d.reference: d for d in services.folder.documents.all()}


def emailed(services: Services, invoice: Document, days_ago: int) -> Document:
    """Mark the invoice as emailed `days_ago` days ago."""
    when = datetime.now(UTC) - timedelta(days=days_ago)
    services.folder.documents.save(replace(invoice, sent_at=when))
    return invoice


async def test_while_reminders_are_off_the_page_says_so_and_sends_nothing(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    documents = sample(services)
    emailed(services, documents['INV-0004'], 70)
    await app_user.open('/reminders')
    await app_user.should_see('Reminders are off: nothing goes until you turn them on below.')
    await app_user.should_see('No reminder has gone yet.')
    assert services.folder.email_log.all() == []


async def test_turning_reminders_on_shows_what_goes_when_sends_what_is_due_and_names_who_cannot_get_one(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    documents = sample(services)
    overdue = emailed(services, documents['INV-0004'], 70)  # due 61 days ago: the final reminder is due
    recent = emailed(services, documents['INV-0009'], 15)  # due yesterday: the first reminder in two days
    cafe = services.folder.contacts.get(documents['INV-0008'].contact_id)
    assert cafe is not None
    services.folder.contacts.save(replace(cafe, emails=()))
    emailed(services, documents['INV-0008'], 30)
    await app_user.open('/reminders')
    await app_user.should_see('The invoice has not been emailed yet; reminders start once it has.')
    set_value(app_user, 'reminders-enabled', True)
    app_user.find(marker='save-schedule').click()
    await app_user.should_see('Schedule saved; it applies to every open invoice, including those already reminded.')

    await app_user.should_see(f'{overdue.title} · reminder 30 days after the due date', retries=BACKGROUND_RETRIES)
    assert recent.second_date is not None
    on = recent.second_date + timedelta(days=3)
    await app_user.should_see(
        f'Next: the reminder 3 days after the due date, on {format_date(on, "medium", locale="en_GB")}.'
    )
    await app_user.should_see(
        f'{documents["INV-0008"].title}: Kaffihús Guðrúnar has no email address, so this reminder cannot go'
    )
    [record] = [r for r in services.folder.email_log.all() if r.draft.document_id == overdue.id]
    assert record.draft.subject == f'Final reminder: invoice {overdue.reference} is 61 days overdue'
    assert services.folder.reminders.settings().enabled


async def test_dont_remind_is_kept_for_the_invoice(services: Services, memory_outbox: Outbox, app_user: User) -> None:
    documents = sample(services)
    await app_user.open('/reminders')
    set_value(app_user, 'pause-INV-0009', True)
    await app_user.should_see('This invoice gets no reminders.')
    assert services.folder.reminders.paused() == {documents['INV-0009'].id}
    set_value(app_user, 'pause-INV-0009', False)
    await app_user.should_see('Reminders for this invoice are back on.')
    assert services.folder.reminders.paused() == set()


async def test_a_wrong_stage_is_marked_and_nothing_is_saved(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    sample(services)
    await app_user.open('/reminders')
    set_value(app_user, 'stage-first-days', '0')
    set_value(app_user, 'stage-second-subject', 'Overdue {{ invoice_number }}')
    app_user.find(marker='save-schedule').click()
    await app_user.should_see('Not saved. Correct the reminders marked in red.')
    await app_user.should_see('"{{ invoice_number }}" is not a placeholder Mailroom knows.')
    assert services.folder.reminders.settings() == ReminderSettings()


async def test_a_changed_schedule_is_saved_in_day_order(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    sample(services)
    await app_user.open('/reminders')
    app_user.find(marker='add-stage').click()
    set_value(app_user, 'stage-first-days', '45')
    set_value(app_user, 'stage-final-enabled', False)
    app_user.find(marker='save-schedule').click()
    await app_user.should_see('Schedule saved')
    stages = services.folder.reminders.settings().stages
    assert [(s.days, s.enabled) for s in stages] == [(14, True), (30, False), (44, True), (45, True)]


async def test_the_invoice_editor_records_a_payment_in_full_when_the_amount_is_left_blank(
    services: Services, app_user: User
) -> None:
    invoice = sample(services)['INV-0004']
    await app_user.open(f'/documents/{invoice.id}/edit')
    set_value(app_user, 'paid-on', TODAY.isoformat())
    app_user.find(marker='save').click()
    await app_user.should_see(f'{invoice.title} saved.')
    saved = services.folder.documents.get(invoice.id)
    assert saved is not None and (saved.paid_on, saved.paid_amount) == (TODAY, invoice.total)
    await app_user.should_see(f'In full on {format_date(TODAY, "medium", locale="en_GB")}')


async def test_a_payment_larger_than_the_invoice_is_refused(services: Services, app_user: User) -> None:
    invoice = sample(services)['INV-0004']
    await app_user.open(f'/documents/{invoice.id}/edit')
    set_value(app_user, 'paid-on', TODAY.isoformat())
    set_value(app_user, 'paid-amount', '99999')
    app_user.find(marker='save').click()
    await app_user.should_see('Please correct the highlighted fields.')
    saved = services.folder.documents.get(invoice.id)
    assert saved is not None and saved.paid_amount == 0


def test_an_invoice_stored_before_payments_existed_loads_unpaid() -> None:
    row = document_to_dict(Document('d1', DocumentType.SALES_INVOICE, 'INV-1', 'c1', TODAY))
    del row['paid_on'], row['paid_amount']
    loaded = document_from_dict(row)
    assert (loaded.paid_on, loaded.paid_amount) == (None, 0)
