"""The documents, contacts and business pages as a person uses them, driven through the whole app."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User

from core.documents import DocumentType, Paper, new_id
from core.sample_data import sample_contacts, sample_documents
from storage.sample import seed_sample_data
from tests.support.ui import set_value
from ui.services import Services

THORDUR = sample_contacts()[0]


@pytest.fixture
def seeded(services: Services) -> Services:
    seed_sample_data(services.folder)
    return services


def element(user: User, marker: str) -> Any:
    return next(iter(user.find(marker=marker).elements))


def table_rows(user: User, marker: str) -> list[dict[str, Any]]:
    table: ui.table = element(user, marker)
    return table.rows


def invoice(seeded: Services, reference: str) -> Any:
    return next(d for d in seeded.folder.documents.all() if d.reference == reference)


async def test_documents_list_shows_the_sample_newest_first(app_user: User, seeded: Services) -> None:
    await app_user.open('/documents')
    rows = table_rows(app_user, 'documents-table')
    assert len(rows) == 20
    dates = {d.reference: d.issue_date for d in seeded.folder.documents.all()}
    assert dates[rows[0]['reference']] >= dates[rows[-1]['reference']]
    first = next(r for r in rows if r['reference'] == 'INV-0001')
    assert first['contact'] == 'Þórður Ægisson ehf.'
    assert first['total'] == '€3,339.07'


async def test_search_and_type_filter_are_applied_on_the_server(app_user: User, seeded: Services) -> None:
    await app_user.open('/documents')
    app_user.find(marker='document-search').type('ægisson')
    rows = table_rows(app_user, 'documents-table')
    assert rows and all(r['contact'] == 'Þórður Ægisson ehf.' for r in rows)
    set_value(app_user, 'document-type-filter', DocumentType.CREDIT_NOTE.value)
    assert [r['reference'] for r in table_rows(app_user, 'documents-table')] == ['CN-0001']


async def test_thousands_of_documents_arrive_one_page_at_a_time(app_user: User, seeded: Services) -> None:
    base = sample_documents(date.today())[1]
    seeded.folder.documents.save_many(
        replace(base, id=new_id(), reference=f'INV-{n:05d}', issue_date=base.issue_date - timedelta(days=n % 300))
        for n in range(100, 2100)
    )
    await app_user.open('/documents')
    table: ui.table = element(app_user, 'documents-table')
    assert len(table.rows) == 25
    assert table.pagination['rowsNumber'] == 2020
    pagination = {'page': 3, 'rowsPerPage': 50, 'sortBy': 'reference', 'descending': False}
    app_user.find(marker='documents-table').trigger('request', {'pagination': pagination})
    assert len(table.rows) == 50
    assert table.rows[0]['reference'] == 'INV-00187'  # natural order: CN-0001, CN-0002, INV-0001..0011, INV-00100..
    assert table.pagination['page'] == 3


async def test_create_an_invoice(app_user: User, seeded: Services) -> None:
    await app_user.open('/documents/new/sales-invoice')
    assert element(app_user, 'reference').value == 'INV-0012'
    set_value(app_user, 'contact', THORDUR.id)
    app_user.find(marker='line-0-description').type('Ráðgjöf *bold* #panic()')
    app_user.find(marker='line-0-quantity').clear().type('2,5')
    app_user.find(marker='line-0-unit_price').type('100')
    await app_user.should_see('€310.00')  # 250 + 24% tax, live
    app_user.find(marker='add-line').click()
    await app_user.should_see(marker='line-1-description')
    app_user.find(marker='line-1-description').type('Travel')
    app_user.find(marker='line-1-unit_price').type('40')
    app_user.find(marker='line-1-tax_rate').clear().type('0')
    app_user.find(marker='save').click()
    await app_user.should_see('Sales Invoice INV-0012')
    created = invoice(seeded, 'INV-0012')
    assert created.contact_id == THORDUR.id
    assert [line.description for line in created.lines] == ['Ráðgjöf *bold* #panic()', 'Travel']
    assert str(created.total) == '350.00'


async def test_create_refuses_bad_fields_and_saves_nothing(app_user: User, seeded: Services) -> None:
    before = seeded.folder.documents.count()
    await app_user.open('/documents/new/sales-invoice')
    set_value(app_user, 'reference', 'INV-0003')
    app_user.find(marker='line-0-quantity').clear().type('abc')
    app_user.find(marker='line-0-tax_rate').clear().type('150')
    app_user.find(marker='save').click()
    await app_user.should_see('INV-0003 is already used by another document of this type.')
    await app_user.should_see('"abc" is not a number.')
    await app_user.should_see('A tax rate is a percentage up to 100.')
    await app_user.should_see('Choose the customer.')
    await app_user.should_see('Describe this line.')
    await app_user.should_see('Please correct the highlighted fields.')
    assert seeded.folder.documents.count() == before


async def test_due_date_before_issue_date_is_caught_at_the_field(app_user: User, seeded: Services) -> None:
    await app_user.open('/documents/new/sales-invoice')
    set_value(app_user, 'issue-date', '2026-05-10')
    set_value(app_user, 'second-date', '2026-05-01')
    await app_user.should_see('The due date cannot be before the issue date.')


async def test_edit_a_document(app_user: User, seeded: Services) -> None:
    document = invoice(seeded, 'INV-0004')
    await app_user.open(f'/documents/{document.id}/edit')
    app_user.find(marker='notes').type('Thank you — takk fyrir!')
    app_user.find(marker='line-0-quantity').clear().type('2')
    app_user.find(marker='save').click()
    await app_user.should_see('Sales Invoice INV-0004 saved.')
    edited = seeded.folder.documents.get(document.id)
    assert edited is not None
    assert edited.notes == 'Thank you — takk fyrir!'
    assert edited.lines[0].quantity == 2
    assert edited.reference == 'INV-0004'


async def test_delete_asks_first_and_cancel_keeps_the_document(app_user: User, seeded: Services) -> None:
    document = invoice(seeded, 'INV-0002')
    await app_user.open(f'/documents/{document.id}')
    await app_user.should_see(marker='pdf-preview')
    app_user.find('Delete').click()
    await app_user.should_see('Delete Sales Invoice INV-0002?')
    app_user.find('Cancel').click()
    assert seeded.folder.documents.get(document.id) is not None
    app_user.find('Delete').click()
    app_user.find(marker='confirm-delete').click()
    await app_user.should_see('Sales Invoice INV-0002 deleted.')
    assert seeded.folder.documents.get(document.id) is None


async def test_delete_from_a_table_row(app_user: User, seeded: Services) -> None:
    document = invoice(seeded, 'INV-0005')
    await app_user.open('/documents')
    app_user.find(marker='documents-table').trigger('delete', document.id)
    app_user.find(marker='confirm-delete').click()
    await app_user.should_see('Sales Invoice INV-0005 deleted.')
    assert seeded.folder.documents.get(document.id) is None
    assert 'INV-0005' not in [r['reference'] for r in table_rows(app_user, 'documents-table')]


async def test_pdf_route_serves_the_document_inline_and_as_download(app_user: User, seeded: Services) -> None:
    document = invoice(seeded, 'INV-0001')
    response = await app_user.http_client.get(f'/documents/{document.id}/pdf')
    assert response.status_code == 200
    assert response.headers['content-type'] == 'application/pdf'
    assert response.content.startswith(b'%PDF')
    assert response.headers['content-disposition'].startswith('inline')
    assert "filename*=UTF-8''Sales%20Invoice%20INV-0001.pdf" in response.headers['content-disposition']
    download = await app_user.http_client.get(f'/documents/{document.id}/pdf?download=true')
    assert download.headers['content-disposition'].startswith('attachment')
    assert (await app_user.http_client.get('/documents/nope/pdf')).status_code == 404


async def test_contacts_list_and_create_with_field_validation(app_user: User, seeded: Services) -> None:
    await app_user.open('/contacts')
    names = [r['name'] for r in table_rows(app_user, 'contacts-table')]
    assert 'Þórður Ægisson ehf.' in names and 'Pappírsverk ehf.' in names
    await app_user.open('/contacts/new/customer')
    app_user.find(marker='emails').type('good@example.com\nnot-an-address')
    app_user.find(marker='save').click()
    await app_user.should_see('Enter the name.')
    await app_user.should_see('"not-an-address" is not a valid email address')
    app_user.find(marker='name').type('Ásgeir Ólafsson')
    app_user.find(marker='emails').clear().type('asgeir@example.is; bokhald@example.is')
    app_user.find(marker='save').click()
    await app_user.should_see('Ásgeir Ólafsson saved.')
    created = next(c for c in seeded.folder.contacts.all() if c.name == 'Ásgeir Ólafsson')
    assert created.emails == ('asgeir@example.is', 'bokhald@example.is')


async def test_edit_a_contact(app_user: User, seeded: Services) -> None:
    await app_user.open(f'/contacts/{THORDUR.id}/edit')
    app_user.find(marker='billing-address').clear().type('Glerárgata 1\n600 Akureyri')
    app_user.find(marker='save').click()
    await app_user.should_see('Þórður Ægisson ehf. saved.')
    contact = seeded.folder.contacts.get(THORDUR.id)
    assert contact is not None and contact.billing_address == 'Glerárgata 1\n600 Akureyri'


async def test_a_contact_with_documents_cannot_be_deleted_but_an_unused_one_can(
    app_user: User, seeded: Services
) -> None:
    await app_user.open('/contacts')
    app_user.find(marker='contacts-table').trigger('delete', THORDUR.id)
    count = len(seeded.folder.documents.for_contact(THORDUR.id))
    assert count > 1
    await app_user.should_see(f'Þórður Ægisson ehf. has {count} documents; delete those first to delete the contact.')
    assert seeded.folder.contacts.get(THORDUR.id) is not None
    unused = replace(THORDUR, id=new_id(), name='Nobody ehf.')
    seeded.folder.contacts.save(unused)
    await app_user.open(f'/contacts/{unused.id}')
    app_user.find('Delete').click()
    app_user.find(marker='confirm-delete').click()
    await app_user.should_see('Nobody ehf. deleted.')
    assert seeded.folder.contacts.get(unused.id) is None


async def test_customer_statement_page_and_pdf(app_user: User, seeded: Services) -> None:
    today = date.today()
    start = (today - timedelta(days=200)).isoformat()
    await app_user.open(f'/contacts/{THORDUR.id}/statement?start={start}&end={today.isoformat()}')
    statement = seeded.folder.documents.statement(THORDUR, today - timedelta(days=200), today, 'EUR')
    await app_user.should_see('Amount due: €')
    assert element(app_user, 'amount-due').text.endswith(f'{statement.amount_due:,.2f}')
    response = await app_user.http_client.get(f'/contacts/{THORDUR.id}/statement.pdf?start={start}')
    assert response.status_code == 200 and response.content.startswith(b'%PDF')
    assert 'Customer%20Statement%20%C3%9E%C3%B3r%C3%B0ur' in response.headers['content-disposition']


async def test_business_profile_edit_and_validation(app_user: User, seeded: Services) -> None:
    await app_user.open('/business')
    assert element(app_user, 'name').value == 'Norðurljós Ráðgjöf ehf.'
    app_user.find(marker='currency').clear().type('euro')
    app_user.find(marker='save').click()
    await app_user.should_see('Three capital letters, such as EUR.')
    app_user.find(marker='currency').clear().type('EUR')
    app_user.find(marker='name').clear().type('Norðurljós Ráðgjöf & Co. ehf.')
    set_value(app_user, 'paper', Paper.LETTER.value)
    app_user.find(marker='save').click()
    await app_user.should_see('Business profile saved.')
    profile = seeded.folder.business.load()
    assert profile is not None
    assert profile.name == 'Norðurljós Ráðgjöf & Co. ehf.' and profile.paper is Paper.LETTER


async def test_statement_is_reached_from_the_documents_menu(app_user: User, seeded: Services) -> None:
    await app_user.open('/documents')
    app_user.find(marker='statement-menu').click()
    await app_user.should_see(marker='statement-customer')
    set_value(app_user, 'statement-customer', THORDUR.id)
    app_user.find(marker='show-statement').click()
    await app_user.should_see('Statement for Þórður Ægisson ehf.')
    await app_user.should_see(marker='pdf-preview')
