"""The document language on the pages: chosen per contact and for the business, templates edited per language, and
the Email button, batches and reminders using the contact's language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from nicegui import ui
from nicegui.testing import User

from core.documents import Contact, ContactKind, DocumentType, new_id
from core.outbox import Outbox
from core.templates import EmailTemplate, default_template
from tests.email.conftest import smtp_settings
from tests.support.app_state import first_invoice
from tests.support.ui import BACKGROUND_RETRIES, set_value, value_of
from ui.batch_dialog import template_key
from ui.services import Services


async def edit_contact(user: User, services: Services, contact: Contact, shown: str, **values: str) -> Contact:
    """Open the contact's form, check the language it shows, set `values` by marker, save, and read it back."""
    await user.open(f'/contacts/{contact.id}/edit')
    assert value_of(user, 'language') == shown
    for marker, value in values.items():
        set_value(user, marker, value)
    user.find(marker='save').click()
    await user.should_see(f'{contact.name} saved.')
    saved = services.folder.contacts.get(contact.id)
    assert saved is not None
    return saved


async def test_a_contact_language_is_shown_chosen_and_saved(services: Services, app_user: User) -> None:
    contact = Contact(new_id(), ContactKind.CUSTOMER, 'Þórður Ægisson ehf.', ('thordur@example.is',))
    services.folder.contacts.save(contact)
    await app_user.open(f'/contacts/{contact.id}')
    await app_user.should_see("English (the business's language)")
    saved = await edit_contact(app_user, services, contact, 'en', language='is')
    assert saved.language == 'is'


async def test_a_contact_that_never_chose_keeps_following_the_business(services: Services, app_user: User) -> None:
    contact = Contact(new_id(), ContactKind.CUSTOMER, 'Kaffihús Guðrúnar', ('gudrun@example.is',))
    services.folder.contacts.save(contact)
    services.folder.business.save(replace(services.folder.business.load_or_default(), name='Norðurljós', language='is'))
    saved = await edit_contact(app_user, services, contact, 'is', **{'tax-number': '123456-7890'})
    assert saved.language is None and saved.tax_number == '123456-7890'


async def test_the_contacts_pages_speak_icelandic(services: Services, app_user: User) -> None:
    contact = Contact(new_id(), ContactKind.CUSTOMER, 'Kaffihús Guðrúnar', ('gudrun@example.is',), language='is')
    services.folder.contacts.save(contact)
    app_user.http_client.headers['Accept-Language'] = 'is'
    await app_user.open('/contacts')
    for text in ('Nýr viðskiptavinur', 'Nýr birgir', 'Senda reikningsyfirlit í tölvupósti til…'):
        await app_user.should_see(text)
    await app_user.open(f'/contacts/{contact.id}/edit')
    for text in ('Tungumál skjala og tölvupósts', 'Heimilisfang greiðanda', 'Vista'):
        await app_user.should_see(text)
    set_value(app_user, 'name', '')
    app_user.find(marker='save').click()
    await app_user.should_see('Ekki vistað. Lagaðu reitina sem eru merktir með rauðu.')


async def test_the_business_language_is_saved(services: Services, app_user: User) -> None:
    services.folder.business.save(replace(services.folder.business.load_or_default(), name='Norðurljós'))
    await app_user.open('/business')
    set_value(app_user, 'language', 'is')
    app_user.find(marker='save').click()
    await app_user.should_see('Business profile saved.')
    assert services.folder.business.load_or_default().language == 'is'


async def test_the_templates_page_edits_and_previews_each_language_apart(services: Services, app_user: User) -> None:
    await app_user.open('/templates')
    app_user.find('Sales invoice').click()
    await app_user.should_see('Subject: Invoice INV-0042 from Norðurljós Design')
    set_value(app_user, 'template-language', 'is')
    await app_user.should_see('Subject: Reikningur INV-0042 frá Norðurljós Design')
    assert value_of(app_user, 'subject') == default_template('sales_invoice', 'is').subject
    [preview] = app_user.find(marker='preview-body').elements
    assert isinstance(preview, ui.html)
    assert 'að upphæð 1.240,00 €' in preview.content and 'með gjalddaga 12. desember 2026' in preview.content
    await app_user.should_see('The document total with currency — e.g. 1.240,00 €')  # the page's words, Icelandic money
    set_value(app_user, 'subject', 'Reikningurinn {{ reference }}')
    app_user.find('Save template').click()
    await app_user.should_see('Saved the sales invoice (Íslenska) template.')
    assert services.folder.templates.load('sales_invoice', 'is').subject == 'Reikningurinn {{ reference }}'
    assert services.folder.templates.load('sales_invoice') == default_template('sales_invoice')
    set_value(app_user, 'template-language', 'en')
    assert value_of(app_user, 'subject') == default_template('sales_invoice').subject


async def test_the_email_button_proposes_the_icelandic_template_and_pdf_for_an_icelandic_contact(
    services: Services, memory_outbox: Outbox, app_user: User
) -> None:
    services.folder.settings.save(smtp_settings())
    invoice = first_invoice(services)
    contact = services.folder.contacts.get(invoice.contact_id)
    assert contact is not None
    services.folder.contacts.save(replace(contact, language='is'))
    services.folder.templates.save('sales_invoice', EmailTemplate('Reikn. {{ reference }}', 'Halló {{ total }}'), 'is')
    await app_user.open(f'/documents/{invoice.id}')
    app_user.find(marker='action-email').click()
    await app_user.should_see(f'Reikningur {invoice.reference}.pdf · ', retries=BACKGROUND_RETRIES)
    assert value_of(app_user, 'compose-subject') == f'Reikn. {invoice.reference}'
    assert str(value_of(app_user, 'compose-body')) == 'Halló 3.339,07\u00a0EUR\n'  # Icelandic money, not €3,339.07


def test_a_batch_picks_each_documents_template_by_its_contacts_language(services: Services) -> None:
    first_invoice(services)  # the sample business: its business language is English
    folder = services.folder
    business, contacts = folder.business.load_or_default(), folder.contacts.by_id()
    documents = [d for d in folder.documents.all() if d.type is DocumentType.SALES_INVOICE]
    keys = {contacts[d.contact_id].name: template_key(d, business, contacts) for d in documents}
    assert keys['Kaffihús Guðrúnar'] == ('sales_invoice', 'is')
    assert keys['Þórður Ægisson ehf.'] == ('sales_invoice', 'en')
    statement = folder.documents.statement(
        contacts[documents[0].contact_id], date(2026, 1, 1), date(2026, 11, 28), 'EUR'
    )
    assert template_key(statement, replace(business, language='is'), contacts)[0] == 'customer_statement'
