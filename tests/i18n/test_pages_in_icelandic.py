"""The working pages in Icelandic: documents, one document, compose, business, emails, batches and reminders.

Each page is opened as a browser asking for Icelandic would open it; dates follow the page's language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from babel.dates import format_date
from nicegui.testing import User

from core.causes import Cause
from core.documents import DocumentType
from core.i18n import using_language
from core.outbox import Outbox
from core.transport.base import TransportError
from core.transport.memory import MemoryTransport
from storage.sample import seed_sample_data
from tests.email.conftest import make_draft, open_compose, send_with, smtp_settings
from tests.support.app_state import first_invoice
from tests.support.ui import set_value
from ui.components import local_time
from ui.services import Services

TODAY = date(2026, 11, 28)


@pytest.fixture
def icelandic(app_user: User) -> User:
    app_user.http_client.headers['Accept-Language'] = 'is-IS,is;q=0.9,en;q=0.5'
    return app_user


def icelandic_date(day: date) -> str:
    return format_date(day, 'medium', locale='is_IS')


def table(user: User, marker: str) -> Any:
    return next(iter(user.find(marker=marker).elements))


async def test_the_documents_list_names_its_columns_kinds_and_dates_in_icelandic(
    services: Services, icelandic: User
) -> None:
    seed_sample_data(services.folder, today=TODAY)
    documents = {d.reference: d for d in services.folder.documents.all()}
    await icelandic.open('/documents')
    await icelandic.should_see('Leita að tilvísun, tengilið eða athugasemd')
    await icelandic.should_see('Senda valin skjöl í tölvupósti…')
    shown = table(icelandic, 'documents-table')
    assert [c['label'] for c in shown.columns][:6] == [
        'Dagsetning',
        'Tilvísun',
        'Tegund',
        'Viðskiptavinur / birgir',
        'Samtals',
        'Sent',
    ]
    row = next(r for r in shown.rows if r['reference'] == 'INV-0001')
    assert row['type'] == 'Reikningur'
    assert row['issue_date'] == icelandic_date(documents['INV-0001'].issue_date)
    icelandic.find(marker='select-all-matching').click()
    await icelandic.should_see(f'Öll skjölin sem passa eru valin: {len(documents)} skjöl.')


async def test_a_document_page_speaks_icelandic_and_its_delete_answers_in_icelandic(
    services: Services, icelandic: User
) -> None:
    invoice = first_invoice(services)
    await icelandic.open(f'/documents/{invoice.id}')
    await icelandic.should_see(f'Reikningur {invoice.reference}')
    await icelandic.should_see('Sækja PDF')
    await icelandic.should_see('Útgáfudagur')
    await icelandic.should_see('Gjalddagi')
    assert invoice.second_date is not None
    await icelandic.should_see(icelandic_date(invoice.second_date))
    await icelandic.should_see('Ekki sent í tölvupósti enn.')
    await icelandic.should_see('Settu upp tölvupóst til að senda þetta')
    icelandic.find('Eyða').click()
    await icelandic.should_see(f'Eyða Reikningur {invoice.reference}?')
    await icelandic.should_see('Ekki er hægt að afturkalla þetta.')
    icelandic.find(marker='confirm-delete').click()
    await icelandic.should_see(f'Reikningur {invoice.reference} eytt.')
    assert services.folder.documents.get(invoice.id) is None


async def test_the_invoice_editor_names_its_fields_in_icelandic(services: Services, icelandic: User) -> None:
    invoice = first_invoice(services)
    await icelandic.open(f'/documents/{invoice.id}/edit')
    await icelandic.should_see('Breyta reikningi')
    for label in ('Tilvísun', 'Viðskiptavinur', 'Útgáfudagur', 'Gjalddagi', 'Greitt þann', 'Einingarverð', 'VSK %'):
        await icelandic.should_see(label)
    await icelandic.should_see('Bæta við línu')


async def test_the_compose_dialog_speaks_icelandic_and_names_a_wrong_field_in_icelandic(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, icelandic: User
) -> None:
    invoice = await open_compose(icelandic, services)
    await icelandic.should_see(f'Tölvupóstur: Reikningur {invoice.reference}')
    await icelandic.should_see('Afrit fer líka á archive@nordurljos.example (Tölvupóststillingar).')
    await icelandic.should_see('Bæta við skrám')
    await icelandic.should_see('Skilaboð (Markdown: **feitletrað**, *skáletrað*, - listi)')
    send_with(icelandic, to='anna@example.is, not-an-address', subject='')
    await icelandic.should_see('Ekki sent: athugaðu Til og Efni (merkt með rauðu).')
    assert transport.delivered == []


async def test_the_email_log_shows_statuses_and_filters_in_icelandic(
    services: Services, memory_outbox: Outbox, transport: MemoryTransport, icelandic: User
) -> None:
    services.folder.settings.save(smtp_settings())
    transport.failures.append(TransportError('rcpt', Cause.RECIPIENT_REJECTED, reply_code=550, reply_text='No'))
    failed = await memory_outbox.send(make_draft())
    await icelandic.open('/emails')
    for text in ('Leita að viðtakanda, efni eða skjali', 'Mistókst', 'Reyna aftur', 'í skrefinu rcpt'):
        await icelandic.should_see(text)
    await icelandic.should_see(f'Til {", ".join([*failed.draft.to, *(f"afrit {a}" for a in failed.draft.cc)])}')
    await icelandic.should_see('Svar þjónsins: 550 No')
    with using_language('is'):
        when = local_time(failed.created_at)
    assert when != local_time(failed.created_at)  # Icelandic writes the month its own way
    await icelandic.should_see(when)


async def test_a_batch_page_and_its_buttons_answer_in_icelandic(
    services: Services, memory_outbox: Outbox, icelandic: User
) -> None:
    await icelandic.open('/batches')
    await icelandic.should_see('Engar runur enn: veldu skjöl á síðunni Skjöl og svo Senda valin skjöl í tölvupósti.')
    services.folder.settings.save(smtp_settings())
    batch = services.batches.begin('2 skjöl', ['Reikningur INV-0009: vantar netfang.'])
    queued = memory_outbox.enqueue(make_draft(), batch_id=batch.id)
    services.batches.launch(batch, [queued.id])
    services.batches.pause(batch.id)  # before the outbox looks: nothing of the batch goes
    await icelandic.open(f'/batches/{batch.id}')
    await icelandic.should_see('1 skjali sleppt fyrir sendingu')
    await icelandic.should_see('Í hléi')
    icelandic.find(marker='batch-resume').click()
    await icelandic.should_see('Haldið áfram.')


async def test_the_reminders_page_and_dont_remind_speak_icelandic(services: Services, icelandic: User) -> None:
    seed_sample_data(services.folder, today=date.today())
    services.folder.settings.save(smtp_settings())
    invoice = next(d for d in services.folder.documents.all() if d.type is DocumentType.SALES_INVOICE and d.unpaid)
    await icelandic.open('/reminders')
    for text in (
        'Slökkt er á áminningum: ekkert fer fyrr en þú kveikir á þeim hér fyrir neðan.',
        'Engin áminning hefur farið enn.',
        'Tímaáætlun',
        'Senda áminningar vegna gjaldfallinna reikninga',
        'Dagar eftir gjalddaga',
    ):
        await icelandic.should_see(text)
    icelandic.find(marker=f'pause-{invoice.reference}').click()
    await icelandic.should_see('Engar áminningar verða sendar vegna þessa reiknings.')


async def test_the_business_page_saves_with_an_icelandic_answer(services: Services, icelandic: User) -> None:
    await icelandic.open('/business')
    await icelandic.should_see('Fyrirtækið þitt eins og það birtist á öllum skjölum.')
    await icelandic.should_see('Greiðsluupplýsingar (prentaðar á reikninga og yfirlit)')
    await icelandic.should_see('Pappírsstærð')
    set_value(icelandic, 'name', 'Norðurljós Ráðgjöf ehf.')
    icelandic.find(marker='save').click()
    await icelandic.should_see('Upplýsingar um fyrirtækið vistaðar.')
